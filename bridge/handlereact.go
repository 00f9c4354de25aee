package bridge

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/networkid"
	"maunium.net/go/mautrix/bridgev2/simplevent"
	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/otr"
)

// Reactions, both ways: XEP-0444 carries a sender's whole set of reactions
// to one message each time; bridgev2 keeps one row per reaction. Incoming
// sets become a reaction sync for that sender; outgoing ones are the
// user's rows plus or minus the reaction at hand. While a conversation is,
// or was, off the record they are refused, never sent beside OTR.

// maxOwnReactions bounds the reactions of the user to one message.
const maxOwnReactions = 20

// errNotAroundOTR refuses reactions, and is the model for the other refusals around OTR.
func errNotAroundOTR(what string) error {
	return bridgev2.WrapErrorInStatus(errors.New(what + " not sent while this chat is, or was, off the record: " +
		"it would travel in plaintext beside the encrypted messages; nothing was sent to the contact")).
		WithIsCertain(true).WithSendNotice(true).WithErrorAsMessage()
}

// aroundOTR reports whether a conversation is, or was, off the record (a
// session pending, encrypted, finished or lost, or a policy that requires
// OTR): reactions, replies' metadata and retractions are not sent in
// plaintext there.
func (c *Client) aroundOTR(contact jid.JID) bool {
	l := c.conn.otr
	if l == nil {
		return false
	}
	key := otrKey{c.login.ID, contact.String()}
	if l.lostReason(key) != "" || l.cfg.Policy == otr.PolicyAlways {
		return true
	}
	return l.mgr.Status(string(key.login), key.contact).State != otr.StatePlaintext
}

// isRequestRow reports whether a message ID is one of the bridge's own
// request notices (OTR invitation, subscription request), not an XMPP message.
func isRequestRow(msgID networkid.MessageID) bool {
	return strings.HasPrefix(string(msgID), otrInvitePrefix) || strings.HasPrefix(string(msgID), subRequestPrefix)
}

// xmppTarget returns the stanza id of a bridged XMPP message, or false for
// rows that are not XMPP messages (request notices, error notices).
func xmppTarget(msg *database.Message) (sender jid.JID, stanzaID string, ok bool) {
	if msg == nil || isRequestRow(msg.ID) {
		return jid.JID{}, "", false
	}
	s, stanzaID := parseMessageID(msg.ID)
	j, err := parseBareJID(s)
	if err != nil || stanzaID == "" || strings.HasPrefix(stanzaID, "error-") {
		return jid.JID{}, "", false
	}
	return j, stanzaID, true
}

// preHandleReaction checks a reaction to an ordinary message.
func (c *Client) preHandleReaction(msg *bridgev2.MatrixReaction) (bridgev2.MatrixReactionPreResponse, error) {
	contact, err := portalContact(msg.Portal)
	if err != nil {
		return bridgev2.MatrixReactionPreResponse{}, err
	}
	if _, _, ok := xmppTarget(msg.TargetMessage); !ok {
		return bridgev2.MatrixReactionPreResponse{}, errReactionsNotBridged
	}
	if c.aroundOTR(contact) {
		return bridgev2.MatrixReactionPreResponse{}, errNotAroundOTR("Reactions are")
	}
	emoji := msg.Content.RelatesTo.Key
	return bridgev2.MatrixReactionPreResponse{SenderID: makeUserID(c.self), EmojiID: networkid.EmojiID(emoji),
		Emoji: emoji, MaxReactions: maxOwnReactions}, nil
}

// sendReactions sends the user's whole set of reactions to one message.
func (c *Client) sendReactions(ctx context.Context, portal *bridgev2.Portal, target *database.Message, set []string) error {
	contact, err := portalContact(portal)
	if err != nil {
		return err
	}
	_, stanzaID, ok := xmppTarget(target)
	if !ok {
		return errReactionsNotBridged
	}
	if c.aroundOTR(contact) {
		return errNotAroundOTR("Reactions are")
	}
	xc, up := c.awaitXMPP(ctx) // while down, Send queues the reactions
	if xc == nil {
		return up
	}
	if _, err := xc.Send(ctx, xmppad.Outgoing{To: contact, Reactions: &xmppad.Reactions{ID: stanzaID, Emoji: set}}); err != nil {
		return bridgev2.WrapErrorInStatus(errors.New(userMessage(err))).WithSendNotice(true).WithErrorAsMessage()
	}
	return nil
}

// handleReaction sends a new reaction with the ones the user keeps.
func (c *Client) handleReaction(ctx context.Context, msg *bridgev2.MatrixReaction) error {
	var set []string
	for _, r := range msg.ExistingReactionsToKeep {
		set = append(set, string(r.EmojiID)) // the emoji ID is the emoji (bridgev2 keeps Emoji empty then)
	}
	return c.sendReactions(ctx, msg.Portal, msg.TargetMessage, append(set, msg.PreHandleResp.Emoji))
}

// handleReactionRemove sends the user's set without the removed reaction.
func (c *Client) handleReactionRemove(ctx context.Context, msg *bridgev2.MatrixReactionRemove) error {
	removed := msg.TargetReaction
	target, err := c.conn.Bridge.DB.Message.GetFirstPartByID(ctx, c.login.ID, removed.MessageID)
	if err != nil {
		return err
	}
	if target == nil {
		return nil // the message is gone: nothing to take back
	}
	all, err := c.conn.Bridge.DB.Reaction.GetAllToMessageBySender(ctx, c.login.ID, removed.MessageID, removed.SenderID)
	if err != nil {
		return err
	}
	set := []string{}
	for _, r := range all {
		if r.EmojiID != removed.EmojiID {
			set = append(set, string(r.EmojiID))
		}
	}
	return c.sendReactions(ctx, msg.Portal, target, set)
}

// handleXMPPReactions bridges a XEP-0444 set into Matrix as a reaction sync
// of its sender. The reactions element names a message by its stanza id
// only, so the target is looked up among the contact's messages and the
// user's; one the bridge never saw (e.g. off the record) is dropped.
func (c *Client) handleXMPPReactions(contact jid.JID, fromMe bool, m *xmppad.Message) {
	c.inbox.push(c.reactionsItem(contact, fromMe, m))
}

// reactionsItem is the inbox item of handleXMPPReactions (also used for archived reactions).
func (c *Client) reactionsItem(contact jid.JID, fromMe bool, m *xmppad.Message) inboxItem {
	r := m.Reactions
	sender := c.sender(contact, fromMe)
	senderID := makeUserID(contact)
	if fromMe {
		senderID = makeUserID(c.self)
	}
	ts := m.Delay
	if ts.IsZero() {
		ts = time.Now()
	}
	var reactions []*bridgev2.BackfillReaction
	for _, e := range r.Emoji {
		reactions = append(reactions, &bridgev2.BackfillReaction{Sender: sender, EmojiID: networkid.EmojiID(e), Emoji: e, Timestamp: ts})
	}
	key := makePortalKey(c.login.ID, contact)
	return inboxItem{
		portal: key,
		what:   "reaction",
		deliver: func(ctx context.Context) error {
			target := c.findTarget(ctx, r.ID, c.self, contact)
			if target == "" {
				zerolog.Ctx(ctx).Debug().Str("contact", contact.String()).Msg("Dropping reactions to a message the bridge does not know")
				return nil
			}
			c.login.QueueRemoteEvent(&simplevent.ReactionSync{
				EventMeta: simplevent.EventMeta{
					Type:      bridgev2.RemoteEventReactionSync,
					PortalKey: key,
					Sender:    sender,
					Timestamp: ts,
					LogContext: func(lc zerolog.Context) zerolog.Context {
						return lc.Str("contact", contact.String()).Bool("from_me", fromMe).Int("reactions", len(reactions))
					},
				},
				TargetMessage: target,
				Reactions: &bridgev2.ReactionSyncData{Users: map[networkid.UserID]*bridgev2.ReactionSyncUser{
					senderID: {Reactions: reactions, HasAllReactions: true},
				}},
			})
			return nil
		},
	}
}

// findTarget returns the message ID of the first of the senders' messages
// with the stanza id that the bridge has, or "".
func (c *Client) findTarget(ctx context.Context, stanzaID string, senders ...jid.JID) networkid.MessageID {
	for _, s := range senders {
		msgID := makeMessageID(s, stanzaID)
		if row, err := c.conn.Bridge.DB.Message.GetFirstPartByID(ctx, c.login.ID, msgID); err == nil && row != nil {
			return msgID
		}
	}
	return ""
}
