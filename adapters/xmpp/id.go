package xmpp

import (
	"crypto/rand"
	"encoding/base32"
)

// randomID returns a 16-character random stanza id.
func randomID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return base32.StdEncoding.EncodeToString(b[:])
}

// NewID returns a fresh random stanza id, for a caller that must know a
// message's id before it is sent (to match a bounce that can come back
// before Send returns).
func NewID() string { return randomID() }
