package otr3

// Tests of offrecord's patch: only the last message sent in an encrypted
// session is kept for retransmission.

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"
)

// reAKE runs a new AKE started by alice between two secure conversations
// (bob's one-minute guard against repeated queries is set aside) and returns
// the plaintexts bob read meanwhile.
func reAKE(t *testing.T, alice, bob *Conversation) []string {
	t.Helper()
	bob.lastMessageStateChange = time.Time{}
	if bob.ake != nil {
		bob.ake.lastStateChange = time.Time{}
	}
	var got []string
	toSend := []ValidMessage{alice.QueryMessage()}
	for to, other := bob, alice; len(toSend) > 0; to, other = other, to {
		var next []ValidMessage
		for _, m := range toSend {
			plain, out, err := to.Receive(m)
			assertNil(t, err)
			if to == bob && len(plain) > 0 {
				got = append(got, string(plain))
			}
			next = append(next, out...)
		}
		toSend = next
	}
	return got
}

func Test_retransmit_afterThePeersErrorResendsOnlyTheLastMessage(t *testing.T) {
	alice, bob := securePair(t)
	for _, m := range []string{"first", "second", "third"} {
		msgs, err := alice.Send(ValidMessage(m))
		assertNil(t, err)
		plain, _, err := bob.Receive(msgs[0])
		assertNil(t, err)
		assertEquals(t, string(plain), m)
	}
	_, _, err := alice.Receive(ValidMessage("?OTR Error: You transmitted an unreadable encrypted message."))
	assertNil(t, err)

	got := reAKE(t, alice, bob)

	assertEquals(t, strings.Join(got, "|"), "[resent] third")
}

func Test_retransmit_heartbeatsAndTLVsDoNotReplaceTheLastMessage(t *testing.T) {
	alice, bob := securePair(t)
	msgs, err := alice.Send(ValidMessage("words"))
	assertNil(t, err)
	_, _, err = bob.Receive(msgs[0])
	assertNil(t, err)
	_, _, err = alice.genDataMsgWithFlag(nil, messageFlagIgnoreUnreadable) // a heartbeat
	assertNil(t, err)
	_, _, err = alice.Receive(ValidMessage("?OTR Error: You transmitted an unreadable encrypted message."))
	assertNil(t, err)

	got := reAKE(t, alice, bob)

	assertEquals(t, strings.Join(got, "|"), "[resent] words")
}

func Test_retransmit_messagesQueuedBeforeTheAKEAreAllSent(t *testing.T) {
	alice := &Conversation{Rand: rand.Reader}
	alice.SetOurKeys([]PrivateKey{alicePrivateKey})
	alice.Policies = policies(allowV3 | requireEncryption)
	bob := &Conversation{Rand: rand.Reader}
	bob.SetOurKeys([]PrivateKey{bobPrivateKey})
	bob.Policies = policies(allowV3)

	var toSend []ValidMessage
	for _, m := range []string{"one", "two"} {
		out, err := alice.Send(ValidMessage(m))
		assertNil(t, err)
		toSend = out // the query, each time
	}
	var got []string
	for to, other := bob, alice; len(toSend) > 0; to, other = other, to {
		var next []ValidMessage
		for _, m := range toSend {
			plain, out, err := to.Receive(m)
			assertNil(t, err)
			if to == bob && len(plain) > 0 {
				got = append(got, string(plain))
			}
			next = append(next, out...)
		}
		toSend = next
	}
	assertEquals(t, strings.Join(got, "|"), "one|two")
}
