package bridge

import (
	"strings"
	"testing"
)

// Costs of the styling conversions: a typical styled message, and the worst
// case the bounds allow (a 2 KiB line made of would-be spans, the decoder's
// quadratic case; a 32 KiB message of such lines).
func BenchmarkStyledHTMLTypical(b *testing.B) {
	text := "*bold* _italic_ `code` and a link https://example.org/a_b\n> quoted reply\nthanks!"
	for b.Loop() {
		styledHTML(text)
	}
}

func BenchmarkStyledHTMLWorstLine(b *testing.B) {
	text := "x " + strings.Repeat("*a ", (maxStyledLine-4)/3) + "a*"
	for b.Loop() {
		styledHTML(text)
	}
}

func BenchmarkStyledHTMLWorstMessage(b *testing.B) {
	line := "x " + strings.Repeat("*a ", (maxStyledLine-4)/3) + "a*\n"
	text := strings.Repeat(line, maxEventText/len(line))
	for b.Loop() {
		styledHTML(text)
	}
}

func BenchmarkHTMLToStyledTypical(b *testing.B) {
	h := "<p><strong>bold</strong> <em>it</em> <code>x</code> *typed*</p>\n<blockquote>\n<p>quote</p>\n</blockquote>\n<ul><li>one</li><li>two</li></ul>"
	for b.Loop() {
		htmlToStyled(h)
	}
}

func BenchmarkHTMLToStyledLarge(b *testing.B) {
	h := "<p>" + strings.Repeat("<b>x</b> *a _b_ ", 3000) + "</p>"
	for b.Loop() {
		htmlToStyled(h)
	}
}
