package bridge

import (
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// TestAvatarPrecedence: once a contact has a PEP avatar, a XEP-0153
// presence hash that differs (clients often keep an old vCard) does not
// replace it but asks for one lookup per hash; once PEP says they have
// none, presence hashes count again.
func TestAvatarPrecedence(t *testing.T) {
	c := &Client{} // not connected: the sync goroutines stop at once
	bob := jid.MustParse("bob@localhost")
	pep, vcard := strings.Repeat("a", 40), strings.Repeat("b", 40)
	ref := func(id string, src xmppad.AvatarSource) xmppad.AvatarRef {
		return xmppad.AvatarRef{AvatarInfo: xmppad.AvatarInfo{ID: id}, Source: src}
	}
	for i, step := range []struct {
		in         xmppad.AvatarRef
		want       string
		wantLookup bool
	}{
		{ref(vcard, xmppad.AvatarVCard), vcard, false}, // only a vCard hash so far: taken
		{ref(pep, xmppad.AvatarPEP), pep, false},       // PEP replaces it
		{ref(pep, xmppad.AvatarVCard), pep, false},     // the same hash in presence: nothing to do
		{ref(vcard, xmppad.AvatarVCard), pep, true},    // a differing one asks for a lookup
		{ref(vcard, xmppad.AvatarVCard), pep, false},   // once per hash
		{ref("", xmppad.AvatarPEP), "", false},         // PEP disables the avatar
		{ref(vcard, xmppad.AvatarVCard), vcard, false}, // and presence hashes count again
	} {
		c.avatars.mu.Lock()
		c.avatars.state(bob).lookup = false
		c.avatars.mu.Unlock()
		c.HandleAvatar(bob, step.in)
		c.avatars.mu.Lock()
		s := *c.avatars.state(bob)
		c.avatars.mu.Unlock()
		if s.ref.ID != step.want || s.lookup != step.wantLookup {
			t.Fatalf("step %d: avatar %q lookup %v, want %q lookup %v", i, s.ref.ID, s.lookup, step.want, step.wantLookup)
		}
	}
}
