package bridge

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/matrix"
	"maunium.net/go/mautrix/bridgev2/networkid"
	"maunium.net/go/mautrix/bridgev2/simplevent"
	"mellium.im/xmpp/jid"
)

// The inbox puts a login's incoming XMPP messages into Matrix one at a time,
// in order, and retries while the homeserver does not accept them: mautrix
// gives up on a Matrix send after about a minute, and an XMPP message must
// not be lost (nor receipted) because the homeserver was down longer. Only
// once Matrix accepted a message does its after step run (the XEP-0184
// receipt, the XEP-0333 markable id). Everything waits in RAM, bounded by
// inboxLimit; beyond it a message is dropped, never receipted, and the user
// is told how many were lost once Matrix is back.

const (
	// inboxLimit bounds the messages waiting for Matrix per login.
	inboxLimit = 1000
	// inboxRetryMin and inboxRetryMax bound the wait between two tries (and
	// inboxRetryMin is how often a homeserver that is down is checked).
	inboxRetryMin = 2 * time.Second
	inboxRetryMax = time.Minute
	// inboxPermanentTries is how often a message the homeserver refuses
	// while it answers otherwise is tried before it is given up (with a notice).
	inboxPermanentTries = 3
	// inboxHandleTimeout bounds the wait for bridgev2 to handle one event
	// (it retries a Matrix send for about a minute itself).
	inboxHandleTimeout = 5 * time.Minute
)

// errInboxUnhandled says bridgev2 did not report back on an event in time.
var errInboxUnhandled = errors.New("bridge: the event was not handled in time")

// inboxItem is one message on its way to Matrix.
type inboxItem struct {
	portal networkid.PortalKey
	// deliver puts the message into Matrix; nil means Matrix accepted it.
	deliver func(ctx context.Context) error
	// after runs once deliver succeeded (receipts); may be nil.
	after func(ctx context.Context)
	// what names the message in the notice if it is given up.
	what string
}

// inbox is one login's ordered queue towards Matrix.
type inbox struct {
	c *Client

	// mu guards items, front, held, running and dropped.
	mu    sync.Mutex
	items []inboxItem
	// front are items of a history catch-up (backfill_catchup.go): they go
	// before every item in items; held > 0 pauses delivery meanwhile.
	front   []inboxItem
	held    int
	running bool
	// dropped counts, per portal, messages lost to the limit or given up.
	dropped map[networkid.PortalKey]int
}

// push queues an item and makes sure a worker runs.
func (ib *inbox) push(it inboxItem) {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	if len(ib.items) >= inboxLimit {
		if ib.dropped == nil {
			ib.dropped = map[networkid.PortalKey]int{}
		}
		ib.dropped[it.portal]++
		ib.c.log.Warn().Int("queued", len(ib.items)).Msg("Dropping an incoming message: too many wait for Matrix")
		return
	}
	ib.items = append(ib.items, it)
	ib.startLocked()
}

// startLocked starts a worker unless one runs, delivery is held or nothing waits.
func (ib *inbox) startLocked() {
	if !ib.running && ib.held == 0 && len(ib.front)+len(ib.items) > 0 {
		ib.running = true
		go ib.run()
	}
}

// hold pauses delivery until release is called; items still queue.
func (ib *inbox) hold() (release func()) {
	ib.mu.Lock()
	ib.held++
	ib.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			ib.mu.Lock()
			ib.held--
			ib.startLocked()
			ib.mu.Unlock()
		})
	}
}

// pushFront queues a catch-up item: after other catch-up items, before
// every other item waiting.
func (ib *inbox) pushFront(it inboxItem) {
	ib.mu.Lock()
	ib.front = append(ib.front, it)
	ib.startLocked()
	ib.mu.Unlock()
}

// run delivers items until the queue is empty.
func (ib *inbox) run() {
	ctx := ib.c.backgroundCtx()
	for {
		ib.mu.Lock()
		if ib.held > 0 || len(ib.front)+len(ib.items) == 0 {
			ib.running = false
			dropped := ib.dropped
			ib.dropped = nil
			ib.mu.Unlock()
			ib.reportDropped(ctx, dropped)
			return
		}
		queue := &ib.items
		if len(ib.front) > 0 {
			queue = &ib.front
		}
		it := (*queue)[0]
		(*queue)[0] = inboxItem{}
		*queue = (*queue)[1:]
		ib.mu.Unlock()

		if ib.deliver(ctx, it) && it.after != nil {
			it.after(ctx)
		}
	}
}

// deliver tries an item until Matrix accepts it, or gives it up when the
// homeserver answers but keeps refusing it. While the homeserver does not
// answer at all, it checks every inboxRetryMin and tries again as soon as it
// is back. It reports success.
func (ib *inbox) deliver(ctx context.Context, it inboxItem) bool {
	wait := inboxRetryMin
	refused := 0
	for {
		err := it.deliver(ctx)
		if err == nil {
			return true
		}
		if !ib.homeserverUp(ctx) {
			ib.c.log.Info().Err(err).Msg("The homeserver is down; incoming messages wait in memory until it is back")
			down, said := time.Now(), time.Now()
			for !ib.homeserverUp(ctx) {
				if time.Since(said) >= 30*time.Second {
					said = time.Now()
					ib.mu.Lock()
					waiting := len(ib.items)
					ib.mu.Unlock()
					ib.c.log.Info().Int("waiting", waiting).Int("down_for_s", int(time.Since(down).Seconds())).
						Msg("Still waiting for the homeserver")
				}
				select {
				case <-time.After(inboxRetryMin):
				case <-ctx.Done():
					return false
				}
			}
			refused, wait = 0, inboxRetryMin
			continue
		}
		refused++
		if refused >= inboxPermanentTries {
			ib.c.log.Warn().Err(err).Str("what", it.what).Msg("Giving up an incoming message the homeserver refuses")
			ib.mu.Lock()
			if ib.dropped == nil {
				ib.dropped = map[networkid.PortalKey]int{}
			}
			ib.dropped[it.portal]++
			ib.mu.Unlock()
			return false
		}
		ib.c.log.Debug().Err(err).Dur("retry_in", wait).Msg("Matrix did not take an incoming message; trying again")
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return false
		}
		wait = min(wait*2, inboxRetryMax)
	}
}

// homeserverUp reports whether the homeserver answers at all: one plain
// GET of /_matrix/client/versions with a short timeout (mautrix's own client
// would retry for about a minute first).
func (ib *inbox) homeserverUp(ctx context.Context) bool {
	mc, ok := ib.c.conn.Bridge.Matrix.(*matrix.Connector)
	if !ok || mc.AS == nil {
		return true
	}
	cli := mc.AS.BotClient()
	if cli == nil || cli.HomeserverURL == nil || cli.Client == nil {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cli.HomeserverURL.JoinPath("/_matrix/client/versions").String(), nil)
	if err != nil {
		return true
	}
	resp, err := cli.Client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode < 500
}

// reportDropped tells the user, per portal, how many messages were lost.
func (ib *inbox) reportDropped(ctx context.Context, dropped map[networkid.PortalKey]int) {
	for key, n := range dropped {
		portal, err := ib.c.conn.Bridge.GetExistingPortalByKey(ctx, key)
		if err != nil || portal == nil || portal.MXID == "" {
			ib.c.log.Warn().Int("count", n).Msg("Incoming messages were lost and there is no portal to say so")
			continue
		}
		text := "⚠️ " + strconv.Itoa(n) + " messages from this contact could not be shown here: Matrix did not accept them in time. They were not confirmed to the sender."
		if n == 1 {
			text = "⚠️ A message from this contact could not be shown here: Matrix did not accept it in time. It was not confirmed to the sender."
		}
		sendBotNotice(ctx, ib.c.conn.Bridge.Bot, portal.MXID, "messages_lost", text, map[string]any{"count": n})
	}
}

// errNotAccepted says Matrix did not take a message (bridgev2 gave up sending it).
var errNotAccepted = errors.New("bridge: Matrix did not accept the message")

// deliverRemote hands a remote event to bridgev2 and waits until it was
// handled, reporting whether Matrix accepted it. A rejected message's
// database row is removed so that the next try is not taken for a duplicate.
func (c *Client) deliverRemote(ctx context.Context, evt *simplevent.Message[*incoming], contact jid.JID) error {
	portal, err := c.ensurePortal(ctx, contact)
	if err != nil {
		return err
	}
	done := make(chan bool, 1)
	evt.PostHandleFunc = func(ctx context.Context, portal *bridgev2.Portal) {
		done <- c.accepted(ctx, portal, evt)
	}
	res := c.login.QueueRemoteEvent(evt)
	if !res.Queued && !res.Success {
		select {
		case ok := <-done:
			if ok {
				return nil
			}
		default:
			if res.Error != nil {
				return res.Error
			}
			return errNotAccepted
		}
	} else {
		select {
		case ok := <-done:
			if ok {
				return nil
			}
		case <-time.After(inboxHandleTimeout):
			return errInboxUnhandled
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if evt.Type == bridgev2.RemoteEventMessage {
		if err := c.conn.Bridge.DB.Message.DeleteAllParts(ctx, portal.Receiver, evt.ID); err != nil {
			c.log.Debug().Err(err).Msg("Could not remove the row of a message Matrix did not accept")
		}
	}
	return errNotAccepted
}

// accepted reports whether bridgev2 got a message into Matrix: its row holds
// a real event ID. Edits are taken as accepted (they make no row).
func (c *Client) accepted(ctx context.Context, portal *bridgev2.Portal, evt *simplevent.Message[*incoming]) bool {
	if evt.Type != bridgev2.RemoteEventMessage {
		return true
	}
	row, err := c.conn.Bridge.DB.Message.GetFirstPartByID(ctx, portal.Receiver, evt.ID)
	return err == nil && row != nil && row.MXID != "" && !row.HasFakeMXID()
}
