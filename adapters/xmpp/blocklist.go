package xmpp

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"

	"mellium.im/xmpp/blocklist"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// XEP-0191 blocking command, client side. The list is fetched, and
// block/unblock requests (built from mellium's blocklist.Item, which also
// carries a XEP-0377 spam report) are sent, with our own IQs: every stanza
// must go through the path that stream management counts (write.go), and
// mellium's Add, Remove and Report return nil even when the server answers
// with an error, and a block the server refused must not look done.
// Pushes (the server telling every interested resource that the list
// changed) are read here too: mellium's blocklist.Handler is a server-side
// mux handler that panics on an item without a valid jid attribute and never
// answers the push.

// maxBlocklistItems bounds how many JIDs one list or push may carry; more are
// ignored (and logged), so a hostile or broken server cannot make us hold an
// unbounded list.
const maxBlocklistItems = 10000

// BlocklistChange is a XEP-0191 push: the account's blocklist changed,
// usually from another client of the account (or from this one: the server
// pushes every change to every resource that fetched the list).
type BlocklistChange struct {
	Blocked bool      // true for a block, false for an unblock
	JIDs    []jid.JID // the JIDs (bare or not, as the server has them); empty with Blocked false: the whole list was cleared
}

// BlocklistHandler is implemented by a Handler that wants blocklist pushes.
// The server sends them only to resources that fetched the list since they
// connected (Client.Blocklist). HandleBlocklist is called like the other
// Handler methods, from the client's event goroutine.
type BlocklistHandler interface {
	HandleBlocklist(change BlocklistChange)
}

// ErrBlockNoJID is returned by Block and Unblock when no JID is given: an
// unblock without items would clear the whole list.
var ErrBlockNoJID = errors.New("xmpp: no address to block or unblock")

// blocklistQuery is the blocklist request and its answer (XEP-0191 §3.2).
type blocklistQuery struct {
	XMLName xml.Name `xml:"urn:xmpp:blocking blocklist"`
	Items   []struct {
		JID string `xml:"jid,attr"`
	} `xml:"item"`
}

// blockingQuery is a block or unblock request with its items.
type blockingQuery struct {
	XMLName xml.Name
	Items   []blocklist.Item `xml:"item"`
}

// Blocklist fetches the account's blocklist (XEP-0191 §3.2). It also makes
// the server send later changes to this resource as pushes.
func (c *Client) Blocklist(ctx context.Context) ([]jid.JID, error) {
	s, err := c.current()
	if err != nil {
		return nil, err
	}
	// Our own IQ, not mellium's blocklist.Fetch: every stanza goes through the counted path (write.go).
	var list blocklistQuery
	if err := iqDo(ctx, s, stanza.IQ{Type: stanza.GetIQ}, &blocklistQuery{}, &list); err != nil {
		return nil, fmt.Errorf("xmpp: fetching the blocklist: %w", err)
	}
	var out []jid.JID
	for _, it := range list.Items {
		if len(out) == maxBlocklistItems {
			c.log.Warn().Int("max", maxBlocklistItems).Msg("Blocklist longer than we keep; ignoring the rest")
			break
		}
		if j, err := jid.Parse(it.JID); err == nil && j.Domainpart() != "" {
			out = append(out, j)
		}
	}
	return out, nil
}

// Block adds JIDs to the account's blocklist (XEP-0191 §3.3). The server
// then drops their presence and refuses their messages.
func (c *Client) Block(ctx context.Context, jids ...jid.JID) error {
	return c.editBlocklist(ctx, "block", "", jids)
}

// ReportSpam blocks JIDs and reports them as spam to the server (XEP-0377);
// a server without reporting just blocks them.
func (c *Client) ReportSpam(ctx context.Context, jids ...jid.JID) error {
	return c.editBlocklist(ctx, "block", blocklist.ReasonSpam, jids)
}

// Unblock removes JIDs from the account's blocklist (XEP-0191 §3.4).
func (c *Client) Unblock(ctx context.Context, jids ...jid.JID) error {
	return c.editBlocklist(ctx, "unblock", "", jids)
}

func (c *Client) editBlocklist(ctx context.Context, op string, reason blocklist.ReportReason, jids []jid.JID) error {
	if len(jids) == 0 {
		return ErrBlockNoJID
	}
	s, err := c.current()
	if err != nil {
		return err
	}
	q := blockingQuery{XMLName: xml.Name{Space: blocklist.NS, Local: op}}
	for _, j := range jids {
		q.Items = append(q.Items, blocklist.Item{JID: j, Reason: reason})
	}
	return iqSet(ctx, s, q)
}

// isBlocklistPush reports whether an IQ set's payload is a blocklist push.
func isBlocklistPush(name xml.Name) bool {
	return name.Space == blocklist.NS && (name.Local == "block" || name.Local == "unblock")
}

// pushItem is an item of a push as it is on the wire (the JID is parsed
// afterwards so that one bad item skips only itself).
type pushItem struct {
	JID string `xml:"jid,attr"`
}

// blocklistPush reads a push (its payload start is child), checks it comes
// from our own account and posts it. It returns false when the IQ must not
// be answered with a result (the caller leaves the error reply to Serve).
func (c *Client) blocklistPush(start *xml.StartElement, d *xml.Decoder, child *xml.StartElement) bool {
	if !c.fromSelf(attr(start, "from")) {
		c.malformed(start, fmt.Errorf("blocklist push from %q, not our account", attr(start, "from")))
		return false
	}
	var q struct {
		Items []pushItem `xml:"item"`
	}
	if err := d.DecodeElement(&q, child); err != nil {
		c.malformed(start, err)
		return false
	}
	change := BlocklistChange{Blocked: child.Name.Local == "block"}
	for _, it := range q.Items {
		j, err := jid.Parse(it.JID)
		if err != nil || j.Domainpart() == "" {
			c.log.Warn().Err(err).Msg("Skipped a blocklist push item with a bad JID")
			continue
		}
		if len(change.JIDs) == maxBlocklistItems {
			c.log.Warn().Int("max", maxBlocklistItems).Msg("Blocklist push longer than we keep; ignoring the rest")
			break
		}
		change.JIDs = append(change.JIDs, j)
	}
	if change.Blocked && len(change.JIDs) == 0 {
		return true // nothing usable; answered so the server does not log an error
	}
	if bh, ok := c.h.(BlocklistHandler); ok {
		c.ev.post(func() { bh.HandleBlocklist(change) })
	}
	return true
}
