package xmpp

import (
	"encoding/xml"
	"fmt"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/stanza"
)

// stanzaHandler receives every top-level element of one session from mellium's Serve. It never blocks
// (events go through the dispatcher) and never returns an error, since that would end the stream:
// a stanza it cannot understand is logged and skipped. It answers every IQ get or set itself (mellium
// would otherwise write an error answer that stream management does not count) and counts each stanza
// it has read whole as handled (XEP-0198), under the session's handling lock (see ackFinal).
type stanzaHandler struct {
	c *Client
	s *session
}

// HandleXMPP implements xmpp.Handler.
func (h *stanzaHandler) HandleXMPP(t xmlstream.TokenReadEncoder, start *xml.StartElement) (err error) {
	if start.Name.Space == nsSM {
		h.c.handleSM(h.s, t, t, start)
		return nil
	}
	if start.Name.Space != stanza.NSClient {
		return nil
	}
	h.s.handling.Lock()
	defer h.s.handling.Unlock()
	if h.s.closing { // after the last ack: the server keeps it for our next session
		_, _ = xmlstream.Copy(xmlstream.Discard(), t)
		return nil
	}
	w := newHandlerWriter(t, h.s, start)
	typ := attr(start, "type")
	defer func() {
		if r := recover(); r != nil {
			h.c.malformed(start, fmt.Errorf("panic: %v", r))
		}
		if start.Name.Local == "iq" && (typ == "get" || typ == "set") && !w.replied {
			h.c.refuseIQ(w, start)
		}
		// Read to the stanza's end: only a stanza received whole counts as handled.
		if _, err := xmlstream.Copy(xmlstream.Discard(), t); err == nil {
			if sm := h.s.sm.Load(); sm != nil {
				sm.handled()
			}
		}
		err = nil
	}()
	switch start.Name.Local {
	case "message":
		h.c.handleMessage(w, start)
	case "presence":
		h.c.handlePresence(w, start)
	case "iq":
		if typ == "result" || typ == "error" {
			if err := h.s.readIQAnswer(t, start); err != nil {
				h.c.malformed(start, err)
			}
			return nil
		}
		h.c.handleIQ(w, start)
	}
	return nil
}

// refuseIQ answers an IQ get or set that was not answered with service-unavailable (RFC 6120 §8.4).
func (c *Client) refuseIQ(w xmlstream.TokenWriter, start *xml.StartElement) {
	reply := iqError{ID: attr(start, "id"), To: attr(start, "from"), Type: "error",
		Error: stanza.Error{Type: stanza.Cancel, Condition: stanza.ServiceUnavailable}}
	raw, err := xml.Marshal(reply)
	if err == nil {
		err = copyRaw(w, raw)
	}
	if err != nil {
		c.log.Warn().Err(err).Msg("Answering an IQ failed")
	}
}

// iqError is an error answer to an IQ.
type iqError struct {
	XMLName xml.Name     `xml:"jabber:client iq"`
	ID      string       `xml:"id,attr"`
	To      string       `xml:"to,attr,omitempty"`
	Type    string       `xml:"type,attr"`
	Error   stanza.Error `xml:"error"`
}

// malformed logs a skipped stanza (never its content) and tells the handler.
func (c *Client) malformed(start *xml.StartElement, err error) {
	id := attr(start, "id")
	c.log.Warn().Err(err).Str("stanza", start.Name.Local).Str("id", id).Str("from", attr(start, "from")).
		Msg("Skipped malformed stanza")
	me := &MalformedError{Stanza: start.Name.Local, ID: id, Err: err}
	c.ev.post(func() { c.h.HandleError(me) })
}

func attr(start *xml.StartElement, name string) string {
	for _, a := range start.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// decodeStanza decodes the whole stanza whose start Serve already read. The decoder must see the start
// element itself, or it refuses the matching end element.
func decodeStanza(t xml.TokenReader, start *xml.StartElement, v interface{}) error {
	return xml.NewTokenDecoder(xmlstream.MultiReader(xmlstream.Token(*start), t)).Decode(v)
}
