package otr3

// Tests of offrecord's data-path patch: messages built in one pooled
// buffer, received ones decoded into one and wiped, our DH value serialized
// once per key, the peer's known one not parsed again.

import (
	"bytes"
	"encoding/base64"
	"math/big"
	"testing"
	"time"
)

// decodeWire returns the binary data message inside an unfragmented wire message.
func decodeWire(t *testing.T, w ValidMessage) []byte {
	t.Helper()
	bin, err := base64.StdEncoding.DecodeString(string(w[len(msgMarker) : len(w)-1]))
	assertNil(t, err)
	return bin
}

func Test_genDataMsgInto_buildsTheBytesOtr3Built(t *testing.T) {
	alice, bob := securePair(t)
	for _, text := range []string{"", "hello", string(bytes.Repeat([]byte("x"), 300))} {
		// Upstream's construction, from the same keys and counter.
		keys, err := alice.keys.calculateDHSessionKeys(alice.keys.ourKeyID-1, alice.keys.theirKeyID, alice.version)
		assertNil(t, err)
		counter := alice.keys.counterHistory.findCounterFor(alice.keys.ourKeyID-1, alice.keys.theirKeyID).ourCounter
		if counter == 0 {
			counter = 1
		}
		var ctr [8]byte
		big.NewInt(int64(counter)).FillBytes(ctr[:])
		ref := dataMsg{
			senderKeyID:    alice.keys.ourKeyID - 1,
			recipientKeyID: alice.keys.theirKeyID,
			y:              alice.keys.ourCurrentDHKeys.pub,
			topHalfCtr:     ctr,
			encryptedMsg:   plainDataMsg{message: []byte(text)}.encrypt(keys.sendingAESKey, ctr),
			oldMACKeys:     append([]macKey(nil), alice.keys.oldMACKeys...),
		}
		header, err := alice.messageHeader(msgTypeData)
		assertNil(t, err)
		ref.sign(keys.sendingMACKey, header, alice.version)
		want := append(header, ref.serialize(alice.version)...)

		msgs, err := alice.Send(ValidMessage(text))
		assertNil(t, err)
		assertDeepEquals(t, decodeWire(t, msgs[0]), want)

		plain, _, err := bob.Receive(msgs[0])
		assertNil(t, err)
		assertEquals(t, string(plain), text)
	}
}

func Test_receive_leavesNoPlaintextInThePooledBuffer(t *testing.T) {
	alice, bob := securePair(t)
	secret := bytes.Repeat([]byte("SECRET"), 10)
	msgs, err := alice.Send(secret)
	assertNil(t, err)
	plain, _, err := bob.Receive(msgs[0])
	assertNil(t, err)
	assertDeepEquals(t, []byte(plain), secret)

	// The buffer just put back (if the pool hands it out again) is zeros.
	bp := getDataBuffer()
	defer putDataBuffer(bp)
	if bytes.Contains((*bp)[:cap(*bp)], []byte("SECRET")) {
		t.Fatal("plaintext left in a pooled buffer")
	}
}

func Test_receive_theExtraKeyUsageDataOutlivesTheMessage(t *testing.T) {
	alice, bob := securePair(t)
	var usage []byte
	bob.SetReceivedKeyHandler(dynamicReceivedKeyHandler{func(_ uint32, usageData []byte, _ []byte) {
		usage = usageData
	}})
	_, msgs, err := alice.UseExtraSymmetricKey(7, []byte("file transfer"))
	assertNil(t, err)
	_, _, err = bob.Receive(msgs[0])
	assertNil(t, err)
	// The next message is decoded into the same pooled buffer.
	msgs, err = alice.Send(ValidMessage("another message of some length"))
	assertNil(t, err)
	_, _, err = bob.Receive(msgs[0])
	assertNil(t, err)
	assertEquals(t, string(usage), "file transfer")
}

func Test_receive_theirKnownKeyIsNotParsedAgainButTheirNextIsTheirOwn(t *testing.T) {
	alice, bob := securePair(t)
	send := func(from, to *Conversation, text string) {
		msgs, err := from.Send(ValidMessage(text))
		assertNil(t, err)
		plain, _, err := to.Receive(msgs[0])
		assertNil(t, err)
		assertEquals(t, string(plain), text)
	}
	send(alice, bob, "one") // bob learns alice's next key
	send(bob, alice, "back")
	current := bob.keys.theirCurrentDHPubKey
	send(alice, bob, "two") // alice's next key: a new one, stored
	assertEquals(t, bob.keys.theirPreviousDHPubKey == current, true)
	assertEquals(t, bob.keys.theirCurrentDHPubKey != current, true)
	current = bob.keys.theirCurrentDHPubKey
	send(alice, bob, "three") // the same key again: kept, not replaced
	assertEquals(t, bob.keys.theirCurrentDHPubKey == current, true)
	assertEquals(t, bob.keys.theirPreviousDHPubKey != current, true)
}

func Test_ourPubMPI_followsTheCurrentKey(t *testing.T) {
	k := keyManagementContext{}
	k.ourCurrentDHKeys.pub = big.NewInt(0x010203)
	assertDeepEquals(t, k.ourPubMPI(), []byte{0, 0, 0, 3, 1, 2, 3})
	k.ourCurrentDHKeys.pub = big.NewInt(0x0405)
	assertDeepEquals(t, k.ourPubMPI(), []byte{0, 0, 0, 2, 4, 5})
	wipeBigInt(k.ourCurrentDHKeys.pub) // in place, as wipes do
	assertDeepEquals(t, k.ourPubMPI(), []byte{0, 0, 0, 0})
}

func Test_mpiEqual(t *testing.T) {
	x := new(big.Int).Sub(p, big.NewInt(12345))
	b := x.Bytes()
	assertEquals(t, mpiEqual(b, x), true)
	assertEquals(t, mpiEqual(b[1:], x), false)
	assertEquals(t, mpiEqual(append([]byte{0}, b...), x), false)
	c := bytes.Clone(b)
	c[len(c)-1] ^= 1
	assertEquals(t, mpiEqual(c, x), false)
	c = bytes.Clone(b)
	c[0] ^= 0x80
	assertEquals(t, mpiEqual(c, x), false)
	assertEquals(t, mpiEqual(nil, new(big.Int)), true)
	assertEquals(t, mpiEqual([]byte{1}, big.NewInt(-1)), false)
	assertEquals(t, mpiEqual([]byte{1}, nil), false)
	for _, v := range []int64{1, 0xff, 0x100, 0x0102030405060708, 0x7fffffffffffffff} {
		assertEquals(t, mpiEqual(big.NewInt(v).Bytes(), big.NewInt(v)), true)
	}
}

func Test_Send_leavesTheCallersTextAsItWas(t *testing.T) {
	alice, _ := securePair(t)
	text := []byte("do not touch")
	_, err := alice.Send(text)
	assertNil(t, err)
	assertEquals(t, string(text), "do not touch")
}

func Test_resend_keepOnlyWipesTheMessageItReplaces(t *testing.T) {
	alice, bob := securePair(t)
	msgs, err := alice.Send(ValidMessage("first secret"))
	assertNil(t, err)
	_, _, err = bob.Receive(msgs[0])
	assertNil(t, err)
	old := alice.resend.messages.m[0].m
	_, err = alice.Send(ValidMessage("second"))
	assertNil(t, err)
	assertEquals(t, len(alice.resend.messages.m), 1)
	assertEquals(t, string(alice.resend.messages.m[0].m), "second")
	if bytes.Contains(old[:cap(old)], []byte("secret")) {
		t.Fatal("the replaced message was not wiped")
	}
}

func Test_SetHeartbeatClock_timesTheHeartbeats(t *testing.T) {
	alice, bob := securePair(t)
	now := time.Unix(1_700_000_000, 0)
	bob.SetHeartbeatClock(func() time.Time { return now })
	msgs, err := bob.Send(ValidMessage("from bob"))
	assertNil(t, err)
	_, _, err = alice.Receive(msgs[0])
	assertNil(t, err)
	assertEquals(t, bob.heartbeat.lastSent, now)

	msgs, err = alice.Send(ValidMessage("soon after"))
	assertNil(t, err)
	_, out, err := bob.Receive(msgs[0])
	assertNil(t, err)
	assertEquals(t, len(out), 0) // bob wrote less than a minute ago, by his clock

	now = now.Add(2 * heartbeatInterval)
	msgs, err = alice.Send(ValidMessage("much later"))
	assertNil(t, err)
	_, out, err = bob.Receive(msgs[0])
	assertNil(t, err)
	assertEquals(t, len(out), 1) // a heartbeat
	assertEquals(t, bob.heartbeat.lastSent, now)
}
