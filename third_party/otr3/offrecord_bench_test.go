package otr3

// Benchmarks of offrecord's patches.

import (
	"crypto/rand"
	"strings"
	"testing"
)

// benchPair runs an AKE between two fresh conversations.
func benchPair(b *testing.B) (alice, bob *Conversation) {
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
			if err != nil {
				b.Fatal(err)
			}
			next = append(next, out...)
		}
		toSend = next
	}
	if !alice.IsEncrypted() || !bob.IsEncrypted() {
		b.Fatal("AKE did not complete")
	}
	return alice, bob
}

// benchMessages sends b.N 100-byte messages, from alice only (oneWay) or
// alternating direction (a key rotation each time).
func benchMessages(b *testing.B, oneWay bool) {
	alice, bob := benchPair(b)
	msg := ValidMessage(strings.Repeat("x", 100))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		from, to := alice, bob
		if !oneWay && i%2 == 1 {
			from, to = bob, alice
		}
		out, err := from.Send(msg)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := to.Receive(out[0]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOneWayMessage: a 100-byte message encrypted by alice and
// decrypted by bob, always in the same direction (no key rotation).
func BenchmarkOneWayMessage(b *testing.B) { benchMessages(b, true) }

// BenchmarkAlternatingMessage: the same, alternating direction.
func BenchmarkAlternatingMessage(b *testing.B) { benchMessages(b, false) }

// BenchmarkAKE: a full AKE, both sides.
func BenchmarkAKE(b *testing.B) {
	for i := 0; i < b.N; i++ {
		benchPair(b)
	}
}
