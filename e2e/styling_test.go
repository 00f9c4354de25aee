package e2e

import (
	"context"
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
	"mellium.im/xmpp/styling"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// wj is U+2060 WORD JOINER, which the bridge puts before a typed character
// that an XEP-0393 client would read as styling.
const wj = "\u2060"

// sendHTML sends an m.text with an HTML formatted_body and returns its ID.
func (mu *matrixUser) sendHTML(t *testing.T, room id.RoomID, body, formatted string) id.EventID {
	t.Helper()
	resp, err := mu.SendMessageEvent(ctxFor(t), room, event.EventMessage, &event.MessageEventContent{
		MsgType: event.MsgText, Body: body, Format: event.FormatHTML, FormattedBody: formatted,
	})
	if err != nil {
		t.Fatalf("sending HTML: %v", err)
	}
	return resp.EventID
}

// styledSpans returns the text of each styled span or block of an XEP-0393
// text, as the buddy's client (mellium's decoder) reads it, and the plain rest.
func styledSpans(text string) (styled []string, plain string) {
	d := styling.NewDecoder(strings.NewReader(text))
	var b strings.Builder
	for d.Next() {
		tok := d.Token()
		st := d.Style()
		switch {
		case st&styling.Directive != 0:
		case st != 0:
			styled = append(styled, string(tok.Data))
		default:
			b.Write(tok.Data)
		}
	}
	return styled, b.String()
}

// TestStylingBothWays: an XMPP buddy's XEP-0393 styling shows as Matrix
// HTML (the body stays the text as written), and Matrix HTML reaches the
// buddy as XEP-0393 text, with characters the Matrix user typed kept as
// typed (a word joiner before those that would read as styling).
func TestStylingBothWays(t *testing.T) {
	alice := newMatrixUser(t, false)
	bob := newBuddy(t, "bob")
	ghost := ghostOf(bob.jid)

	// XMPP -> Matrix.
	styled := "*bold* _italic_ `code` ~gone~\n```\npre *not bold* <tag>\n```\n> quoted *b*\nafter"
	bob.send(t, alice.jid, xmppad.Outgoing{Body: styled})
	evt := alice.waitFrom(t, ghost, styled)
	portal := evt.RoomID
	content := evt.Content.AsMessage()
	want := "<strong>bold</strong> <em>italic</em> <code>code</code> <del>gone</del>" +
		"<pre><code>pre *not bold* &lt;tag&gt;\n</code></pre><blockquote>quoted <strong>b</strong></blockquote>after"
	if content.Format != event.FormatHTML || content.FormattedBody != want {
		t.Errorf("formatted_body %q (format %q)\nwant %q", content.FormattedBody, content.Format, want)
	}
	plain := "2 * 3 = 6, snake_case, a lone * and <b>not html</b>"
	bob.send(t, alice.jid, xmppad.Outgoing{Body: plain})
	if c := alice.waitFrom(t, ghost, plain).Content.AsMessage(); c.FormattedBody != "" || c.Format != "" {
		t.Errorf("a message without styling got formatted_body %q", c.FormattedBody)
	}

	// Matrix -> XMPP: HTML becomes styling; "*typed*" (Markdown-escaped by
	// the user, so literal in the HTML) and "> typed" stay literal.
	alice.sendHTML(t, portal, `**bold** _it_ \*typed\*`,
		"<p><strong>bold</strong> <em>it</em> <code>c_de</code> <del>st</del> *typed*</p>\n"+
			"<blockquote>\n<p>quote</p>\n</blockquote>\n<pre><code>x := `a`\n</code></pre>\n<p>&gt; typed</p>")
	got := bob.waitMessage(t, "*bold* _it_ `c_de` ~st~ "+wj+"*typed*\n\n> quote\n\n```\nx := `a`\n```\n\n"+wj+"> typed").Body
	spans, rest := styledSpans(got)
	if strings.Join(spans, "|") != "bold|it|c_de|st|quote\n|x := `a`\n" {
		t.Errorf("the buddy's client reads these styled: %q", spans)
	}
	if !strings.Contains(rest, wj+"*typed*") || !strings.Contains(rest, wj+"> typed") {
		t.Errorf("typed characters not left plain for the buddy: %q", rest)
	}

	// A plain Matrix message: what would read as styling is kept as typed;
	// what would not (2*3*4, snake_case) is not touched at all.
	if _, err := alice.SendText(ctxFor(t), portal, "_not italic_ but 2*3*4 and snake_case"); err != nil {
		t.Fatal(err)
	}
	got = bob.waitMessage(t, wj+"_not italic_ but 2*3*4 and snake_case").Body
	if spans, _ := styledSpans(got); len(spans) != 0 {
		t.Errorf("plain text read as styled by the buddy: %q", spans)
	}
}

// TestStylingBadInput: unterminated spans, deep quote nesting, malformed and
// deeply nested HTML all arrive as text, and what follows still arrives.
func TestStylingBadInput(t *testing.T) {
	alice := newMatrixUser(t, false)
	bob := newBuddy(t, "bob")
	ghost := ghostOf(bob.jid)

	for _, body := range []string{
		"*never closed _either `nor this",
		strings.Repeat(">", 200) + " deep quote",
		"```\nunterminated *code* block",
		"*" + strings.Repeat("a *", 3000) + "*",
	} {
		bob.send(t, alice.jid, xmppad.Outgoing{Body: body})
		c := alice.waitFrom(t, ghost, body).Content.AsMessage()
		if strings.Contains(c.FormattedBody, "never closed") || strings.Contains(c.FormattedBody, "deep quote") {
			t.Errorf("%q… got formatted_body %q…", body[:10], c.FormattedBody[:min(len(c.FormattedBody), 60)])
		}
	}
	portal := alice.waitFrom(t, ghost, "```\nunterminated *code* block").RoomID

	// Malformed HTML is repaired as browsers do; nesting deeper than the
	// bridge renders keeps its text; HTML the parser refuses (thousands of
	// open elements) leaves the plain body.
	alice.sendHTML(t, portal, "broken", "<b>unclosed <i>nest</b> then <<>> & <p <p>x")
	bob.waitMessage(t, "*unclosed _nest_* then <<>> &\n\nx")
	alice.sendHTML(t, portal, "deep", strings.Repeat("<blockquote><b>", 100)+"deep html")
	msg := waitFor(t, bob, func(m *xmppad.Message) bool { return strings.HasSuffix(m.Body, "> *deep html*") })
	if n := strings.Count(msg.Body, ">"); n > 40 {
		t.Errorf("deep HTML nesting came out %d quote levels deep", n)
	}
	alice.sendHTML(t, portal, "too deep for the parser", strings.Repeat("<blockquote><b>", 3000)+"lost markup")
	bob.waitMessage(t, "too deep for the parser")
	if _, err := alice.SendText(ctxFor(t), portal, "still here"); err != nil {
		t.Fatal(err)
	}
	bob.waitMessage(t, "still here")
}

// TestStylingInsideOTR: off the record, the buddy's styled plaintext shows
// as HTML inside the key marker, and Matrix HTML goes inside OTR as styled
// text (what the bridge always sends inside OTR: plain text); nothing of it
// is on the wire in the clear.
func TestStylingInsideOTR(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	c.start(t)
	_, w0 := c.bob.mark()

	c.bob.say(t, "*secret* _plan_")
	ctx, cancel := context.WithTimeout(context.Background(), otrWait)
	defer cancel()
	evt, err := alice.WaitEvent(ctx, c.portal, func(e *event.Event) bool {
		return e.Sender == c.ghost && e.Type == event.EventMessage && strings.Contains(e.Content.AsMessage().Body, "secret")
	})
	if err != nil {
		t.Fatalf("the buddy's styled OTR message did not arrive: %v", err)
	}
	if m := evt.Content.AsMessage(); m.Body != "🔑 *secret* _plan_" || m.FormattedBody != "🔑 <strong><strong>secret</strong> <em>plan</em></strong>" {
		t.Errorf("OTR message body %q formatted_body %q", m.Body, m.FormattedBody)
	}

	alice.sendHTML(t, c.portal, "**covert** op", "<strong>covert</strong> op *typed*")
	c.bob.waitEncrypted(t, "*covert* op "+wj+"*typed*")
	checkOTRWire(t, c.bob.wireSince(w0), "covert", "typed")
}
