package xmpp

import (
	"strings"
	"unicode/utf8"

	"mellium.im/xmpp/jid"
)

// XEP-0461 message replies, with the XEP-0428 fallback that quotes the
// message replied to at the start of the body.

// NSReply is the XEP-0461 namespace.
const NSReply = "urn:xmpp:reply:0"

// Reply names the message a message answers.
type Reply struct {
	To jid.JID // author of the message replied to; may be zero
	ID string  // its id (origin-id, else stanza id)
}

// replyElem is <reply to='…' id='…' xmlns='urn:xmpp:reply:0'/>.
type replyElem struct {
	To string `xml:"to,attr"`
	ID string `xml:"id,attr"`
}

// replyOut is the outgoing form, with its namespace.
type replyOut struct {
	XMLName struct{} `xml:"urn:xmpp:reply:0 reply"`
	To      string   `xml:"to,attr,omitempty"`
	ID      string   `xml:"id,attr"`
}

// toReply converts the incoming element; nil when it names no message or
// its author is not a JID.
func (r *replyElem) toReply() *Reply {
	if r == nil || r.ID == "" {
		return nil
	}
	to, err := parseJID(r.To)
	if err != nil {
		return nil
	}
	return &Reply{To: to, ID: r.ID}
}

// QuoteFallback is the XEP-0461 fallback for quoted text: each line
// prefixed with "> ", ending in a newline.
func QuoteFallback(quoted string) string {
	quoted = strings.TrimRight(quoted, "\n")
	if quoted == "" {
		return ""
	}
	var b strings.Builder
	for _, line := range strings.Split(quoted, "\n") {
		b.WriteString("> ")
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// replyFallback returns the quote and its XEP-0428 marker for the start of a body.
func replyFallback(quoted string) (string, *fallbackOut) {
	q := QuoteFallback(quoted)
	if q == "" {
		return "", nil
	}
	return q, &fallbackOut{For: NSReply, Body: []fallbackRange{{Start: 0, End: utf8.RuneCountInString(q)}}}
}
