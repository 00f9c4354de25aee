package bridge

import (
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"
	"mellium.im/xmpp/jid"

	"github.com/offrecord/offrecord/otr"
)

func TestOTRMessageContent(t *testing.T) {
	c := otrMessageContent("hi <b>there</b>\nsecond line")
	if c.MsgType != event.MsgText || c.Body != "🔑 hi <b>there</b>\nsecond line" {
		t.Errorf("body = %q (%s)", c.Body, c.MsgType)
	}
	if c.Format != event.FormatHTML || c.FormattedBody != "🔑 <strong>hi &lt;b&gt;there&lt;/b&gt;<br>second line</strong>" {
		t.Errorf("formatted body = %q", c.FormattedBody)
	}
	if e := otrMessageContent("/me waves"); e.MsgType != event.MsgEmote || e.Body != "🔑 waves" {
		t.Errorf("emote = %q (%s)", e.Body, e.MsgType)
	}
}

func TestLooksLikeOTR(t *testing.T) {
	for body, want := range map[string]bool{
		"?OTR:AAMD...":                 true,
		"?OTRv23?":                     true,
		"?OTR|5c2a|0|1,1,3,abc,":       true,
		"hello" + otrWhitespaceTagBase: true,
		"hello":                        false,
		escapeOTR("?OTRv23?"):          false,
	} {
		if got := looksLikeOTR(body); got != want {
			t.Errorf("looksLikeOTR(%q) = %v", body, got)
		}
	}
}

func TestStatusText(t *testing.T) {
	contact := jid.MustParse("bob@example.org")
	text := statusText(contact, otr.Status{State: otr.StateEncrypted, Version: 3, OwnFingerprint: "AAAA", PeerFingerprint: "BBBB"})
	for _, want := range []string{"bob@example.org: encrypted", "OTR v3", "Your fingerprint:\n`AAAA`", "Their fingerprint:\n`BBBB`", "Not verified"} {
		if !strings.Contains(text, want) {
			t.Errorf("status text lacks %q:\n%s", want, text)
		}
	}
	if text := statusText(contact, otr.Status{State: otr.StateEncrypted, Verified: true}); !strings.Contains(text, "Verified") {
		t.Errorf("verified status: %s", text)
	}
	if got := plural(3); got != "3 other people" {
		t.Errorf("plural(3) = %q", got)
	}
}
