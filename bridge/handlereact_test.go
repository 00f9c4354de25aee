package bridge

import (
	"testing"

	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/networkid"
)

// TestXMPPTarget: only rows of bridged XMPP messages name a stanza to react
// to, reply to or retract; request and error notices do not.
func TestXMPPTarget(t *testing.T) {
	for id, want := range map[networkid.MessageID]string{
		"bob@example.org|abc123":         "bob@example.org abc123",
		"alice@example.org|x|y":          "alice@example.org x|y",
		otrInvitePrefix + "$evt":         "",
		subRequestPrefix + "$evt":        "",
		"bob@example.org|error-abc-1234": "",
		"not a jid|abc":                  "",
		"bob@example.org|":               "",
	} {
		sender, stanzaID, ok := xmppTarget(&database.Message{ID: id})
		got := ""
		if ok {
			got = sender.String() + " " + stanzaID
		}
		if got != want {
			t.Errorf("xmppTarget(%q) = %q, want %q", id, got, want)
		}
	}
	if _, _, ok := xmppTarget(nil); ok {
		t.Error("xmppTarget(nil) is a target")
	}
}
