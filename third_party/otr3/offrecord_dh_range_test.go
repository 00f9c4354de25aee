package otr3

// Tests of offrecord's patch: the peer's DH value in data messages must lie
// in the group.

import (
	"crypto/rand"
	"math/big"
	"testing"
)

// securePair runs an AKE between two fresh conversations.
func securePair(t *testing.T) (alice, bob *Conversation) {
	t.Helper()
	alice = &Conversation{Rand: rand.Reader}
	alice.SetOurKeys([]PrivateKey{alicePrivateKey})
	alice.Policies = policies(allowV3)
	bob = &Conversation{Rand: rand.Reader}
	bob.SetOurKeys([]PrivateKey{bobPrivateKey})
	bob.Policies = policies(allowV3)

	toSend := []ValidMessage{alice.QueryMessage()}
	for to, other := bob, alice; len(toSend) > 0; to, other = other, to {
		var next []ValidMessage
		for _, m := range toSend {
			_, out, err := to.Receive(m)
			assertNil(t, err)
			next = append(next, out...)
		}
		toSend = next
	}
	assertEquals(t, alice.IsEncrypted() && bob.IsEncrypted(), true)
	return alice, bob
}

// sendWithY has from encrypt text with y as its next DH value (MACed as
// usual) and restores its real value.
func sendWithY(t *testing.T, from *Conversation, y *big.Int, text string) []ValidMessage {
	t.Helper()
	real := from.keys.ourCurrentDHKeys.pub
	from.keys.ourCurrentDHKeys.pub = y
	msgs, err := from.Send(ValidMessage(text))
	from.keys.ourCurrentDHKeys.pub = real
	assertNil(t, err)
	return msgs
}

func Test_receive_rejectsADataMessageWhoseDHValueIsNotInTheGroup(t *testing.T) {
	for _, y := range []*big.Int{big.NewInt(0), big.NewInt(1), new(big.Int).Sub(p, big.NewInt(1)), p, new(big.Int).Add(p, big.NewInt(2))} {
		alice, bob := securePair(t)
		theirKeyID, theirKey := bob.keys.theirKeyID, new(big.Int).Set(bob.keys.theirCurrentDHPubKey)

		bad := sendWithY(t, alice, y, "bad y")
		var events []MessageEvent
		bob.messageEventHandler = dynamicMessageEventHandler{func(e MessageEvent, _ []byte, _ error, _ ...interface{}) {
			events = append(events, e)
		}}
		plain, _, err := bob.Receive(bad[0])
		assertEquals(t, err, errDHValueOutOfGroup)
		assertEquals(t, len(events) > 0 && events[0] == MessageEventReceivedMessageUnreadable, true)
		assertNil(t, plain)
		assertEquals(t, bob.keys.theirKeyID, theirKeyID)
		assertDeepEquals(t, bob.keys.theirCurrentDHPubKey, theirKey)

		// The session is intact: the next messages each way are read.
		good, err := alice.Send(ValidMessage("good y"))
		assertNil(t, err)
		plain, _, err = bob.Receive(good[0])
		assertNil(t, err)
		assertEquals(t, string(plain), "good y")
		back, err := bob.Send(ValidMessage("back"))
		assertNil(t, err)
		plain, _, err = alice.Receive(back[0])
		assertNil(t, err)
		assertEquals(t, string(plain), "back")
	}
}

func Test_receive_acceptsDHValuesAtTheGroupsBounds(t *testing.T) {
	for _, y := range []*big.Int{big.NewInt(2), new(big.Int).Sub(p, big.NewInt(2))} {
		alice, bob := securePair(t)
		msgs := sendWithY(t, alice, y, "edge")
		plain, _, err := bob.Receive(msgs[0])
		assertNil(t, err)
		assertEquals(t, string(plain), "edge")
	}
}
