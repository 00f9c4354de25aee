package xmpp

import (
	"encoding/xml"
	"fmt"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/stanza"
)

// stanzaHandler receives every top-level element of one session from mellium's Serve. It never blocks
// (events go through the dispatcher) and never returns an error, since that would end the stream:
// a stanza it cannot understand is logged and skipped.
type stanzaHandler struct {
	c *Client
	s *session
}

// HandleXMPP implements xmpp.Handler.
func (h *stanzaHandler) HandleXMPP(t xmlstream.TokenReadEncoder, start *xml.StartElement) (err error) {
	defer func() {
		if r := recover(); r != nil {
			h.c.malformed(start, fmt.Errorf("panic: %v", r))
			err = nil
		}
	}()
	if start.Name.Space != stanza.NSClient {
		return nil
	}
	switch start.Name.Local {
	case "message":
		h.c.handleMessage(t, start)
	case "presence":
		h.c.handlePresence(t, start)
	case "iq":
		h.c.handleIQ(t, start)
	}
	return nil
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
