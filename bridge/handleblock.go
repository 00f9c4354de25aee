package bridge

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/simplevent"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

var (
	_ bridgev2.UserBlockingNetworkAPI = (*Client)(nil)
	_ bridgev2.RemoteChatInfoChange   = (*blockChange)(nil)
	_ xmppad.BlocklistHandler         = (*Client)(nil)
)

// Blocking, both ways, on the account's XEP-0191 blocklist (which the XMPP
// server enforces: it drops a blocked contact's presence, bounces their
// messages, and refuses ours to them).
//
// From Matrix: bridgev2's block (a com.beeper.block_user event in the
// portal, or the block-user / unblock-user commands there) adds the contact
// to the blocklist or takes them off it; "--report-spam" also reports them
// (XEP-0377). bridgev2 then marks the portal (com.beeper.user_blocked in its
// m.bridge state), and the bot says so in the portal.
//
// From XMPP: a change made on another client of the account reaches us as a
// blocklist push, and a change made while the bridge was away shows in the
// list it fetches on every connect. Both become a chat info change of the
// portal (the same com.beeper.user_blocked mark) and a bot notice there. A
// blocked domain or full JID has no portal of its own and changes none.

// blockNoticeKind tags the bot's block notices (NoticeKey).
const (
	blockNoticeBlocked   = "blocked"
	blockNoticeUnblocked = "unblocked"
)

// blockState remembers the blocklist changes the bridge asked for itself, so
// that the server's push of the same change is not announced a second time.
type blockState struct {
	mu   sync.Mutex      // guards mine
	mine map[string]bool // contact bare JID → the state we asked for, until its push comes
}

func (b *blockState) expect(contact jid.JID, blocked bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.mine == nil {
		b.mine = make(map[string]bool)
	}
	b.mine[contact.String()] = blocked
}

func (b *blockState) forget(contact jid.JID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.mine, contact.String())
}

// ours reports (once) whether a pushed change is the one we asked for.
func (b *blockState) ours(contact jid.JID, blocked bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	want, ok := b.mine[contact.String()]
	if ok && want == blocked {
		delete(b.mine, contact.String())
	}
	return ok && want == blocked
}

// HandleMatrixBlockUser blocks or unblocks the portal's contact on XMPP.
func (c *Client) HandleMatrixBlockUser(ctx context.Context, msg *bridgev2.MatrixBlockUser) error {
	contact, err := portalContact(msg.Portal)
	if err != nil {
		return err
	}
	xc, up := c.awaitXMPP(ctx) // while down, the block request fails with userMessage's sentence
	if xc == nil {
		return up
	}
	block := msg.Content.Block
	c.blocks.expect(contact, block)
	switch {
	case !block:
		err = xc.Unblock(ctx, contact)
	case msg.Content.ReportSpam:
		err = xc.ReportSpam(ctx, contact)
	default:
		err = xc.Block(ctx, contact)
	}
	if err != nil {
		c.blocks.forget(contact)
		return bridgev2.WrapErrorInStatus(errors.New(blockUserError(err, block))).WithIsCertain(true).WithSendNotice(true).WithErrorAsMessage()
	}
	if msg.Portal.MXID != "" {
		kind, text := blockNotice(contact, block, false)
		sendBotNotice(ctx, c.conn.Bridge.Bot, msg.Portal.MXID, kind, text, nil)
	}
	return nil
}

// blockUserError says why a block or unblock failed.
func blockUserError(err error, block bool) string {
	what := "blocked"
	if !block {
		what = "unblocked"
	}
	var se stanza.Error
	if errors.As(err, &se) {
		switch se.Condition {
		case stanza.ServiceUnavailable, stanza.FeatureNotImplemented:
			return "Your XMPP server does not offer blocking (XEP-0191): the contact was not " + what + "."
		}
		return fmt.Sprintf("The XMPP server refused: the contact was not %s (%s).", what, se.Condition)
	}
	return "The contact was not " + what + ": " + userMessage(err)
}

// blockNotice is the bot's notice for a block or unblock, done here or (remote) elsewhere.
func blockNotice(contact jid.JID, blocked, remote bool) (kind, text string) {
	where := ""
	if remote {
		where = " from another XMPP client"
	}
	if blocked {
		return blockNoticeBlocked, fmt.Sprintf("🚫 You blocked %s%s: the XMPP server no longer delivers their messages or presence, "+
			"and messages to them are not sent. `unblock-user` here unblocks them.", md(contact.String()), where)
	}
	return blockNoticeUnblocked, fmt.Sprintf("✅ You unblocked %s%s: messages go both ways again.", md(contact.String()), where)
}

// errBlocked refuses a message to a contact the user blocked.
var errBlocked = bridgev2.WrapErrorInStatus(errors.New("not sent: you blocked this contact; unblock them (`unblock-user`) to write")).
	WithIsCertain(true).WithSendNotice(true).WithErrorAsMessage()

// blockedRefusal is errBlocked for a blocked portal, else nil: the server
// would refuse the message anyway, with no word to the user.
func blockedRefusal(portal *bridgev2.Portal) error {
	if portal.UserBlocked {
		return errBlocked
	}
	return nil
}

// HandleBlocklist applies a blocklist push: another client of the account
// (or this bridge, whose own change is not announced twice) changed it.
func (c *Client) HandleBlocklist(change xmppad.BlocklistChange) {
	if !change.Blocked && len(change.JIDs) == 0 {
		go c.unblockAllPortals(c.backgroundCtx(), nil)
		return
	}
	for _, j := range change.JIDs {
		contact, ok := blockedContact(j)
		if !ok {
			continue
		}
		c.queueBlockChange(contact, change.Blocked, !c.blocks.ours(contact, change.Blocked))
	}
}

// blockedContact is the contact a blocklist item stands for: only a bare
// JID with a local part has a portal.
func blockedContact(j jid.JID) (jid.JID, bool) {
	if j.Localpart() == "" || j.Resourcepart() != "" {
		return jid.JID{}, false
	}
	return j.Bare(), true
}

// syncBlocklist fetches the blocklist after connecting: portals follow what
// changed while the bridge was away, and the server sends this resource the
// pushes of later changes.
func (c *Client) syncBlocklist(ctx context.Context) {
	xc := c.xmpp()
	if xc == nil {
		return
	}
	list, err := xc.Blocklist(ctx)
	if err != nil {
		zerolog.Ctx(ctx).Info().Err(err).Msg("Could not fetch the blocklist; blocks made elsewhere are not shown")
		return
	}
	keep := make(map[string]bool, len(list))
	for _, j := range list {
		if contact, ok := blockedContact(j); ok {
			keep[contact.String()] = true
			c.queueBlockChange(contact, true, true)
		}
	}
	c.unblockAllPortals(ctx, keep)
}

// unblockAllPortals marks the login's blocked portals unblocked, except
// those of contacts in keep.
func (c *Client) unblockAllPortals(ctx context.Context, keep map[string]bool) {
	keys, err := c.conn.Bridge.DB.Portal.GetAllBlockedDMsOf(ctx, c.login.ID)
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("Could not list blocked portals")
		return
	}
	for _, key := range keys {
		contact, err := parsePortalID(key.ID)
		if err != nil || keep[contact.String()] {
			continue
		}
		c.queueBlockChange(contact, false, !c.blocks.ours(contact, false))
	}
}

// queueBlockChange queues the portal's new block state; notify says whether
// the bot tells the user (a change they did not make through the bridge).
func (c *Client) queueBlockChange(contact jid.JID, blocked, notify bool) {
	c.login.QueueRemoteEvent(&blockChange{
		EventMeta: simplevent.EventMeta{
			Type:      bridgev2.RemoteEventChatInfoChange,
			PortalKey: makePortalKey(c.login.ID, contact),
			Sender:    c.sender(contact, true),
			LogContext: func(lc zerolog.Context) zerolog.Context {
				return lc.Str("contact", contact.String()).Bool("blocked", blocked)
			},
		},
		c: c, contact: contact, blocked: blocked, notify: notify,
	})
}

// blockChange is a remote change of a portal's block state.
type blockChange struct {
	simplevent.EventMeta
	c       *Client
	contact jid.JID
	blocked bool
	notify  bool
}

// GetChatInfoChange sets the portal's com.beeper.user_blocked, and tells the
// user when it changes.
func (e *blockChange) GetChatInfoChange(ctx context.Context, portal *bridgev2.Portal) (*bridgev2.ChatInfoChange, error) {
	if portal.UserBlocked == e.blocked {
		return nil, nil
	}
	if e.notify && portal.MXID != "" {
		kind, text := blockNotice(e.contact, e.blocked, true)
		sendBotNotice(ctx, e.c.conn.Bridge.Bot, portal.MXID, kind, text, nil)
	}
	blocked := e.blocked
	return &bridgev2.ChatInfoChange{ChatInfo: &bridgev2.ChatInfo{UserBlocked: &blocked}}, nil
}
