package otr3

// Tests of offrecord's patch: the message counter is checked and advanced
// only for a message whose MAC is good.

import (
	"testing"
)

func Test_receive_aForgedMessageDoesNotAdvanceTheCounter(t *testing.T) {
	alice, bob := securePair(t)

	// Alice's message with the counter raised to its maximum, MAC not redone.
	dm, _, err := alice.genDataMsg([]byte("forged"))
	assertNil(t, err)
	for i := range dm.topHalfCtr {
		dm.topHalfCtr[i] = 0xff
	}
	dm.serializeUnsignedCache = nil
	forged, err := alice.wrapMessageHeader(msgTypeData, dm.serialize(alice.version))
	assertNil(t, err)
	plain, _, err := bob.Receive(ValidMessage(alice.encode(forged)))
	assertNil(t, plain)
	assertEquals(t, isConflict(err), true)

	// Alice's next genuine message is still read.
	msgs, err := alice.Send(ValidMessage("genuine"))
	assertNil(t, err)
	plain, _, err = bob.Receive(msgs[0])
	assertNil(t, err)
	assertEquals(t, string(plain), "genuine")
}
