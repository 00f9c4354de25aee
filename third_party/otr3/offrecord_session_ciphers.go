package otr3

// offrecord patch: the AES block ciphers and HMAC states of a cached session
// key pair are made once, on first use, and kept with the keys (as libotr
// keeps its gcry cipher and MAC handles in sesskeys), instead of being
// created for every message. They are wiped and dropped with the keys.

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha1"
	"hash"
	"runtime"
)

// sessionCiphers holds what is derived from one sessionKeys for the
// message path. All four fields are nil until first used.
type sessionCiphers struct {
	sendingBlock, receivingBlock cipher.Block
	sendingMAC, receivingMAC     hash.Hash

	// Scratch space for one message at a time (nothing secret): the CTR
	// IV and the MAC computed for a received message.
	iv  [aes.BlockSize]byte
	sum [sha1.Size]byte
}

// sendingCipher returns the AES block cipher of the sending AES key.
func (s sessionKeys) sendingCipher() (cipher.Block, error) {
	if s.ciphers == nil {
		return aes.NewCipher(s.sendingAESKey)
	}
	if s.ciphers.sendingBlock == nil {
		b, err := aes.NewCipher(s.sendingAESKey)
		if err != nil {
			return nil, err
		}
		s.ciphers.sendingBlock = b
	}
	return s.ciphers.sendingBlock, nil
}

// receivingCipher returns the AES block cipher of the receiving AES key.
func (s sessionKeys) receivingCipher() (cipher.Block, error) {
	if s.ciphers == nil {
		return aes.NewCipher(s.receivingAESKey)
	}
	if s.ciphers.receivingBlock == nil {
		b, err := aes.NewCipher(s.receivingAESKey)
		if err != nil {
			return nil, err
		}
		s.ciphers.receivingBlock = b
	}
	return s.ciphers.receivingBlock, nil
}

// sendingHMAC returns an HMAC of the sending MAC key, reset.
func (s sessionKeys) sendingHMAC(v otrVersion) hash.Hash {
	if s.ciphers == nil {
		return hmac.New(v.hashInstance, s.sendingMACKey)
	}
	if s.ciphers.sendingMAC == nil {
		s.ciphers.sendingMAC = hmac.New(v.hashInstance, s.sendingMACKey)
	} else {
		s.ciphers.sendingMAC.Reset()
	}
	return s.ciphers.sendingMAC
}

// receivingHMAC returns an HMAC of the receiving MAC key, reset.
func (s sessionKeys) receivingHMAC(v otrVersion) hash.Hash {
	if s.ciphers == nil {
		return hmac.New(v.hashInstance, s.receivingMACKey)
	}
	if s.ciphers.receivingMAC == nil {
		s.ciphers.receivingMAC = hmac.New(v.hashInstance, s.receivingMACKey)
	} else {
		s.ciphers.receivingMAC.Reset()
	}
	return s.ciphers.receivingMAC
}

// wipe overwrites the AES key schedules (as counterEncipher does after each
// use) and drops the ciphers and HMAC states.
func (sc *sessionCiphers) wipe() {
	if sc == nil {
		return
	}
	for _, b := range []cipher.Block{sc.sendingBlock, sc.receivingBlock} {
		if b != nil {
			unsafeWipe(b)
			runtime.KeepAlive(b)
		}
	}
	if sc.sendingMAC != nil {
		sc.sendingMAC.Reset()
	}
	if sc.receivingMAC != nil {
		sc.receivingMAC.Reset()
	}
	*sc = sessionCiphers{}
}
