package xmpp

import (
	"context"
	"encoding/xml"
	"strconv"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

type wirePresence struct {
	XMLName  xml.Name
	From     string     `xml:"from,attr"`
	Type     string     `xml:"type,attr"`
	Show     string     `xml:"show"`
	Status   []langText `xml:"status"`
	Priority string     `xml:"priority"`

	Update *vcardUpdate `xml:"vcard-temp:x:update x"` // XEP-0153 avatar hash
}

// presenceOut is an outgoing presence.
type presenceOut struct {
	XMLName  xml.Name `xml:"jabber:client presence"`
	ID       string   `xml:"id,attr,omitempty"`
	To       string   `xml:"to,attr,omitempty"`
	Type     string   `xml:"type,attr,omitempty"`
	Show     string   `xml:"show,omitempty"`
	Status   string   `xml:"status,omitempty"`
	Priority int8     `xml:"priority,omitempty"`

	Caps *capsElem `xml:",omitempty"` // XEP-0115, for PEP notifications (caps.go)
}

func presenceUnavailable() *presenceOut {
	return &presenceOut{ID: randomID(), Type: string(stanza.UnavailablePresence)}
}

// handlePresence updates the presence cache and posts the presence.
func (c *Client) handlePresence(t xmlstream.TokenReadEncoder, start *xml.StartElement) {
	var w wirePresence
	if err := decodeStanza(t, start, &w); err != nil {
		c.malformed(start, err)
		return
	}
	from := c.bare
	if w.From != "" {
		var err error
		if from, err = jid.Parse(w.From); err != nil {
			c.malformed(start, err)
			return
		}
	}
	p := &Presence{From: from, Type: stanza.PresenceType(w.Type), Show: w.Show, Status: pickText(w.Status)}
	if w.Priority != "" {
		if n, err := strconv.ParseInt(w.Priority, 10, 8); err == nil {
			p.Priority = int8(n)
		}
	}
	bare, full := from.Bare().String(), from.String()
	c.mu.Lock()
	switch p.Type {
	case stanza.AvailablePresence:
		if c.presences[bare] == nil {
			c.presences[bare] = map[string]Presence{}
		}
		c.presences[bare][full] = *p
	case stanza.UnavailablePresence, stanza.ErrorPresence:
		if from.Resourcepart() == "" {
			delete(c.presences, bare)
		} else if m := c.presences[bare]; m != nil {
			delete(m, full)
			if len(m) == 0 {
				delete(c.presences, bare)
			}
		}
	}
	c.mu.Unlock()
	c.ev.post(func() { c.h.HandlePresence(p) })
	if p.Type == stanza.AvailablePresence {
		c.presenceAvatar(from, w.Update)
	}
}

// OnlineResources returns the cached available presences of a contact's resources (none when offline).
func (c *Client) OnlineResources(bare jid.JID) []Presence {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.presences[bare.Bare().String()]
	out := make([]Presence, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	return out
}

// SetPresence sets our presence (show: "", away, chat, dnd, xa) and keeps it for reconnects. Offline it
// only remembers it and returns nil.
func (c *Client) SetPresence(ctx context.Context, show, status string) error {
	switch show {
	case "", "away", "chat", "dnd", "xa":
	default:
		return &MalformedError{Stanza: "presence", Err: errBadShow}
	}
	c.mu.Lock()
	c.show, c.status = show, status
	s, closed := c.cur, c.closed
	c.mu.Unlock()
	switch {
	case closed:
		return ErrClosed
	case s == nil:
		return nil
	}
	return c.sendPresence(ctx, s, show, status)
}

func (c *Client) sendPresence(ctx context.Context, s *session, show, status string) error {
	return s.encode(ctx, &presenceOut{ID: randomID(), Show: show, Status: status, Caps: ourCaps()}, outOther, "", "")
}

// subscribe sends a presence of the given subscription type to j.
func (c *Client) subscription(ctx context.Context, j jid.JID, typ stanza.PresenceType) error {
	s, err := c.current()
	if err != nil {
		return err
	}
	return s.encode(ctx, &presenceOut{ID: randomID(), To: j.Bare().String(), Type: string(typ)}, outOther, "", j.Bare().String())
}

// ApproveSubscription answers a contact's subscription request (a Presence of type subscribe):
// approve sends "subscribed", otherwise "unsubscribed".
func (c *Client) ApproveSubscription(ctx context.Context, j jid.JID, approve bool) error {
	if approve {
		return c.subscription(ctx, j, stanza.SubscribedPresence)
	}
	return c.subscription(ctx, j, stanza.UnsubscribedPresence)
}
