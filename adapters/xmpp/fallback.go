package xmpp

// XEP-0428 fallback indication: which parts of a body are only there for
// clients that do not know a given extension.

// Fallback marks the body text that stands in for one extension.
type Fallback struct {
	For    string  // namespace of the extension, e.g. NSReply
	Ranges []Range // code point ranges of the body; none means the whole body
}

// Range is a half-open range of Unicode code points [Start, End).
type Range struct{ Start, End int }

// fallbackRange is <body start='…' end='…'/> inside a fallback element.
type fallbackRange struct {
	Start int `xml:"start,attr"`
	End   int `xml:"end,attr"`
}

type fallbackElem struct {
	For  string          `xml:"for,attr"`
	Body []fallbackRange `xml:"body"`
}

type fallbackOut struct {
	XMLName struct{}        `xml:"urn:xmpp:fallback:0 fallback"`
	For     string          `xml:"for,attr"`
	Body    []fallbackRange `xml:"body"`
}

// maxFallbacks bounds the fallback elements read from one stanza.
const maxFallbacks = 16

func toFallbacks(in []fallbackElem) []Fallback {
	var out []Fallback
	for _, f := range in {
		if f.For == "" || len(out) >= maxFallbacks {
			continue
		}
		fb := Fallback{For: f.For}
		for _, r := range f.Body {
			if len(fb.Ranges) < maxFallbacks {
				fb.Ranges = append(fb.Ranges, Range(r))
			}
		}
		out = append(out, fb)
	}
	return out
}

// HasFallback reports whether the body holds fallback text for ns.
func (m *Message) HasFallback(ns string) bool {
	for _, f := range m.Fallbacks {
		if f.For == ns {
			return true
		}
	}
	return false
}

// BodyWithout returns the body without the fallback text for ns. Ranges
// that do not fit the body are ignored (the body is kept whole there), so
// that nothing is lost to a bad offset.
func (m *Message) BodyWithout(ns string) string {
	body := []rune(m.Body)
	drop := make([]bool, len(body))
	for _, f := range m.Fallbacks {
		if f.For != ns {
			continue
		}
		if len(f.Ranges) == 0 {
			return ""
		}
		for _, r := range f.Ranges {
			if r.Start < 0 || r.End > len(body) || r.Start >= r.End {
				continue
			}
			for i := r.Start; i < r.End; i++ {
				drop[i] = true
			}
		}
	}
	out := make([]rune, 0, len(body))
	for i, r := range body {
		if !drop[i] {
			out = append(out, r)
		}
	}
	if len(out) == len(body) {
		return m.Body
	}
	return string(out)
}
