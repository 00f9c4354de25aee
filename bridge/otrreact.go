package bridge

import (
	"context"
	"errors"
	"strings"
	"time"

	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/networkid"
	"maunium.net/go/mautrix/id"
)

var _ bridgev2.ReactionHandlingNetworkAPI = (*Client)(nil)

// otrInvitePrefix starts the message ID of an OTR invitation notice. The
// notice gets a database row (holding no message content) only so that
// bridgev2 passes reactions to it on to us: ✅ accepts, ❌ declines.
const otrInvitePrefix = "otr-invite|"

// errReactionsNotBridged is the status of reactions to what is not an XMPP
// message (an error notice), or to an OTR invitation without OTR.
var errReactionsNotBridged = bridgev2.WrapErrorInStatus(errors.New("reactions to this are not bridged to XMPP")).
	WithIsCertain(true).WithSendNotice(false).WithErrorAsMessage()

// acceptEmoji and denyEmoji answer an OTR invitation.
var (
	acceptEmoji = map[string]bool{"✅": true, "✔️": true, "✔": true, "👍": true}
	denyEmoji   = map[string]bool{"❌": true, "✖️": true, "✖": true, "👎": true}
)

// registerInvite gives an invitation notice a database row so reactions reach us.
func (l *otrLayer) registerInvite(ctx context.Context, key otrKey, evtID id.EventID) {
	contact, err := parseBareJID(key.contact)
	if err != nil || evtID == "" {
		return
	}
	row := &database.Message{
		ID:        networkid.MessageID(otrInvitePrefix + string(evtID)),
		MXID:      evtID,
		Room:      makePortalKey(key.login, contact),
		SenderID:  makeUserID(contact),
		Timestamp: time.Now(),
	}
	if err := l.conn.Bridge.DB.Message.Insert(ctx, row); err != nil {
		l.log.Warn().Err(err).Msg("Could not register the OTR invitation for reactions")
		return
	}
	l.mu.Lock()
	l.chatLocked(key).invite = row.ID
	l.mu.Unlock()
}

// dropInvite forgets the invitation row once the request is answered or gone.
func (l *otrLayer) dropInvite(ctx context.Context, key otrKey) {
	l.mu.Lock()
	var invite networkid.MessageID
	if ch := l.chats[key]; ch != nil {
		invite, ch.invite = ch.invite, ""
	}
	l.mu.Unlock()
	if invite == "" {
		return
	}
	l.answered(id.EventID(strings.TrimPrefix(string(invite), otrInvitePrefix)))
	if err := l.conn.Bridge.DB.Message.DeleteAllParts(ctx, key.login, invite); err != nil {
		l.log.Debug().Err(err).Msg("Could not delete the OTR invitation row")
	}
}

// PreHandleMatrixReaction answers OTR invitations and subscription
// requests by reaction (those are routed first); other reactions go to
// XMPP as XEP-0444 reactions (handlereact.go).
func (c *Client) PreHandleMatrixReaction(ctx context.Context, msg *bridgev2.MatrixReaction) (bridgev2.MatrixReactionPreResponse, error) {
	// The reaction row names the account's own ghost as its sender: make
	// sure that ghost has its row, or the reaction is not saved.
	if _, err := c.conn.Bridge.GetGhostByID(ctx, makeUserID(c.self)); err != nil {
		return bridgev2.MatrixReactionPreResponse{}, err
	}
	if strings.HasPrefix(string(msg.TargetMessage.ID), subRequestPrefix) {
		return c.reactToSubscription(ctx, msg)
	}
	if !strings.HasPrefix(string(msg.TargetMessage.ID), otrInvitePrefix) {
		return c.preHandleReaction(msg)
	}
	l := c.conn.otr
	if l == nil {
		return bridgev2.MatrixReactionPreResponse{}, errReactionsNotBridged
	}
	contact, err := portalContact(msg.Portal)
	if err != nil {
		return bridgev2.MatrixReactionPreResponse{}, err
	}
	emoji := msg.Content.RelatesTo.Key
	if !acceptEmoji[emoji] && !denyEmoji[emoji] {
		return bridgev2.MatrixReactionPreResponse{}, bridgev2.WrapErrorInStatus(errors.New("react ✅ to accept or ❌ to decline")).
			WithIsCertain(true).WithSendNotice(true).WithErrorAsMessage()
	}
	qctx, cancel := quietCtx()
	defer cancel()
	if kind, text := l.answer(qctx, c, msg.Portal, contact, acceptEmoji[emoji]); kind != "" {
		sendBotNoticeLogged(qctx, &c.log, c.conn.Bridge.Bot, msg.Portal.MXID, kind, text, nil)
		return bridgev2.MatrixReactionPreResponse{}, bridgev2.WrapErrorInStatus(errors.New(text)).WithIsCertain(true).WithSendNotice(false)
	}
	return bridgev2.MatrixReactionPreResponse{SenderID: makeUserID(c.self), EmojiID: networkid.EmojiID(emoji), Emoji: emoji}, nil
}

// HandleMatrixReaction keeps an answering reaction (nothing goes to XMPP)
// and sends any other as the user's new set of XEP-0444 reactions.
func (c *Client) HandleMatrixReaction(ctx context.Context, msg *bridgev2.MatrixReaction) (*database.Reaction, error) {
	if isRequestRow(msg.TargetMessage.ID) {
		return &database.Reaction{}, nil
	}
	if err := c.handleReaction(ctx, msg); err != nil {
		return nil, err
	}
	return &database.Reaction{}, nil
}

// HandleMatrixReactionRemove has nothing to undo for an answering
// reaction; for others it sends the user's remaining set.
func (c *Client) HandleMatrixReactionRemove(ctx context.Context, msg *bridgev2.MatrixReactionRemove) error {
	if isRequestRow(msg.TargetReaction.MessageID) {
		return nil
	}
	return c.handleReactionRemove(ctx, msg)
}

// reactToSubscription approves (✅ 👍) or denies (❌ 👎) a presence
// subscription request by reaction.
func (c *Client) reactToSubscription(ctx context.Context, msg *bridgev2.MatrixReaction) (bridgev2.MatrixReactionPreResponse, error) {
	contact, err := portalContact(msg.Portal)
	if err != nil {
		return bridgev2.MatrixReactionPreResponse{}, err
	}
	emoji := msg.Content.RelatesTo.Key
	if !acceptEmoji[emoji] && !denyEmoji[emoji] {
		return bridgev2.MatrixReactionPreResponse{}, bridgev2.WrapErrorInStatus(errors.New("react ✅ to approve or ❌ to deny")).
			WithIsCertain(true).WithSendNotice(true).WithErrorAsMessage()
	}
	qctx, cancel := quietCtx()
	defer cancel()
	approve := acceptEmoji[emoji]
	if why := c.approveSubscription(qctx, contact, approve); why != "" {
		sendBotNoticeLogged(qctx, &c.log, c.conn.Bridge.Bot, msg.Portal.MXID, "error", why, nil)
		return bridgev2.MatrixReactionPreResponse{}, bridgev2.WrapErrorInStatus(errors.New(why)).WithIsCertain(true).WithSendNotice(false)
	}
	kind, text := c.subscriptionAnswered(contact, approve)
	sendBotNoticeLogged(qctx, &c.log, c.conn.Bridge.Bot, msg.Portal.MXID, kind, text, nil)
	return bridgev2.MatrixReactionPreResponse{SenderID: makeUserID(c.self), EmojiID: networkid.EmojiID(emoji), Emoji: emoji}, nil
}
