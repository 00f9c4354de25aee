package otr3

// Test of offrecord's patch: a data message cut short in its MAC is
// refused as malformed (otr3 panicked on it, before any key was checked).

import (
	"encoding/base64"
	"testing"
)

func Test_receive_refusesADataMessageCutShortInItsMAC(t *testing.T) {
	alice, bob := securePair(t)
	for cut := 1; cut <= 30; cut++ {
		msgs, err := alice.Send(ValidMessage("hello"))
		assertNil(t, err)
		w := msgs[0]
		bin, err := base64.StdEncoding.DecodeString(string(w[len(msgMarker) : len(w)-1]))
		assertNil(t, err)
		short := ValidMessage(string(msgMarker) + base64.StdEncoding.EncodeToString(bin[:len(bin)-cut]) + ".")

		var events []MessageEvent
		bob.messageEventHandler = dynamicMessageEventHandler{func(e MessageEvent, _ []byte, _ error, _ ...interface{}) {
			events = append(events, e)
		}}
		plain, _, err := bob.Receive(short)
		if err == nil || plain != nil {
			t.Fatalf("cut %d: accepted (%q, %v)", cut, plain, err)
		}
		if len(events) == 0 || events[0] != MessageEventReceivedMessageMalformed {
			t.Fatalf("cut %d: events %v", cut, events)
		}
	}
	// The session is intact.
	msgs, err := alice.Send(ValidMessage("still here"))
	assertNil(t, err)
	plain, _, err := bob.Receive(msgs[0])
	assertNil(t, err)
	assertEquals(t, string(plain), "still here")
}
