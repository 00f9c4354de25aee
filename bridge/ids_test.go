package bridge

import (
	"testing"

	"maunium.net/go/mautrix/bridgev2/networkid"
)

func TestParseBareJID(t *testing.T) {
	for in, want := range map[string]string{
		"alice@example.org":            "alice@example.org",
		"  Alice@Example.ORG ":         "alice@example.org",
		"xmpp:bob@example.org":         "bob@example.org",
		"xmpp:bob@example.org?message": "bob@example.org",
	} {
		j, err := parseBareJID(in)
		if err != nil || j.String() != want {
			t.Errorf("parseBareJID(%q) = %q, %v; want %q", in, j, err, want)
		}
	}
	for _, bad := range []string{"", "example.org", "alice@example.org/phone", "@example.org", "a@b@c"} {
		if _, err := parseBareJID(bad); err == nil {
			t.Errorf("parseBareJID(%q) accepted", bad)
		}
	}
}

func TestMessageIDRoundTrip(t *testing.T) {
	j, _ := parseBareJID("alice@example.org")
	id := makeMessageID(j, "abc|def")
	sender, stanzaID := parseMessageID(id)
	if sender != "alice@example.org" || stanzaID != "abc|def" {
		t.Errorf("parseMessageID(%q) = %q, %q", id, sender, stanzaID)
	}
	key := makePortalKey("me@example.org", j)
	if key != (networkid.PortalKey{ID: "alice@example.org", Receiver: "me@example.org"}) {
		t.Errorf("portal key = %+v", key)
	}
}
