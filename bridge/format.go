package bridge

import (
	"errors"
	"html"
	"io"
	"strings"

	"maunium.net/go/mautrix/event"
	"mellium.im/xmpp/styling"
)

// XEP-0393 message styling → Matrix HTML. The XMPP body is parsed with
// mellium's styling.Decoder (the XEP's reference implementation) and each
// styled span or block becomes its HTML element: *strong*, _em_, ~del~,
// `code`, ```pre``` blocks and > blockquotes. The directives themselves are
// left out of the HTML; the Matrix body stays the text as written, styling
// characters included, as Element does with Markdown. A body without any
// styling gets no formatted_body at all. The same conversion serves plain
// messages and OTR plaintext (otrMessageContent). Nothing here logs.

// maxFormatted bounds the formatted_body put beside a body: Matrix events are
// limited to 64 KiB, and escaping can make HTML several times longer than its
// text. Past it the message goes as plain text only.
const maxFormatted = 24 << 10

// maxStyledLine bounds the lines a styled text may have: mellium's decoder
// looks ahead to the end of the line for each possible span, which costs the
// square of a line's length on text made to look like many spans (1.7 s for
// a 30 KiB line here). A text with a longer line goes unformatted; it
// still arrives whole. Quotes nest at most maxNesting deep, for the same
// reason (the decoder nests one parser per level).
const maxStyledLine = 2 << 10

// errStyleMidLine stops a conversion when the decoder opened a code block
// after a span on the same line; the text then goes unformatted.
var errStyleMidLine = errors.New("bridge: styling block opened mid-line")

// styledHTML returns the Matrix HTML of an XEP-0393 styled text, and false
// when the text has no styling (or cannot be rendered within bounds): then
// it should go as a plain body.
func styledHTML(text string) (string, bool) {
	if !strings.ContainsAny(text, "*_~`>") || !styleBounded(text) {
		return "", false
	}
	r := htmlRenderer{lineStart: true}
	if err := r.render(text); err != nil || !r.styled || r.out.Len() > maxFormatted {
		return "", false
	}
	return r.out.String(), true
}

// styleBounded reports whether every line of text is at most maxStyledLine
// long and quoted at most maxNesting deep.
func styleBounded(text string) bool {
	for text != "" {
		line, rest, _ := strings.Cut(text, "\n")
		if len(line) > maxStyledLine {
			return false
		}
		depth := 0
		for _, c := range line {
			if c == '>' {
				depth++
			} else if !isStyleSpace(c) {
				break
			}
		}
		if depth > maxNesting {
			return false
		}
		text = rest
	}
	return true
}

// htmlRenderer turns the decoder's tokens into HTML.
type htmlRenderer struct {
	out       strings.Builder
	quote     int      // blockquotes open
	spans     []string // span tags open, innermost last
	pre       bool     // inside a code block
	lineStart bool     // the next token starts a line
	brPending bool     // a line ended; <br> unless a block starts or ends
	styled    bool     // some styling was found
}

func (r *htmlRenderer) render(text string) (err error) {
	defer func() {
		// mellium's decoder is not expected to panic, but a message must
		// never take the bridge down: such a text goes unformatted.
		if recover() != nil {
			err = errors.New("bridge: styling decoder failed")
		}
	}()
	d := styling.NewDecoder(strings.NewReader(text))
	for d.Next() {
		tok := d.Token()
		if err := r.token(string(tok.Data), string(tok.Info), d.Style(), d.Quote()); err != nil {
			return err
		}
	}
	if err := d.Err(); err != nil && err != io.EOF {
		return err
	}
	r.closeSpans()
	if r.pre {
		r.out.WriteString("</code></pre>")
	}
	r.setQuote(0)
	return nil
}

// spanTags maps a span's start and end directive bits to its HTML element.
var spanTags = []struct {
	start, end styling.Style
	tag        string
}{
	{styling.SpanStrongStart, styling.SpanStrongEnd, "strong"},
	{styling.SpanEmphStart, styling.SpanEmphEnd, "em"},
	{styling.SpanStrikeStart, styling.SpanStrikeEnd, "del"},
	{styling.SpanPreStart, styling.SpanPreEnd, "code"},
}

func (r *htmlRenderer) token(data, info string, st styling.Style, quote uint) error {
	switch {
	case st&styling.BlockQuoteEnd != 0 && data == "":
		return nil // the decoder's marker for a quote that ended; depth follows from the next line
	case st&styling.BlockQuoteStart != 0:
		if !r.lineStart {
			r.text(data) // the decoder sees a quote after a span mid-line; XEP-0393 quotes start lines
			return nil
		}
		r.setQuote(int(quote))
		r.styled = true
		return nil
	case st&styling.BlockPreStart != 0:
		if !r.lineStart {
			return errStyleMidLine
		}
		r.startLine(int(quote))
		r.brPending = false
		r.out.WriteString("<pre><code")
		if lang := strings.TrimSpace(info); lang != "" {
			r.out.WriteString(` class="language-` + html.EscapeString(lang) + `"`)
		}
		r.out.WriteString(">")
		r.pre, r.styled, r.lineStart = true, true, true
		return nil
	case st&styling.BlockPreEnd != 0:
		r.out.WriteString("</code></pre>")
		r.pre, r.lineStart, r.brPending = false, true, false
		return nil
	case r.pre:
		r.out.WriteString(html.EscapeString(data))
		return nil
	}
	for _, s := range spanTags {
		switch {
		case st&s.start != 0:
			r.startLine(int(quote))
			r.flushBreak()
			r.out.WriteString("<" + s.tag + ">")
			r.spans = append(r.spans, s.tag)
			r.styled = true
			return nil
		case st&s.end != 0:
			if n := len(r.spans); n > 0 && r.spans[n-1] == s.tag {
				r.out.WriteString("</" + s.tag + ">")
				r.spans = r.spans[:n-1]
				return nil
			}
			r.text(data) // an end without its start: keep the character
			return nil
		}
	}
	if r.lineStart {
		r.startLine(int(quote))
	}
	r.text(data)
	return nil
}

// startLine sets the quote depth for a line's first token.
func (r *htmlRenderer) startLine(quote int) {
	if r.lineStart {
		r.setQuote(quote)
		r.lineStart = false
	}
}

// setQuote opens or closes blockquotes to reach depth; a depth change ends
// the previous line by itself.
func (r *htmlRenderer) setQuote(depth int) {
	if depth == r.quote {
		return
	}
	r.closeSpans()
	r.brPending = false
	for ; r.quote < depth; r.quote++ {
		r.out.WriteString("<blockquote>")
	}
	for ; r.quote > depth; r.quote-- {
		r.out.WriteString("</blockquote>")
	}
}

// text writes plain text, its line ends as pending breaks.
func (r *htmlRenderer) text(data string) {
	for data != "" {
		line, rest, nl := strings.Cut(data, "\n")
		if line != "" {
			if r.lineStart {
				r.lineStart = false
			}
			r.flushBreak()
			r.out.WriteString(html.EscapeString(line))
		}
		if nl {
			r.closeSpans()
			r.flushBreak()
			r.brPending, r.lineStart = true, true
		}
		data = rest
	}
}

func (r *htmlRenderer) flushBreak() {
	if r.brPending {
		r.out.WriteString("<br>")
		r.brPending = false
	}
}

// closeSpans closes the spans still open (a line ended).
func (r *htmlRenderer) closeSpans() {
	for i := len(r.spans) - 1; i >= 0; i-- {
		r.out.WriteString("</" + r.spans[i] + ">")
	}
	r.spans = r.spans[:0]
}

// styledContent is the Matrix content of an XMPP text: "/me " makes an
// emote, and XEP-0393 styling a formatted_body, unless the sender asked for
// none (<unstyled/>).
func styledContent(body string, unstyled bool) *event.MessageEventContent {
	msgType, text := matrixText(body)
	content := styledText(text, unstyled)
	content.MsgType = msgType
	return content
}

// styledText is styledContent for a piece of text that is no emote (the
// second and later parts of a long message).
func styledText(text string, unstyled bool) *event.MessageEventContent {
	content := &event.MessageEventContent{MsgType: event.MsgText, Body: text}
	if unstyled {
		return content
	}
	if formatted, ok := styledHTML(text); ok {
		content.Format, content.FormattedBody = event.FormatHTML, formatted
	}
	return content
}

// textHTML is the HTML of a text for a formatted_body that must always be
// there (OTR messages, marked with the key): its styling, or the text
// escaped with its line breaks; "" when that would not fit in an event.
func textHTML(text string) string {
	if formatted, ok := styledHTML(text); ok {
		return formatted
	}
	formatted := strings.ReplaceAll(html.EscapeString(text), "\n", "<br>")
	if len(formatted) > maxFormatted {
		return ""
	}
	return formatted
}
