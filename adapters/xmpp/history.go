package xmpp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"mellium.im/xmpp/history"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/paging"
	"mellium.im/xmpp/stanza"
)

// XEP-0313 Message Archive Management: one page of the account's archive per
// call. The query element is mellium's history.Query; the results are read by
// our own stanza handler, because mellium's history.Handler is a mux handler
// (we serve the stream ourselves), blocks the stream's read loop on an
// unbuffered channel until the caller reads, does not check who sent a result
// and drops the error of a refused query. Here a result counts only when our
// own account sent it (an archive result from anyone else could put words in
// a third person's mouth), only for a query that is still waiting, and at most
// maxPageResults per query.

// maxPageResults bounds the results kept for one query: a server sends at
// most the page size asked for (prosody at most 50); one that sends more is
// refused with ErrHistoryPage rather than held in memory.
const maxPageResults = 500

// defaultHistoryTimeout bounds one page query when ctx has no deadline.
const defaultHistoryTimeout = 30 * time.Second

// HistoryQuery selects one page of the account's message archive.
type HistoryQuery struct {
	With   jid.JID   // only messages with this bare JID; zero for the whole archive
	Start  time.Time // only messages archived at or after this time (second precision); zero: no bound
	End    time.Time // only messages archived at or before this time; zero: no bound
	After  string    // page forward from just after this archive id (RSM after)
	Before string    // with Last: page backward from just before this archive id (RSM before)
	Last   bool      // the last page: the newest messages (before Before when set)
	Max    int       // page size asked for; the server may send fewer
}

// HistoryPage is one page of archived messages, oldest first.
type HistoryPage struct {
	Messages []*ArchivedMessage
	// First and Last are the archive ids at the page's ends (RSM first/last), empty for an empty page.
	First, Last string
	// Complete is the server's word that nothing follows in the direction paged.
	Complete bool
	// Skipped counts results that could not be read (malformed), not in Messages.
	Skipped int
}

// ArchivedMessage is one message of the archive.
type ArchivedMessage struct {
	// ArchiveID is the server's id of the item: the XEP-0359 stanza-id it gave the message live.
	ArchiveID string
	// Stamp is when the server archived the message.
	Stamp time.Time
	// Outgoing says that the account sent it (from any of its clients); then To is the contact.
	Outgoing bool
	// Message is the archived stanza as received (Carbon is CarbonNone, Delay is Stamp, ServerID is ArchiveID).
	Message *Message
}

// mamResult is a XEP-0313 result: one archived message, forwarded (XEP-0297).
type mamResult struct {
	QueryID   string `xml:"queryid,attr"`
	ID        string `xml:"id,attr"`
	Forwarded *struct {
		Delay   *delayElem `xml:"urn:xmpp:delay delay"`
		Message *wireIn    `xml:"jabber:client message"`
	} `xml:"urn:xmpp:forward:0 forwarded"`
}

// mamFin is the answer to a query once all its results were sent.
type mamFin struct {
	Complete string     `xml:"complete,attr"`
	Set      paging.Set `xml:"http://jabber.org/protocol/rsm set"`
}

// pendingQuery collects the results of one query until its answer comes.
type pendingQuery struct {
	page     HistoryPage
	overflow bool
}

// FetchHistory asks the server for one page of the account's archive and
// waits for it. It returns ErrNotConnected while offline, ErrHistoryUnsupported
// when the server keeps no archive, ErrHistoryPosition when it does not know
// q.After or q.Before, and ErrHistoryPage when it sent more than a page.
func (c *Client) FetchHistory(ctx context.Context, q HistoryQuery) (*HistoryPage, error) {
	s, err := c.current()
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultHistoryTimeout)
		defer cancel()
	}
	hq := history.Query{ID: randomQueryID(), With: q.With.Bare(), Start: q.Start, End: q.End, Last: q.Last, PageID: q.After}
	if q.Max > 0 {
		hq.Limit = uint64(q.Max)
	}
	if q.Last {
		hq.PageID = q.Before
	}
	pq := &pendingQuery{}
	c.histMu.Lock()
	if c.queries == nil {
		c.queries = map[string]*pendingQuery{}
	}
	c.queries[hq.ID] = pq
	c.histMu.Unlock()
	defer func() {
		c.histMu.Lock()
		delete(c.queries, hq.ID)
		c.histMu.Unlock()
	}()

	var fin mamFin
	err = iqDo(ctx, s, stanza.IQ{Type: stanza.SetIQ}, &hq, &fin)
	if err != nil {
		var se stanza.Error
		if errors.As(err, &se) {
			switch se.Condition {
			case stanza.ItemNotFound:
				return nil, classify(ErrHistoryPosition, err)
			case stanza.ServiceUnavailable, stanza.FeatureNotImplemented:
				return nil, classify(ErrHistoryUnsupported, err)
			}
		}
		return nil, fmt.Errorf("xmpp: archive query: %w", err)
	}
	c.histMu.Lock()
	page, overflow := pq.page, pq.overflow
	c.histMu.Unlock()
	if overflow {
		return nil, ErrHistoryPage
	}
	page.Complete = fin.Complete == "true" || fin.Complete == "1"
	page.First, page.Last = fin.Set.First.ID, fin.Set.Last
	c.log.Debug().Str("with", q.With.String()).Int("results", len(page.Messages)).Int("skipped", page.Skipped).
		Bool("complete", page.Complete).Msg("Archive page fetched")
	return &page, nil
}

// handleArchived takes one archive result for the query waiting for it.
// Results from anyone but our own account, or for no waiting query, are dropped.
func (c *Client) handleArchived(w *wireIn) {
	r := w.MAM
	if !c.fromSelf(w.From) {
		c.log.Warn().Str("from", w.From).Msg("Dropped an archive result not sent by our own account (forged)")
		return
	}
	c.histMu.Lock()
	defer c.histMu.Unlock()
	pq := c.queries[r.QueryID]
	if pq == nil {
		c.log.Debug().Str("query_id", r.QueryID).Msg("Dropped an archive result of no waiting query")
		return
	}
	if len(pq.page.Messages)+pq.page.Skipped >= maxPageResults {
		pq.overflow = true
		return
	}
	am, err := c.archived(r)
	if err != nil {
		pq.page.Skipped++
		c.log.Debug().Err(err).Str("archive_id", r.ID).Msg("Skipped an unreadable archive result")
		return
	}
	pq.page.Messages = append(pq.page.Messages, am)
}

// archived converts a result into an ArchivedMessage.
func (c *Client) archived(r *mamResult) (*ArchivedMessage, error) {
	if r.ID == "" || r.Forwarded == nil || r.Forwarded.Message == nil {
		return nil, errors.New("archive result without an id or a forwarded message")
	}
	inner := r.Forwarded.Message
	if r.Forwarded.Delay != nil {
		inner.Delay = r.Forwarded.Delay
	}
	if inner.Delay == nil {
		return nil, errors.New("archive result without a time stamp")
	}
	m, err := inner.toMessage(CarbonNone)
	if err != nil {
		return nil, err
	}
	m.ServerID = r.ID
	am := &ArchivedMessage{ArchiveID: r.ID, Stamp: m.Delay, Message: m}
	switch {
	case m.From.Bare().Equal(c.bare):
		am.Outgoing = true
	case inner.From == "" && !m.To.Bare().Equal(c.bare):
		// Stored without a from: sent by the account itself.
		m.From, am.Outgoing = c.bare, true
	}
	return am, nil
}

// serverID returns the XEP-0359 stanza-id our own server gave a message
// (by = our account), or "". Servers remove such ids that others put in.
func (w *wireIn) serverID(account jid.JID) string {
	for _, s := range w.StanzaIDs {
		if s.ID == "" {
			continue
		}
		if by, err := jid.Parse(s.By); err == nil && by.Equal(account) {
			return s.ID
		}
	}
	return ""
}

// stanzaIDElem is a XEP-0359 stanza-id.
type stanzaIDElem struct {
	ID string `xml:"id,attr"`
	By string `xml:"by,attr"`
}

// randomQueryID names a query so that its results can be told apart.
func randomQueryID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "q" + strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	return "q" + hex.EncodeToString(b[:])
}
