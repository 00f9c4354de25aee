package bridge

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/networkid"
	"maunium.net/go/mautrix/id"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// Presence subscriptions (RFC 6121 §3), the way an XMPP user expects them: a
// contact who asks to see the user's presence is shown in their portal
// (created if needed) with approve and deny, by command or by a ✅ / ❌
// reaction. Requests from contacts the user already asked (roster
// subscription "to" or a pending ask) are approved at once, and so is every
// request when network.xmpp.approve_subscriptions is on. Approving also
// asks for the contact's presence in return, so the bridge can tell whether
// they are online (OTR needs it). start-chat and the user's first message to
// a contact ask for the contact's presence too.

// subRequestPrefix starts the message ID of a subscription request notice
// (a row with no content, so that reactions to it reach us).
const subRequestPrefix = "sub-request|"

// Bounds on what a flood of requests can make the bridge do per login.
const (
	maxPendingSubscriptions = 50
	maxSubscriptionPortals  = 10 // new portals per minute for requests
)

// subscriptions is a login's pending requests, in RAM: the XMPP server
// keeps unanswered ones and delivers them again at the next login.
type subscriptions struct {
	// mu guards every field.
	mu sync.Mutex
	// pending maps a contact's bare JID to the notice row asking about it ("" while it is posted).
	pending map[string]networkid.MessageID
	// asked holds contacts we asked for their presence in this process.
	asked map[string]bool
	// portalsMade and windowStart bound portal creation for requests.
	portalsMade int
	windowStart time.Time
	// deferred counts requests left for the next login (flood), reported once.
	deferred int
}

// handleSubscription handles a presence of a subscription type from contact.
func (c *Client) handleSubscription(p *presenceFrom) {
	contact := p.contact
	switch p.typ {
	case stanza.SubscribePresence:
		c.subscriptionRequest(contact)
	case stanza.UnsubscribePresence:
		c.subs.mu.Lock()
		delete(c.subs.pending, contact.String())
		c.subs.mu.Unlock()
	}
}

// presenceFrom is the part of a presence the subscription code needs.
type presenceFrom struct {
	contact jid.JID
	typ     stanza.PresenceType
}

// subscriptionRequest decides on, or asks the user about, a contact's request.
func (c *Client) subscriptionRequest(contact jid.JID) {
	ctx := c.backgroundCtx()
	if c.conn.Config.XMPP.ApproveSubscriptions || c.askedFor(contact) {
		c.approveSubscription(ctx, contact, true)
		return
	}
	c.subs.mu.Lock()
	if _, dup := c.subs.pending[contact.String()]; dup {
		c.subs.mu.Unlock()
		return
	}
	now := time.Now()
	if now.Sub(c.subs.windowStart) > time.Minute {
		c.subs.windowStart, c.subs.portalsMade = now, 0
	}
	portal, _ := c.conn.Bridge.GetExistingPortalByKey(ctx, makePortalKey(c.login.ID, contact))
	needPortal := portal == nil || portal.MXID == ""
	if len(c.subs.pending) >= maxPendingSubscriptions || (needPortal && c.subs.portalsMade >= maxSubscriptionPortals) {
		c.subs.deferred++
		first := c.subs.deferred == 1
		c.subs.mu.Unlock()
		c.log.Warn().Str("contact", contact.String()).Msg("Too many presence subscription requests; leaving this one for the next login")
		if first {
			c.managementNotice(ctx, "⚠️ Many XMPP contacts asked to see when you are online at once. Some requests are not shown now; your XMPP server keeps them and they come back when the bridge reconnects.")
		}
		return
	}
	if needPortal {
		c.subs.portalsMade++
	}
	c.subs.pending[contact.String()] = ""
	c.subs.mu.Unlock()

	room := c.portalRoom(ctx, contact)
	if room == "" {
		c.subs.mu.Lock()
		delete(c.subs.pending, contact.String())
		c.subs.mu.Unlock()
		return
	}
	who := c.contactName(contact)
	if c.rosterName(contact) != "" {
		who += " (" + md(contact.String()) + ")"
	}
	prefix := c.conn.Bridge.Config.CommandPrefix
	text := "👤 " + who + " wants to see when you are online. Approve with `" + prefix +
		" subscription approve` or a ✅ reaction; deny with `" + prefix + " subscription deny` or ❌."
	evtID := sendBotNotice(ctx, c.conn.Bridge.Bot, room, "subscription_request", text, nil)
	if evtID == "" {
		return
	}
	row := &database.Message{
		ID:        networkid.MessageID(subRequestPrefix + string(evtID)),
		MXID:      evtID,
		Room:      makePortalKey(c.login.ID, contact),
		SenderID:  makeUserID(contact),
		Timestamp: time.Now(),
	}
	if err := c.conn.Bridge.DB.Message.Insert(ctx, row); err != nil {
		c.log.Warn().Err(err).Msg("Could not register the subscription request for reactions")
	}
	c.subs.mu.Lock()
	if _, still := c.subs.pending[contact.String()]; still {
		c.subs.pending[contact.String()] = row.ID
	}
	c.subs.mu.Unlock()
}

// askedFor reports whether the user already wants this contact's presence:
// a roster subscription "to"/"both", a pending ask, or our own request in
// this process.
func (c *Client) askedFor(contact jid.JID) bool {
	c.subs.mu.Lock()
	asked := c.subs.asked[contact.String()]
	c.subs.mu.Unlock()
	if asked {
		return true
	}
	item, ok := c.rosterItem(contact)
	if ok && (item.Subscription == "to" || item.Subscription == "both" || item.Ask == "subscribe") {
		c.subs.mu.Lock()
		c.subs.asked[contact.String()] = true
		c.subs.mu.Unlock()
		return true
	}
	return false
}

// approveSubscription answers a request and, on approval, asks for the
// contact's presence in return when we do not have it yet. It returns a
// sentence for the user when something failed.
func (c *Client) approveSubscription(ctx context.Context, contact jid.JID, approve bool) string {
	xc, _ := c.awaitXMPP(ctx) // while down, answering fails with userMessage's sentence
	if xc == nil {
		return "You are not connected to XMPP right now; the request is still waiting."
	}
	// The request stays pending until the answer is sent, so that the
	// user can answer again after a failure.
	if err := xc.ApproveSubscription(ctx, contact, approve); err != nil {
		return "Could not answer " + contact.String() + ": " + userMessage(err) + " The request is still waiting; answer it again later."
	}
	c.subs.mu.Lock()
	row := c.subs.pending[contact.String()]
	delete(c.subs.pending, contact.String())
	c.subs.mu.Unlock()
	if row != "" {
		if l := c.conn.otr; l != nil {
			l.answered(id.EventID(strings.TrimPrefix(string(row), subRequestPrefix)))
		}
		if err := c.conn.Bridge.DB.Message.DeleteAllParts(ctx, c.login.ID, row); err != nil {
			c.log.Debug().Err(err).Msg("Could not delete the subscription request row")
		}
	}
	if approve {
		c.ensureSubscribed(ctx, contact)
	}
	return ""
}

// subscriptionAnswered is the notice once a request is approved or denied.
func (c *Client) subscriptionAnswered(contact jid.JID, approved bool) (kind, text string) {
	if approved {
		return "subscription_approved", c.contactName(contact) + " can now see when you are online."
	}
	return "subscription_denied", c.contactName(contact) + " will not see when you are online."
}

// ensureSubscribed asks for a contact's presence (adding them to the roster)
// unless the user already has or asked for it.
func (c *Client) ensureSubscribed(ctx context.Context, contact jid.JID) {
	if c.askedFor(contact) {
		return
	}
	xc := c.xmpp()
	if xc == nil {
		return
	}
	c.subs.mu.Lock()
	c.subs.asked[contact.String()] = true
	c.subs.mu.Unlock()
	if err := xc.AddContact(ctx, contact, c.rosterName(contact)); err != nil {
		c.log.Debug().Err(err).Str("contact", contact.String()).Msg("Could not ask for the contact's presence")
	}
}

// pendingSubscription reports whether a contact's request awaits an answer.
func (c *Client) pendingSubscription(contact jid.JID) bool {
	c.subs.mu.Lock()
	defer c.subs.mu.Unlock()
	_, ok := c.subs.pending[contact.String()]
	return ok
}

// portalRoom returns the contact's portal room, creating the portal if needed.
func (c *Client) portalRoom(ctx context.Context, contact jid.JID) id.RoomID {
	portal, err := c.ensurePortal(ctx, contact)
	if err != nil {
		c.log.Warn().Err(err).Str("contact", contact.String()).Msg("Could not create a portal")
		return ""
	}
	return portal.MXID
}

// managementNotice posts a notice in the user's management room.
func (c *Client) managementNotice(ctx context.Context, text string) {
	room, err := c.login.User.GetManagementRoom(ctx)
	if err != nil || room == "" {
		c.log.Warn().Err(err).Msg("No management room for a notice")
		return
	}
	sendBotNotice(ctx, c.conn.Bridge.Bot, room, "notice", text, nil)
}

// plainCount is "1 message" or "N messages".
func plainCount(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
