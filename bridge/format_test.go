package bridge

import (
	"strings"
	"testing"
	"unicode/utf8"

	"maunium.net/go/mautrix/event"
	"mellium.im/xmpp/styling"
)

// TestStyledHTML: XEP-0393 text becomes Matrix HTML; text without styling
// gets none, and HTML-like text is escaped.
func TestStyledHTML(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"*bold* _it_ `code` ~st~", "<strong>bold</strong> <em>it</em> <code>code</code> <del>st</del>"},
		{"```go\npre *x* <b>\n```\nafter", `<pre><code class="language-go">pre *x* &lt;b&gt;` + "\n</code></pre>after"},
		{"> quote *b*\n>> deep\nafter", "<blockquote>quote <strong>b</strong><blockquote>deep</blockquote></blockquote>after"},
		{"> q1\n> q2\nx", "<blockquote>q1<br>q2</blockquote>x"},
		{"line1\n*b*\n\nline3", "line1<br><strong>b</strong><br><br>line3"},
		{"<b>html</b> & *x*", "&lt;b&gt;html&lt;/b&gt; &amp; <strong>x</strong>"},
		{"*_x_*", "<strong><em>x</em></strong>"},
		{"```\nnever closed", "<pre><code>never closed</code></pre>"},
		{"*a*>b", "<strong>a</strong>&gt;b"}, // mellium reads a quote mid-line; XEP-0393 quotes start lines
		{"`*not bold*`", "<code>*not bold*</code>"},
	} {
		got, ok := styledHTML(tc.in)
		if !ok || got != tc.want {
			t.Errorf("styledHTML(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	for _, in := range []string{"plain", "a*b*c *unterminated", "2 * 3 = 6", "snake_case_name", "**", "*a*```x",
		strings.Repeat(">", maxNesting+1) + " deep", "*x* " + strings.Repeat("y", maxStyledLine)} {
		if got, ok := styledHTML(in); ok {
			t.Errorf("styledHTML(%q) = %q, want no formatting", in, got)
		}
	}
}

// TestStyledContent: emotes keep their type, <unstyled/> turns styling off,
// and OTR plaintext is styled inside its key marker.
func TestStyledContent(t *testing.T) {
	c := styledContent("/me waves *hard*", false)
	if c.MsgType != event.MsgEmote || c.Body != "waves *hard*" || c.FormattedBody != "waves <strong>hard</strong>" {
		t.Errorf("emote content %+v", c)
	}
	if c := styledContent("*x*", true); c.Format != "" || c.FormattedBody != "" || c.Body != "*x*" {
		t.Errorf("unstyled content %+v", c)
	}
	if c := otrMessageContent("*secret* plan"); c.Body != "🔑 *secret* plan" || c.FormattedBody != "🔑 <strong><strong>secret</strong> plan</strong>" {
		t.Errorf("OTR content %+v", c)
	}
	if c := otrMessageContent(strings.Repeat("<", maxFormatted)); c.FormattedBody != "" || c.Format != "" {
		t.Errorf("an OTR formatted_body past the event size was kept (%d bytes)", len(c.FormattedBody))
	}
}

// TestHTMLToStyled: Matrix HTML becomes XEP-0393 text, and typed characters
// that would read as styling get a word joiner.
func TestHTMLToStyled(t *testing.T) {
	const wj = wordJoiner
	for _, tc := range []struct{ in, want string }{
		{"<strong>bold</strong> <em>it</em> <code>c*de</code> <del>st</del>", "*bold* _it_ `c*de` ~st~"},
		{`<pre><code class="language-go">x := 1` + "\n```\n</code></pre>", "```go\nx := 1\n" + wj + "```\n```"},
		{"<blockquote>\n<p>quoted</p>\n</blockquote>\n<p>reply</p>", "> quoted\n\nreply"},
		{"<blockquote><p>a</p><blockquote>b</blockquote></blockquote>after", "> a\n>\n>> b\n\nafter"},
		{"<p>*not bold* and 2*3*4 and snake_case and a * b</p>", wj + "*not bold* and 2*3*4 and snake_case and a * b"},
		{"<p>&gt; not a quote, `nor` this</p>", wj + "> not a quote, " + wj + "`nor` this"},
		{"<strong> spaced </strong>x", "*spaced* x"},
		{"<b>2*3</b> <code>a`b</code>", "2*3 a`b"}, // no XEP-0393 form: the text wins
		{"<ul><li>one</li><li>two <b>b</b></li></ul>", "• one\n• two *b*"},
		{`<ol start="3"><li>a</li><li><p>b</p></li></ol>`, "3. a\n4. b"},
		{`<a href="https://example.com">site</a> <a href="https://example.com">https://example.com</a> <a href="https://matrix.to/#/@bob:x">Bob</a>`,
			"site (https://example.com) https://example.com Bob"},
		{"<mx-reply><blockquote>old</blockquote></mx-reply>new", "new"},
		{"a<br>b<br><br>c", "a\nb\n\nc"},
		{"<h1>Title</h1><p>x</p>", "*Title*\n\nx"},
		{"<em><strong>x</strong></em>", "_*x*_"},
		{"<b>unclosed <i>nest</b> text", "*unclosed _nest_* _text_"}, // HTML's own repair of bad nesting
	} {
		if got, ok := htmlToStyled(tc.in); !ok || got != tc.want {
			t.Errorf("htmlToStyled(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
	if got := plainToStyled("*x* and > y\n> z\n  kept  *a* b*"); got != wj+"*x* and > y\n"+wj+"> z\n  kept  "+wj+"*a* b*" {
		t.Errorf("plainToStyled = %q", got)
	}
	c := &event.MessageEventContent{MsgType: event.MsgEmote, Body: "dances", Format: event.FormatHTML, FormattedBody: "<em>dances</em>"}
	if got := matrixStyledBody(c); got != "/me _dances_" {
		t.Errorf("emote body %q", got)
	}
}

// TestHTMLToStyledBounded: deep nesting and huge input keep their text and
// never recurse without bound.
func TestHTMLToStyledBounded(t *testing.T) {
	for _, in := range []string{
		strings.Repeat("<b>", 400) + "deep text",
		strings.Repeat("<blockquote>", 500) + "deep text",
		strings.Repeat("<ul><li>", 200) + "deep text",
		strings.Repeat("<i>x</i> < ", 5000) + "deep text",
	} {
		got, ok := htmlToStyled(in)
		if !ok || !strings.Contains(strings.ReplaceAll(got, wordJoiner, ""), "deep text") {
			t.Errorf("the text of %q… was lost: %q…", in[:20], got[:min(len(got), 80)])
		}
		if n := strings.Count(got, ">"); n > maxNesting+10 {
			t.Errorf("%q… nested %d quotes deep", in[:20], n)
		}
	}
	// Past the HTML parser's own limit, the message goes as its plain body.
	c := &event.MessageEventContent{MsgType: event.MsgText, Body: "the *plain* body", Format: event.FormatHTML,
		FormattedBody: strings.Repeat("<blockquote>", 5000) + "deep"}
	if got := matrixStyledBody(c); got != "the "+wordJoiner+"*plain* body" {
		t.Errorf("unparsable HTML sent as %q…", got[:min(len(got), 80)])
	}
}

// plainIsInert checks that mellium's decoder finds no styling in the
// escaped form of a plain text, and that the text is unchanged but for word
// joiners.
func plainIsInert(t *testing.T, text string) {
	t.Helper()
	out := plainToStyled(text)
	if strings.ReplaceAll(out, wordJoiner, "") != strings.ReplaceAll(text, wordJoiner, "") {
		t.Fatalf("plainToStyled(%q) = %q changed the text", text, out)
	}
	d := styling.NewDecoder(strings.NewReader(out))
	for d.Next() {
		tok := d.Token()
		if st := d.Style(); st != 0 {
			t.Fatalf("plainToStyled(%q) = %q: %q is styled (%b)", text, out, tok.Data, st)
		}
	}
}

func TestPlainToStyledInert(t *testing.T) {
	for _, s := range []string{"*a*", "_a_ ~b~ `c`", "**x**", "> q", "```\nx\n```", "a *b* c", "*a _b* c_", "x\n>y", "* *a*", "`a`b`"} {
		plainIsInert(t, s)
	}
}

// FuzzPlainToStyled: whatever a Matrix user types without HTML reaches the
// buddy's XEP-0393 client as typed (no styling), and nothing panics.
func FuzzPlainToStyled(f *testing.F) {
	for _, s := range []string{"*a*", "> q\n```\nx", "_a *b_ c*", "~`~`", "a\u00a0*b*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || len(s) > maxStyledLine {
			return // Matrix text is JSON, always valid UTF-8
		}
		plainIsInert(t, s)
	})
}

// FuzzFormat: any HTML and any XMPP text convert without panicking and
// within bounds.
func FuzzFormat(f *testing.F) {
	for _, s := range []string{"<b>x</b>", "<pre><code>```</code></pre>", "*a* _b_\n> c\n```\nd", strings.Repeat("<i>", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if out, _ := htmlToStyled(s); len(out) > 8*len(s)+64 {
			t.Fatalf("htmlToStyled grew %d bytes to %d", len(s), len(out))
		}
		if out, ok := styledHTML(s); ok && len(out) > maxFormatted {
			t.Fatalf("styledHTML gave %d bytes", len(out))
		}
	})
}

// TestHTMLToStyledDeepQuotes: past maxNesting, nested quotes keep their
// text on one quote level, still styled where it fits on one line.
func TestHTMLToStyledDeepQuotes(t *testing.T) {
	got, ok := htmlToStyled(strings.Repeat("<blockquote><b>", 100) + "deep html")
	if !ok || !strings.HasSuffix(got, "> *deep html*") || strings.Count(got, ">") > maxNesting/2 {
		t.Errorf("deep quotes = %q", got)
	}
}
