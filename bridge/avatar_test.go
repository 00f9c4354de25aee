package bridge

import (
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// TestAvatarPrecedence: once a contact announced a PEP avatar, their
// XEP-0153 presence hashes are ignored (clients often keep an old vCard),
// until PEP says they have none; the latest announcement is what counts.
func TestAvatarPrecedence(t *testing.T) {
	c := &Client{} // not connected: the sync goroutines stop at once
	bob := jid.MustParse("bob@localhost")
	pep, vcard := strings.Repeat("a", 40), strings.Repeat("b", 40)
	ref := func(id string, src xmppad.AvatarSource) xmppad.AvatarRef {
		return xmppad.AvatarRef{AvatarInfo: xmppad.AvatarInfo{ID: id}, Source: src}
	}
	current := func() xmppad.AvatarRef {
		c.avatars.mu.Lock()
		defer c.avatars.mu.Unlock()
		return c.avatars.state(bob).ref
	}
	for i, step := range []struct {
		in   xmppad.AvatarRef
		want string
	}{
		{ref(vcard, xmppad.AvatarVCard), vcard}, // only a vCard hash so far: taken
		{ref(pep, xmppad.AvatarPEP), pep},       // PEP replaces it
		{ref(vcard, xmppad.AvatarVCard), pep},   // a stale presence hash does not
		{ref("", xmppad.AvatarVCard), pep},      // nor an empty photo
		{ref("", xmppad.AvatarPEP), ""},         // PEP disables the avatar
		{ref(vcard, xmppad.AvatarVCard), vcard}, // and the vCard one counts again
	} {
		c.HandleAvatar(bob, step.in)
		if got := current(); got.ID != step.want {
			t.Fatalf("step %d: avatar %q, want %q", i, got.ID, step.want)
		}
	}
}
