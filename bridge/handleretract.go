package bridge

import (
	"context"
	"errors"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/simplevent"
	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// Deletions, both ways: a Matrix redaction of one of the user's bridged
// messages goes out as a XEP-0424 retraction, and a contact's retraction of
// one of their own messages redacts its Matrix copy. XEP-0424 lets a sender
// retract only their own messages: a retraction never reaches a message of
// someone else, and a Matrix redaction of the contact's message stays in
// Matrix (the user is told). Around OTR nothing is retracted in plaintext.

var _ bridgev2.RedactionHandlingNetworkAPI = (*Client)(nil)

// errNotOwnMessage answers the redaction of a contact's message.
var errNotOwnMessage = bridgev2.WrapErrorInStatus(errors.New("only your own messages can be deleted for the contact " +
	"(XMPP retracts a message only for its sender); this one is removed here in Matrix only")).
	WithIsCertain(true).WithSendNotice(true).WithErrorAsMessage()

// HandleMatrixMessageRemove sends a redaction of the user's own message as
// a XEP-0424 retraction.
func (c *Client) HandleMatrixMessageRemove(ctx context.Context, msg *bridgev2.MatrixMessageRemove) error {
	if isRequestRow(msg.TargetMessage.ID) {
		return nil // a request notice of the bridge: nothing on XMPP
	}
	contact, err := portalContact(msg.Portal)
	if err != nil {
		return err
	}
	sender, stanzaID, ok := xmppTarget(msg.TargetMessage)
	if !ok {
		return nil // an error notice: nothing on XMPP
	}
	if !sender.Equal(c.self) {
		return errNotOwnMessage
	}
	if c.aroundOTR(contact) {
		return bridgev2.WrapErrorInStatus(errors.New("deletions are not sent while this chat is, or was, off the record: " +
			"the retraction would travel in plaintext beside the encrypted messages; the message is removed here in Matrix only")).
			WithIsCertain(true).WithSendNotice(true).WithErrorAsMessage()
	}
	xc, up := c.awaitXMPP(ctx) // while down, Send queues the retraction
	if xc == nil {
		return up
	}
	if _, err := xc.Send(ctx, xmppad.Outgoing{To: contact, Retract: stanzaID}); err != nil {
		return bridgev2.WrapErrorInStatus(errors.New(userMessage(err))).WithSendNotice(true).WithErrorAsMessage()
	}
	return nil
}

// handleXMPPRetract redacts the Matrix copy of a message its sender
// retracted. The target is looked up among the sender's own messages only,
// so a retraction naming someone else's message finds nothing and is
// dropped.
func (c *Client) handleXMPPRetract(contact jid.JID, fromMe bool, m *xmppad.Message) {
	c.inbox.push(c.retractItem(contact, fromMe, m))
}

// retractItem is the inbox item of handleXMPPRetract (also used for archived retractions).
func (c *Client) retractItem(contact jid.JID, fromMe bool, m *xmppad.Message) inboxItem {
	senderJID := contact
	if fromMe {
		senderJID = c.self
	}
	ts := m.Delay
	if ts.IsZero() {
		ts = time.Now()
	}
	key := makePortalKey(c.login.ID, contact)
	stanzaID := m.Retract
	return inboxItem{
		portal: key,
		what:   "retraction",
		deliver: func(ctx context.Context) error {
			target := c.findTarget(ctx, stanzaID, senderJID)
			if target == "" {
				zerolog.Ctx(ctx).Debug().Str("contact", contact.String()).Bool("from_me", fromMe).
					Msg("Dropping a retraction of a message the bridge does not know or the sender did not send")
				return nil
			}
			c.login.QueueRemoteEvent(&simplevent.MessageRemove{
				EventMeta: simplevent.EventMeta{
					Type:      bridgev2.RemoteEventMessageRemove,
					PortalKey: key,
					Sender:    c.sender(contact, fromMe),
					Timestamp: ts,
					LogContext: func(lc zerolog.Context) zerolog.Context {
						return lc.Str("contact", contact.String()).Bool("from_me", fromMe)
					},
				},
				TargetMessage: target,
			})
			return nil
		},
	}
}
