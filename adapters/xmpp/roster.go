package xmpp

import (
	"context"
	"encoding/xml"
	"sort"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

const nsRoster = "jabber:iq:roster"

type wireItem struct {
	JID          string   `xml:"jid,attr"`
	Name         string   `xml:"name,attr,omitempty"`
	Subscription string   `xml:"subscription,attr,omitempty"`
	Ask          string   `xml:"ask,attr,omitempty"`
	Groups       []string `xml:"group"`
}

type rosterQuery struct {
	XMLName xml.Name   `xml:"jabber:iq:roster query"`
	Items   []wireItem `xml:"item"`
}

// items converts wire items, skipping unparsable JIDs.
func (c *Client) items(ws []wireItem) []RosterItem {
	out := make([]RosterItem, 0, len(ws))
	for _, w := range ws {
		j, err := jid.Parse(w.JID)
		if err != nil {
			c.log.Warn().Err(err).Msg("Skipped roster item with a bad JID")
			continue
		}
		out = append(out, RosterItem{JID: j.Bare(), Name: w.Name, Subscription: w.Subscription, Ask: w.Ask, Groups: w.Groups})
	}
	return out
}

// fetchRoster gets the whole roster (RFC 6121 §2.2) and replaces the cache.
func (c *Client) fetchRoster(ctx context.Context, s *session) ([]RosterItem, error) {
	var q rosterQuery
	err := iqDo(ctx, s, stanza.IQ{Type: stanza.GetIQ}, &rosterQuery{}, &q)
	if err != nil {
		return nil, err
	}
	items := c.items(q.Items)
	c.mu.Lock()
	c.roster = make(map[string]RosterItem, len(items))
	for _, it := range items {
		c.roster[it.JID.String()] = it
	}
	c.mu.Unlock()
	return items, nil
}

// rosterPush applies a roster push (already checked to come from our account) and posts it.
func (c *Client) rosterPush(ws []wireItem) {
	items := c.items(ws)
	c.mu.Lock()
	for _, it := range items {
		if it.Subscription == "remove" {
			delete(c.roster, it.JID.String())
		} else {
			c.roster[it.JID.String()] = it
		}
	}
	c.mu.Unlock()
	c.ev.post(func() { c.h.HandleRoster(items, true) })
}

// Roster returns the cached roster, sorted by JID.
func (c *Client) Roster() []RosterItem {
	c.mu.Lock()
	out := make([]RosterItem, 0, len(c.roster))
	for _, it := range c.roster {
		out = append(out, it)
	}
	c.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].JID.String() < out[j].JID.String() })
	return out
}

// AddContact adds j to the roster with name and asks for a presence subscription (RFC 6121 §3.1).
func (c *Client) AddContact(ctx context.Context, j jid.JID, name string) error {
	s, err := c.current()
	if err != nil {
		return err
	}
	q := rosterQuery{Items: []wireItem{{JID: j.Bare().String(), Name: name}}}
	if err := iqSet(ctx, s, q); err != nil {
		return err
	}
	return c.subscription(ctx, j, stanza.SubscribePresence)
}
