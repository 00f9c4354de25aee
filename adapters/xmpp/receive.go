package xmpp

import (
	"encoding/xml"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/stanza"
)

// handleMessage decodes an incoming message and posts the matching handler events: error, receipt,
// displayed marker, message (body or attachment) or a bare chat state.
func (c *Client) handleMessage(t xmlstream.TokenReadEncoder, start *xml.StartElement) {
	var w wireIn
	if err := decodeStanza(t, start, &w); err != nil {
		c.malformed(start, err)
		return
	}
	if w.Event != nil {
		c.handlePEPEvent(&w)
		return
	}
	if w.MAM != nil {
		c.handleArchived(&w)
		return
	}
	inner, carbon, err := c.unwrapCarbon(&w)
	if err != nil {
		c.malformed(start, err)
		return
	}
	m, err := inner.toMessage(carbon)
	if err != nil {
		c.malformed(start, err)
		return
	}
	m.ServerID = inner.serverID(c.bare)
	if carbon == CarbonNone && w.From == "" {
		// mellium blanks our own bare JID (and no from means our account too); put it back.
		m.From = c.bare
	}
	c.dispatchMessage(m, inner)
}

// dispatchMessage posts the events for one (unwrapped) message.
func (c *Client) dispatchMessage(m *Message, w *wireIn) {
	log := c.log.With().Str("id", m.ID).Str("from", m.From.String()).Int("carbon", int(m.Carbon)).Logger()
	if m.Type == stanza.ErrorMessage {
		se := &StanzaError{From: m.From, ID: m.ID, Err: *m.Error}
		log.Debug().Str("condition", string(m.Error.Condition)).Msg("Message error from contact")
		c.ev.post(func() { c.h.HandleError(se) })
		return
	}
	if w.Received != nil && w.Received.ID != "" && m.Carbon != CarbonSent {
		from, id := m.From, w.Received.ID
		c.ev.post(func() { c.h.HandleReceipt(from, id) })
	}
	if w.Displayed != nil && w.Displayed.ID != "" {
		from, id, carbon := m.From, w.Displayed.ID, m.Carbon
		c.ev.post(func() { c.h.HandleDisplayed(from, id, carbon) })
	}
	switch {
	case m.Body != "" || len(m.OOB) > 0 || m.Reactions != nil || m.Retract != "":
		log.Debug().Int("body_len", len(m.Body)).Int("oob", len(m.OOB)).Msg("Received message")
		c.ev.post(func() { c.h.HandleMessage(m) })
	case m.ChatState != "":
		from, s, carbon := m.From, m.ChatState, m.Carbon
		c.ev.post(func() { c.h.HandleChatState(from, s, carbon) })
	}
}
