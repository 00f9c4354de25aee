package bridge

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// Matrix → XEP-0393 message styling. A Matrix message with an HTML
// formatted_body is rendered to text with styling directives: <strong>/<b>
// and headings as *…*, <em>/<i> as _…_, <del>/<s> as ~…~, <code> as `…`,
// <pre> as a ``` block and <blockquote> as "> " lines; lists get bullets,
// links their address, mentions the name shown. A message without HTML is
// its body. Either way the text the user typed arrives as typed:
//
// XEP-0393 has no escape character, so a typed character that the buddy's
// client would read as styling (the "*" of "*not bold*" typed with
// Markdown escapes, a typed "> " at the start of a line, a typed ```) gets
// an invisible U+2060 WORD JOINER just before it — the same character
// escapeOTR uses. A span may only open at the start of a line or after a
// space (or another directive), and a joiner is neither, so the span rule no
// longer matches; the buddy sees the characters and nothing else. Only
// characters where the rule would match get one: "2*3*4", "snake_case",
// "a * b" and a lone "*" stay exactly as typed. <unstyled/> (XEP-0393 §6)
// was not used for this: it would have to travel next to the text, which an
// OTR message cannot do without showing something about its content, and it
// would also switch off the styling the user did want.
//
// Some HTML has no faithful XEP-0393 form, and then the text wins over the
// style: a span whose text contains its own directive character (bold
// "2*3") or a line break, and inline code containing a backtick, go
// unstyled with their text escaped. Nesting deeper than maxNesting elements
// keeps only its text; HTML the parser refuses (more than 512 open
// elements) leaves the message to its plain body. The walk is bounded by the
// event size (64 KiB) and never recursive past maxNesting.

// maxNesting is how many nested HTML elements get their own styling; what is
// deeper keeps only its text.
const maxNesting = 32

// matrixStyledBody is the XMPP body of a Matrix text message: its HTML as
// XEP-0393 styled text, or its plain body, escaped as described above, with
// "/me " for an emote.
func matrixStyledBody(content *event.MessageEventContent) string {
	text, ok := "", false
	if content.Format == event.FormatHTML && content.FormattedBody != "" {
		text, ok = htmlToStyled(content.FormattedBody)
	}
	if !ok {
		text = plainToStyled(content.Body)
	}
	return xmppBody(content.MsgType, text)
}

// plainToStyled escapes a plain text so that no XEP-0393 styling is read
// into it.
func plainToStyled(text string) string {
	if !strings.ContainsAny(text, "*_~`>") {
		return text
	}
	var w styledWriter
	for _, line := range strings.Split(text, "\n") {
		w.lines = append(w.lines, styledLine{runs: []styledRun{{line, true}}})
	}
	return w.String()
}

// htmlToStyled renders Matrix HTML as XEP-0393 styled text; false when the
// HTML parser gives up (it refuses more than 512 open elements), and then
// the message goes as its plain body.
func htmlToStyled(h string) (string, bool) {
	root, err := html.Parse(strings.NewReader(h))
	if err != nil {
		return "", false
	}
	var w styledWriter
	w.children(root, 0)
	return strings.TrimRight(w.String(), "\n"), true
}

// A styled text is built as lines of runs, each run either literal (typed
// by the user: escaped when written out) or markup (our directives, bullets,
// and text inside code, where XEP-0393 reads no styling).
type styledRun struct {
	s   string
	lit bool
}

type styledLine struct {
	quote int  // blockquote depth
	blank bool // a blank line goes before this one
	pre   bool // a line inside a ``` block
	runs  []styledRun
}

// styledWriter walks the HTML tree and collects lines.
type styledWriter struct {
	lines    []styledLine
	open     bool // the last line takes more inline text
	quote    int  // depth of the blockquotes we are in
	pre      int  // inside <pre> (whitespace kept)
	list     int  // list nesting, for indentation
	blankReq bool // the next line starts a block: a blank line before it
}

// line returns the line inline text goes to, starting one when needed.
func (w *styledWriter) line() *styledLine {
	if !w.open {
		blank := w.blankReq && len(w.lines) > 0
		w.lines = append(w.lines, styledLine{quote: w.quote, blank: blank, pre: w.pre > 0})
		w.open, w.blankReq = true, false
	}
	return &w.lines[len(w.lines)-1]
}

// add appends text to the current line (starting one if needed). Literal
// HTML text drops its leading spaces at the start of a line or after a space,
// as HTML collapses them.
func (w *styledWriter) add(s string, lit bool) {
	if s == "" {
		return
	}
	if lit && w.pre == 0 && (!w.open || endsInSpace(&w.lines[len(w.lines)-1])) {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			return
		}
	}
	l := w.line()
	l.runs = append(l.runs, styledRun{s, lit})
}

// endsInSpace reports whether a line is empty or its text ends in a space.
func endsInSpace(l *styledLine) bool {
	for i := len(l.runs) - 1; i >= 0; i-- {
		if s := l.runs[i].s; s != "" {
			return s[len(s)-1] == ' '
		}
	}
	return true
}

func lineEmpty(l *styledLine) bool {
	for _, r := range l.runs {
		if r.s != "" {
			return false
		}
	}
	return true
}

// onlyMarkup reports whether a line holds no literal text (a list bullet).
func onlyMarkup(l *styledLine) bool {
	for _, r := range l.runs {
		if r.lit && r.s != "" {
			return false
		}
	}
	return true
}

// newline ends the current line; an empty one is kept (a <br>).
func (w *styledWriter) newline() {
	if !w.open {
		w.line()
	}
	w.trimLine()
	w.open = false
}

// block ends the current line and asks for a blank line before the next.
// In a list item it only ends a line, and not the item's bullet line.
func (w *styledWriter) block() {
	if w.list > 0 {
		if w.open && !onlyMarkup(&w.lines[len(w.lines)-1]) {
			w.newline()
		}
		return
	}
	if w.open {
		w.trimLine()
		w.open = false
	}
	if len(w.lines) > 0 {
		w.blankReq = true
	}
}

// trimLine drops trailing spaces of the current line's literal text.
func (w *styledWriter) trimLine() {
	if w.pre > 0 || len(w.lines) == 0 {
		return
	}
	l := &w.lines[len(w.lines)-1]
	for i := len(l.runs) - 1; i >= 0; i-- {
		if !l.runs[i].lit {
			return
		}
		l.runs[i].s = strings.TrimRight(l.runs[i].s, " ")
		if l.runs[i].s != "" {
			return
		}
	}
}

// children renders the children of n at nesting depth.
func (w *styledWriter) children(n *html.Node, depth int) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c, depth)
	}
}

// text renders a text node.
func (w *styledWriter) text(s string) {
	if w.pre > 0 {
		for i, part := range strings.Split(s, "\n") {
			if i > 0 {
				w.newline()
			}
			w.add(part, true)
		}
		return
	}
	w.add(collapseSpace(s), true)
}

// collapseSpace turns runs of HTML whitespace into one space.
func collapseSpace(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}

// node renders one node and what is under it.
func (w *styledWriter) node(n *html.Node, depth int) {
	switch n.Type {
	case html.TextNode:
		w.text(n.Data)
		return
	case html.ElementNode:
	case html.DocumentNode:
		w.children(n, depth)
		return
	default:
		return
	}
	if depth >= maxNesting {
		w.flatText(n)
		return
	}
	depth++
	switch n.DataAtom {
	case atom.Head, atom.Script, atom.Style, atom.Template:
		return
	case atom.Br:
		w.newline()
	case atom.Hr:
		w.block()
		w.add("———", false)
		w.block()
	case atom.P, atom.Div, atom.Table, atom.Section, atom.Article, atom.Details, atom.Summary, atom.Dl:
		w.block()
		w.children(n, depth)
		w.block()
	case atom.Tr, atom.Dt, atom.Dd:
		w.newline()
		w.children(n, depth)
		w.newline()
	case atom.Td, atom.Th:
		w.children(n, depth)
		w.add(" ", true)
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		w.block()
		w.span(n, depth, '*')
		w.block()
	case atom.Blockquote:
		w.block()
		w.quote++
		w.children(n, depth)
		w.block()
		w.quote--
	case atom.Pre:
		w.preBlock(n, depth)
	case atom.Ul, atom.Ol:
		w.listBlock(n, depth)
	case atom.Strong, atom.B:
		w.span(n, depth, '*')
	case atom.Em, atom.I:
		w.span(n, depth, '_')
	case atom.Del, atom.S, atom.Strike:
		w.span(n, depth, '~')
	case atom.Code, atom.Tt, atom.Kbd, atom.Samp:
		w.span(n, depth, '`')
	case atom.A:
		w.link(n, depth)
	case atom.Img:
		w.add(attrOf(n, "alt"), true)
	default:
		switch {
		case n.Data == "mx-reply":
			return // a reply's fallback quote; the reply itself goes as XEP-0461
		case n.DataAtom == atom.Span && hasAttr(n, "data-mx-spoiler"):
			w.add("||", false)
			w.children(n, depth)
			w.add("||", false)
		default:
			w.children(n, depth)
		}
	}
}

// flatText adds all text under n as literal text, without recursion.
func (w *styledWriter) flatText(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		if c.Type == html.TextNode {
			w.text(c.Data)
		}
		switch {
		case c.FirstChild != nil:
			c = c.FirstChild
			continue
		case c.NextSibling != nil:
			c = c.NextSibling
			continue
		}
		for c != nil && c != n && c.NextSibling == nil {
			c = c.Parent
		}
		if c == nil || c == n {
			return
		}
		c = c.NextSibling
	}
}

// span renders n's children and wraps them in directive c when XEP-0393 can
// say it: all on one line, not empty, without c inside.
func (w *styledWriter) span(n *html.Node, depth int, c byte) {
	var li, ri int
	if w.open {
		li, ri = len(w.lines)-1, len(w.lines[len(w.lines)-1].runs)
	} else {
		li, ri = len(w.lines), 0
	}
	w.children(n, depth)
	if !w.open || len(w.lines)-1 != li {
		return // nothing, or more than one line: no span
	}
	l := &w.lines[li]
	inner := l.runs[ri:]
	dir := string(c)
	for _, r := range inner {
		if strings.Contains(r.s, dir) {
			return
		}
	}
	// Spaces go outside the directives, which must touch the text.
	var lead, trail string
	for len(inner) > 0 && inner[0].lit {
		t := strings.TrimLeft(inner[0].s, " ")
		lead += inner[0].s[:len(inner[0].s)-len(t)]
		if inner[0].s = t; t != "" {
			break
		}
		inner = inner[1:]
	}
	for len(inner) > 0 && inner[len(inner)-1].lit {
		last := &inner[len(inner)-1]
		t := strings.TrimRight(last.s, " ")
		trail = last.s[len(t):] + trail
		if last.s = t; t != "" {
			break
		}
		inner = inner[:len(inner)-1]
	}
	if len(inner) == 0 {
		l.runs = append(l.runs[:ri], styledRun{lead + trail, true})
		return
	}
	if c == '`' {
		for i := range inner {
			inner[i].lit = false // XEP-0393 reads nothing inside `code`
		}
	}
	out := make([]styledRun, 0, len(inner)+4)
	out = append(out, styledRun{lead, true}, styledRun{dir, false})
	out = append(out, inner...)
	out = append(out, styledRun{dir, false}, styledRun{trail, true})
	l.runs = append(l.runs[:ri], out...)
}

// preBlock renders a <pre> (usually <pre><code class="language-x">) as a
// ``` block; its text is kept as it is.
func (w *styledWriter) preBlock(n *html.Node, depth int) {
	body := n
	var lang string
	if c := n.FirstChild; c != nil && c.DataAtom == atom.Code && c.NextSibling == nil {
		body = c
		for _, cls := range strings.Fields(attrOf(c, "class")) {
			if l, ok := strings.CutPrefix(cls, "language-"); ok {
				lang = l
			}
		}
	}
	w.block()
	w.add("```"+stripDirectives(lang), false)
	w.newline()
	first := len(w.lines)
	w.pre++
	w.children(body, depth)
	w.pre--
	// The text usually ends with a newline, which the closing fence replaces.
	if w.open && lineEmpty(&w.lines[len(w.lines)-1]) && len(w.lines) > first {
		w.lines = w.lines[:len(w.lines)-1]
		w.open = false
	}
	if w.open {
		w.newline()
	}
	for i := first; i < len(w.lines); i++ {
		w.lines[i].pre = true
	}
	w.add("```", false)
	w.block()
}

// stripDirectives keeps a code block's language word harmless.
func stripDirectives(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '`' {
			return -1
		}
		return r
	}, s)
}

// listBlock renders <ul>/<ol> items with bullets or numbers, nested lists
// indented.
func (w *styledWriter) listBlock(n *html.Node, depth int) {
	if w.list == 0 {
		w.block()
	} else if w.open {
		w.newline()
	}
	w.list++
	num := 1
	if n.DataAtom == atom.Ol {
		if s := attrOf(n, "start"); s != "" {
			if v, err := strconv.Atoi(s); err == nil && v >= 0 && v < 1e6 {
				num = v
			}
		}
	}
	indent := strings.Repeat("  ", w.list-1)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || c.DataAtom != atom.Li {
			continue
		}
		if w.open {
			w.newline()
		}
		bullet := "• "
		if n.DataAtom == atom.Ol {
			bullet = strconv.Itoa(num) + ". "
			num++
		}
		w.add(indent+bullet, false)
		w.children(c, depth+1)
	}
	w.list--
	if w.open {
		w.newline()
	}
	if w.list == 0 {
		w.block()
	}
}

// link renders a link as its text, followed by its address when that says
// more; a mention (matrix.to link to a user) as the name shown.
func (w *styledWriter) link(n *html.Node, depth int) {
	href := attrOf(n, "href")
	start := w.textLen()
	w.children(n, depth)
	if href == "" {
		return
	}
	if uri, err := id.ParseMatrixURIOrMatrixToURL(href); err == nil && uri != nil && uri.Sigil1 == '@' {
		return
	}
	text := w.textSince(start)
	for _, p := range []string{"", "mailto:", "http://", "https://"} {
		if strings.TrimPrefix(href, p) == text {
			return
		}
	}
	if text == "" {
		w.add(href, true)
		return
	}
	w.add(" ("+href+")", true)
}

// textLen and textSince read back the text of the current line since a
// point (for links, whose address is left out when it is their text).
func (w *styledWriter) textLen() [2]int {
	if !w.open {
		return [2]int{len(w.lines), 0}
	}
	return [2]int{len(w.lines) - 1, len(w.lines[len(w.lines)-1].runs)}
}

func (w *styledWriter) textSince(p [2]int) string {
	var b strings.Builder
	for li := p[0]; li < len(w.lines); li++ {
		runs := w.lines[li].runs
		if li == p[0] {
			runs = runs[min(p[1], len(runs)):]
		}
		for _, r := range runs {
			b.WriteString(r.s)
		}
	}
	return strings.TrimSpace(b.String())
}

func attrOf(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// String writes the lines out: quote prefixes, and a word joiner before
// each literal character that XEP-0393 would read as styling.
func (w *styledWriter) String() string {
	var b strings.Builder
	prevQuote := 0
	for i, l := range w.lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		if l.blank {
			b.WriteString(strings.Repeat(">", min(prevQuote, l.quote)))
			b.WriteByte('\n')
		}
		if l.quote > 0 {
			b.WriteString(strings.Repeat(">", l.quote) + " ")
		}
		writeEscaped(&b, l)
		prevQuote = l.quote
	}
	return b.String()
}

// isDirective reports the XEP-0393 span directive characters.
func isDirective(r rune) bool { return r == '*' || r == '_' || r == '~' || r == '`' }

// isStyleSpace is whitespace as XEP-0393 (and mellium's decoder) sees it.
func isStyleSpace(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) }

// writeEscaped writes one line's content. A literal character gets a word
// joiner before it when it would open a span (a directive at the line start
// or after a space or directive, followed by a non-space, with a possible
// closing directive later on the line), start a quote (">" first on the
// line, or after a directive, where mellium's decoder also takes it) or, in
// a code block, end the block (a line starting with ```).
func writeEscaped(b *strings.Builder, l styledLine) {
	var text []rune
	var lit []bool
	for _, r := range l.runs {
		for _, c := range r.s {
			text = append(text, c)
			lit = append(lit, r.lit)
		}
	}
	if l.pre {
		if strings.HasPrefix(strings.TrimLeft(string(text), " \t"), "```") && len(text) > 0 && lit[0] {
			b.WriteString(wordJoiner)
		}
		for _, c := range text {
			b.WriteRune(c)
		}
		return
	}
	// lastClose[k] is the last position where directive k could close a span.
	var lastClose [4]int
	for j := 1; j < len(text); j++ {
		if k := directiveIndex(text[j]); k >= 0 && !isStyleSpace(text[j-1]) {
			lastClose[k] = j
		}
	}
	for i, c := range text {
		if lit[i] && needsJoiner(text, i, &lastClose) {
			b.WriteString(wordJoiner)
		}
		b.WriteRune(c)
	}
}

// directiveIndex numbers the span directives, -1 for other characters.
func directiveIndex(r rune) int { return strings.IndexRune("*_~`", r) }

// needsJoiner is the escape rule of writeEscaped for text[i].
func needsJoiner(text []rune, i int, lastClose *[4]int) bool {
	c := text[i]
	if c == '>' {
		return i == 0 || isDirective(text[i-1])
	}
	k := directiveIndex(c)
	if k < 0 || i+1 >= len(text) || isStyleSpace(text[i+1]) {
		return false
	}
	prevOpen := i == 0 || isStyleSpace(text[i-1]) || isDirective(text[i-1])
	return prevOpen && lastClose[k] > i+1
}
