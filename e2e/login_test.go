package e2e

import (
	"strings"
	"testing"

	"github.com/offrecord/offrecord/internal/dendritetest"
)

// TestLoginUnknownDomain: logging in with an address whose domain the
// bridge's XMPP server does not serve gives one sentence saying so (not
// "Host-unknown."), and no login is stored.
func TestLoginUnknownDomain(t *testing.T) {
	ctx := ctxFor(t)
	u := st.hs.NewUser(t, uniqueName("matrix"), dendritetest.UserOptions{AutoJoin: true})
	mgmt, err := u.CreateDM(ctx, st.bot, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.WaitJoined(ctx, mgmt, st.bot); err != nil {
		t.Fatal(err)
	}
	mu := &matrixUser{User: u, mgmt: mgmt, bot: st.bot}
	reply := mu.command(t, "login password alice@nosuch.example some-password")
	want := "Could not log in as alice@nosuch.example: the XMPP server at " + st.prosody.Addr() +
		" does not serve the domain nosuch.example; check the part of your address after the @."
	if !strings.Contains(reply, want) {
		t.Errorf("reply = %q, want it to contain %q", reply, want)
	}
	if reply := mu.command(t, "list-logins"); strings.Contains(reply, "nosuch.example") {
		t.Errorf("a failed login was stored: %q", reply)
	}
}
