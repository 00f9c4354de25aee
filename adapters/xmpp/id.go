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
