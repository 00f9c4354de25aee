package otr3

// Tests of offrecord's patch: session keys cached per key id pair.

import (
	"bytes"
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
