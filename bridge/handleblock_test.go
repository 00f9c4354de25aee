package bridge

import (
	"errors"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// TestBlockState: the push of our own change is recognised once; another
// state, or a second push, is announced.
func TestBlockState(t *testing.T) {
	var b blockState
	bob := jid.MustParse("bob@example.org")
	b.expect(bob, true)
	if b.ours(bob, false) {
		t.Error("an unblock taken for our block")
	}
	if !b.ours(bob, true) {
		t.Error("our block's push not recognised")
	}
	if b.ours(bob, true) {
		t.Error("a second block push taken for ours")
	}
	b.expect(bob, false)
	b.forget(bob)
	if b.ours(bob, false) {
		t.Error("a forgotten (failed) change still taken for ours")
	}
}

// TestBlockedContact: only bare JIDs with a local part have portals.
func TestBlockedContact(t *testing.T) {
	for in, want := range map[string]bool{"bob@example.org": true, "bob@example.org/phone": false, "example.org": false, "example.org/x": false} {
		if _, ok := blockedContact(jid.MustParse(in)); ok != want {
			t.Errorf("blockedContact(%s) = %v, want %v", in, ok, want)
		}
	}
}

// TestBlockUserError: a server without XEP-0191 is named as such.
func TestBlockUserError(t *testing.T) {
	if got := blockUserError(stanza.Error{Condition: stanza.ServiceUnavailable}, true); !strings.Contains(got, "does not offer blocking") {
		t.Errorf("service-unavailable: %q", got)
	}
	if got := blockUserError(stanza.Error{Condition: stanza.NotAllowed}, false); !strings.Contains(got, "not unblocked (not-allowed)") {
		t.Errorf("not-allowed: %q", got)
	}
	if got := blockUserError(errors.New("xmpp: not connected to the server"), true); !strings.Contains(got, "not blocked") {
		t.Errorf("other error: %q", got)
	}
}
