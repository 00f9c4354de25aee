package otr3

// Tests of offrecord's patch: session keys cached per key id pair.

import (
	"bytes"
	"crypto/aes"
	"testing"
)

func sessionKeysFixture() keyManagementContext {
	return keyManagementContext{
		ourKeyID:   2,
		theirKeyID: 3,
		ourCurrentDHKeys: dhKeyPair{
			pub:  fixedGX(),
			priv: secretKeyValue(fixedX().Bytes()),
		},
		ourPreviousDHKeys: dhKeyPair{
			pub:  fixedGY(),
			priv: secretKeyValue(fixedY().Bytes()),
		},
		theirCurrentDHPubKey:  fixedGY(),
		theirPreviousDHPubKey: fixedGX(),
	}
}

func Test_calculateDHSessionKeys_computesEachKeyPairOnceAndStoresItsMACKeyOnce(t *testing.T) {
	c := sessionKeysFixture()

	first, err := c.calculateDHSessionKeys(2, 3, otrV3{})
	assertNil(t, err)
	for i := 0; i < 10; i++ {
		again, err := c.calculateDHSessionKeys(2, 3, otrV3{})
		assertNil(t, err)
		assertDeepEquals(t, again, first)
	}
	assertEquals(t, len(c.sessionKeys), 1)
	assertEquals(t, len(c.macKeyHistory.items), 1)

	other, err := c.calculateDHSessionKeys(1, 3, otrV3{})
	assertNil(t, err)
	assertEquals(t, bytes.Equal(other.sendingAESKey, first.sendingAESKey), false)
	assertEquals(t, len(c.sessionKeys), 2)
	assertEquals(t, len(c.macKeyHistory.items), 2)
}

func Test_calculateDHSessionKeys_cachedKeysEqualFreshOnes(t *testing.T) {
	c := sessionKeysFixture()
	_, _ = c.calculateDHSessionKeys(2, 2, otrV3{})
	cached, err := c.calculateDHSessionKeys(2, 2, otrV3{})
	assertNil(t, err)
	fresh := calculateDHSessionKeys(c.ourCurrentDHKeys.priv, c.ourCurrentDHKeys.pub, c.theirPreviousDHPubKey, otrV3{})
	assertDeepEquals(t, cached, fresh)
}

func Test_rotateOurKeys_wipesTheSessionKeysOfOurOldKey(t *testing.T) {
	c := sessionKeysFixture()
	old, _ := c.calculateDHSessionKeys(1, 3, otrV3{})
	_, _ = c.calculateDHSessionKeys(2, 3, otrV3{})
	aes := old.sendingAESKey

	assertNil(t, c.rotateOurKeys(2, fixedRand([]string{"abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd"})))

	assertEquals(t, len(c.sessionKeys), 1)
	assertEquals(t, c.sessionKeys[0].ourKeyID, uint32(2))
	assertDeepEquals(t, aes, make([]byte, len(aes)))
	assertEquals(t, len(c.oldMACKeys), 1)
	assertEquals(t, bytes.Equal(c.oldMACKeys[0], make([]byte, len(c.oldMACKeys[0]))), false)
}

func Test_rotateTheirKey_wipesTheSessionKeysOfTheirOldKey(t *testing.T) {
	c := sessionKeysFixture()
	old, _ := c.calculateDHSessionKeys(2, 2, otrV3{})
	_, _ = c.calculateDHSessionKeys(2, 3, otrV3{})
	aes := old.receivingAESKey

	c.rotateTheirKey(3, fixedGX())

	assertEquals(t, len(c.sessionKeys), 1)
	assertEquals(t, c.sessionKeys[0].theirKeyID, uint32(3))
	assertDeepEquals(t, aes, make([]byte, len(aes)))
	assertEquals(t, len(c.oldMACKeys), 1)
}

func Test_keyManagementContext_wipe_wipesTheSessionKeys(t *testing.T) {
	c := sessionKeysFixture()
	keys, _ := c.calculateDHSessionKeys(2, 3, otrV3{})
	aes := keys.sendingAESKey

	c.wipe()

	assertNil(t, c.sessionKeys)
	assertDeepEquals(t, aes, make([]byte, len(aes)))
}

func Test_sessionCiphers_areMadeOnceAndWipedWithTheirKeys(t *testing.T) {
	c := sessionKeysFixture()
	old, _ := c.calculateDHSessionKeys(1, 3, otrV3{})
	b1, err := old.sendingCipher()
	assertNil(t, err)
	b2, _ := old.sendingCipher()
	assertEquals(t, b1 == b2, true)
	m1 := old.receivingHMAC(otrV3{})
	assertEquals(t, m1 == old.receivingHMAC(otrV3{}), true)
	sc := old.ciphers

	assertNil(t, c.rotateOurKeys(2, fixedRand([]string{"abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd"})))

	assertDeepEquals(t, *sc, sessionCiphers{})
}

func Test_unsafeWipe_zeroesAnAESKeySchedule(t *testing.T) {
	b, err := aes.NewCipher([]byte("0123456789abcdef"))
	assertNil(t, err)
	// The key schedule is the block's only content: after the wipe, the
	// block encrypts as the schedule of all zero words would, not as the key.
	var withKey, wiped [16]byte
	b.Encrypt(withKey[:], make([]byte, 16))
	unsafeWipe(b)
	b.Encrypt(wiped[:], make([]byte, 16))
	assertEquals(t, withKey == wiped, false)
	fresh, _ := aes.NewCipher([]byte("0123456789abcdef"))
	var again [16]byte
	fresh.Encrypt(again[:], make([]byte, 16))
	assertEquals(t, again == withKey, true)
}
