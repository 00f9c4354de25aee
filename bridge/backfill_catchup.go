package bridge

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// The catch-up: after every connect, what the archive holds since the
// bridge last saw the stream (the archive id of the last live message, kept
// in the bridge's key-value table) is replayed into Matrix as if it came
// live, oldest first and before anything that arrives meanwhile: messages
// the contact sent, messages the user sent from other clients (as the
// user's own), corrections, retractions and reactions. Delivery of live
// messages waits while the archive is read (the login's inbox is held), so
// that the server's offline copies, which come live at login and are in the
// archive too, keep their place; bridgev2 drops whatever it already has by
// message ID. A catch-up is bounded: at most backfill.max_catchup_messages
// messages, scanItemBound archive items and catchUpTimeout; at a bound the
// newest part is bridged and the user is told that older messages are not
// shown. OTR messages are never replayed (classifyArchived).
//
// It goes through the inbox, not bridgev2's forward backfill on a chat
// resync: that drops every message older than the newest row of the portal,
// and rows with the current time (request notices) appear at login.

// Bounds and delays of the catch-up.
const (
	// catchUpTimeout bounds one catch-up, and so how long live delivery waits.
	catchUpTimeout = 2 * time.Minute
	// positionSaveDelay is how long a moved position may wait in memory.
	positionSaveDelay = 10 * time.Second
	// positionTimeSlack is how far before the saved position's time a scan
	// still looks when the position's item is no longer in the archive
	// (server and bridge clocks may differ).
	positionTimeSlack = time.Hour
)

// historyState is a login's catch-up state.
type historyState struct {
	// run serialises catch-ups.
	run sync.Mutex

	// mu guards the fields below.
	mu sync.Mutex
	// pos is the position last seen live; dirty says it is not saved yet.
	pos   archivePos
	dirty bool
	// caughtUp says the catch-up of this connection is over: live
	// messages move pos. Before that they only set during.
	caughtUp bool
	during   archivePos
	// timer saves pos positionSaveDelay after it moved.
	timer *time.Timer
	// toldFailure is set once the user was told that a catch-up failed.
	toldFailure bool
	// release ends the hold on the inbox taken when a connection attempt
	// starts, so that what comes with the login (offline copies) waits for
	// the catch-up; nil when none is held.
	release func()
}

// historyConnState holds the inbox from the start of a connection attempt
// until its catch-up is over (or the attempt failed).
func (c *Client) historyConnState(s xmppad.ConnState) {
	h := &c.hist
	switch s {
	case xmppad.StateConnecting:
		if !c.backfillOn() {
			return
		}
		h.mu.Lock()
		if h.release == nil {
			h.release = c.inbox.hold()
		}
		h.mu.Unlock()
	case xmppad.StateConnected:
		go c.catchUp()
	default:
		c.takeHold()()
	}
}

// takeHold returns the release of the connection's hold on the inbox (now
// the caller's), or of a new one.
func (c *Client) takeHold() (release func()) {
	h := &c.hist
	h.mu.Lock()
	defer h.mu.Unlock()
	release, h.release = h.release, nil
	if release == nil {
		release = c.inbox.hold()
	}
	return release
}

// backfillOn says whether catch-ups run at all.
func (c *Client) backfillOn() bool {
	bf := c.conn.Bridge.Config.Backfill
	return bf.Enabled && bf.MaxCatchupMessages > 0
}

// finishCatchUp makes live messages move the position again, starting
// from pos (when save, it is written first).
func (c *Client) finishCatchUp(ctx context.Context, pos archivePos, save bool) {
	if save {
		c.storePosition(ctx, pos)
	}
	h := &c.hist
	h.mu.Lock()
	h.pos, h.caughtUp, h.during = pos, true, archivePos{}
	h.mu.Unlock()
}

// catchUp runs after each connect (see the top of this file).
func (c *Client) catchUp() {
	h := &c.hist
	release := c.takeHold()
	defer release()
	h.run.Lock()
	defer h.run.Unlock()
	h.mu.Lock()
	h.caughtUp, h.during = false, archivePos{}
	h.mu.Unlock()
	xc := c.xmpp()
	if xc == nil {
		return
	}
	log := c.log.With().Str("action", "history catch-up").Logger()
	ctx, cancel := context.WithTimeout(log.WithContext(context.Background()), catchUpTimeout)
	defer cancel()
	if !c.backfillOn() {
		c.finishCatchUp(ctx, archivePos{}, false)
		return
	}
	want := c.conn.Bridge.Config.Backfill.MaxCatchupMessages
	pos, ok := c.loadPosition(ctx)
	if !ok {
		// The login's first connection: history starts here (new portals
		// still show their recent conversation).
		end := archivePos{Time: time.Now()}
		page, err := xc.FetchHistory(ctx, xmppad.HistoryQuery{Last: true, Max: 1})
		switch {
		case err == nil:
			end.ID = page.Last
		case errors.Is(err, xmppad.ErrHistoryUnsupported):
			log.Debug().Msg("The server keeps no archive: no history")
		default:
			log.Warn().Err(err).Msg("Could not read where the archive ends")
			return
		}
		c.finishCatchUp(ctx, end, true)
		return
	}
	stop := func(am *xmppad.ArchivedMessage) bool {
		return pos.ID != "" && am.ArchiveID == pos.ID || am.Stamp.Before(pos.Time.Add(-positionTimeSlack))
	}
	ours := c.bridgeResources(xc)
	counts := func(am *xmppad.ArchivedMessage) bool { return !ours(am) && c.countsAsMessage(am) }
	started := time.Now()
	res, err := scanBack(ctx, xc.FetchHistory, xmppad.HistoryQuery{}, want, stop, counts)
	switch {
	case errors.Is(err, xmppad.ErrHistoryUnsupported):
		log.Debug().Msg("The server keeps no archive: nothing to catch up")
		c.finishCatchUp(ctx, pos, false)
		return
	case err != nil:
		// The position stays: the next connection tries again from there.
		log.Warn().Err(err).Msg("Could not read the archive; messages from while the bridge was away may be missing until it reconnects")
		if ctx.Err() == nil && !errors.Is(err, xmppad.ErrNotConnected) && !errors.Is(err, xmppad.ErrClosed) {
			c.tellCatchUpFailed(ctx, err)
		}
		return
	}
	shown, otr := c.replay(res.items, ours)
	log.Info().Int("messages", shown).Int("items", len(res.items)).Int("otr_skipped", otr).Int("pages", res.pages).
		Dur("read", time.Since(started)).Msg("Archive read for the catch-up; replaying")
	if res.bound != "" {
		log.Warn().Str("bound", res.bound).Int("pages", res.pages).Int("items", res.examined).
			Msg("Archive scan stopped at its bound; older messages from while the bridge was away are not shown")
		c.tellBounded(ctx, shown, res)
	}
	next := pos
	if res.newest != "" {
		next = archivePos{ID: res.newest, Time: time.Now()}
	}
	h.mu.Lock()
	if h.during.ID != "" {
		next = h.during
	}
	h.mu.Unlock()
	c.finishCatchUp(ctx, next, true)
}

// bridgeResources reports whether an archived item was sent by the bridge
// itself (from its resource): it came from Matrix, where it is already
// (corrections, retractions and reactions included), so it is not replayed
// nor counted.
func (c *Client) bridgeResources(xc *xmppad.Client) func(*xmppad.ArchivedMessage) bool {
	bound, configured := xc.LocalJID().Resourcepart(), c.conn.Config.XMPP.Resource
	return func(am *xmppad.ArchivedMessage) bool {
		res := am.Message.From.Resourcepart()
		return am.Outgoing && res != "" && (res == bound || res == configured)
	}
}

// replay queues archive items (oldest first) before everything waiting in
// the inbox, as live events without receipts, leaving out what the bridge
// sent itself (ours). It returns how many were messages and how many OTR
// items were left out.
func (c *Client) replay(items []*xmppad.ArchivedMessage, ours func(*xmppad.ArchivedMessage) bool) (messages, otr int) {
	for _, am := range items {
		if ours(am) {
			continue
		}
		kind, contact, fromMe := c.classifyArchived(am)
		m := am.Message
		switch kind {
		case archOTR:
			otr++
		case archReactions:
			c.inbox.pushFront(c.reactionsItem(contact, fromMe, m))
		case archRetract:
			c.inbox.pushFront(c.retractItem(contact, fromMe, m))
		case archMessage:
			if in, ok := c.receive(contact, m); ok {
				c.inbox.pushFront(c.messageItem(contact, fromMe, m, in, false))
				if m.Replace == "" {
					messages++
				}
			}
		}
	}
	return messages, otr
}

// tellBounded tells the user in the management room that a catch-up
// stopped at a bound (never what the messages said).
func (c *Client) tellBounded(ctx context.Context, shown int, res *scanResult) {
	room, err := c.login.User.GetManagementRoom(ctx)
	if err != nil || room == "" {
		return
	}
	var why string
	switch res.bound {
	case boundLimit:
		why = "more messages arrived while the bridge was away than it fetches at once (backfill.max_catchup_messages)"
	default:
		why = "your server's message archive did not page properly, so the bridge stopped reading it"
	}
	text := "⚠️ Catching up with " + md(c.self.String()) + ": " + why + ". The newest " + strconv.Itoa(shown) +
		" messages were bridged; older messages from that time are not shown here. They are still in your XMPP server's archive."
	sendBotNotice(ctx, c.conn.Bridge.Bot, room, "history_bounded", text, map[string]any{"count": shown, "bound": res.bound})
}

// tellCatchUpFailed tells the user, once per run of the bridge, that the
// archive could not be read (the next connection tries again).
func (c *Client) tellCatchUpFailed(ctx context.Context, err error) {
	h := &c.hist
	h.mu.Lock()
	told := h.toldFailure
	h.toldFailure = true
	h.mu.Unlock()
	if told {
		return
	}
	room, rerr := c.login.User.GetManagementRoom(ctx)
	if rerr != nil || room == "" {
		return
	}
	text := "⚠️ Catching up with " + md(c.self.String()) + ": your XMPP server's message archive could not be read. " +
		md(userMessage(err)) + " Messages sent while the bridge was away may be missing here until it reconnects " +
		"and reads the archive again; they are still in your XMPP server's archive."
	sendBotNotice(ctx, c.conn.Bridge.Bot, room, "history_failed", text, nil)
}
