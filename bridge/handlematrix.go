package bridge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/event"
	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/otr"
)

var (
	_ bridgev2.EditHandlingNetworkAPI        = (*Client)(nil)
	_ bridgev2.TypingHandlingNetworkAPI      = (*Client)(nil)
	_ bridgev2.ReadReceiptHandlingNetworkAPI = (*Client)(nil)
)

// errNotConnected is shown when a Matrix event cannot go out because the bridge closed the session.
var errNotConnected = bridgev2.WrapErrorInStatus(errors.New("you are not connected to XMPP; log in again")).
	WithIsCertain(true).WithSendNotice(true).WithErrorAsMessage()

// portalContact returns the contact of a DM portal.
func portalContact(portal *bridgev2.Portal) (jid.JID, error) {
	contact, err := parsePortalID(portal.ID)
	if err != nil {
		return jid.JID{}, bridgev2.WrapErrorInStatus(fmt.Errorf("this room is not an XMPP chat")).WithIsCertain(true).WithErrorAsMessage()
	}
	return contact, nil
}

// HandleMatrixMessage sends a Matrix message to the contact.
func (c *Client) HandleMatrixMessage(ctx context.Context, msg *bridgev2.MatrixMessage) (*bridgev2.MatrixMessageResponse, error) {
	contact, err := portalContact(msg.Portal)
	if err != nil {
		return nil, err
	}
	if err := blockedRefusal(msg.Portal); err != nil {
		return nil, err
	}
	// While down, OTR refuses the message and Send queues a plain one.
	xc, up := c.awaitXMPP(ctx)
	if xc == nil {
		return nil, up
	}
	if l := c.conn.otr; l != nil {
		if handled, err := l.sendFromMatrix(ctx, c, msg, contact); handled {
			if err != nil {
				return nil, err
			}
			// Sent (or held) off the record: no database row, so nothing of it is
			// kept; sendFromMatrix sends the message status.
			return &bridgev2.MatrixMessageResponse{Pending: true}, nil
		}
	}
	out := xmppad.Outgoing{To: contact, RequestReceipt: true, Markable: true, ChatState: xmppad.ChatActive}
	content := msg.Content
	switch content.MsgType {
	case event.MsgText, event.MsgNotice, event.MsgEmote:
		out.Body = matrixStyledBody(content)
	case event.MsgImage, event.MsgFile, event.MsgVideo, event.MsgAudio:
		link, err := c.uploadMatrixMedia(ctx, xc, content)
		if err != nil {
			return nil, bridgev2.WrapErrorInStatus(fmt.Errorf("the file could not be sent: %w", err)).WithSendNotice(true).WithErrorAsMessage()
		}
		out.Body = link
		out.OOB = &xmppad.OOB{URL: link}
		if caption := content.GetCaption(); caption != "" {
			out.OOB.Desc = caption
		}
	case event.MsgLocation:
		out.Body = content.Body + " " + content.GeoURI
	default:
		return nil, bridgev2.ErrUnsupportedMessageType
	}
	if msg.ReplyTo != nil {
		c.outgoingReply(ctx, msg, &out)
	}
	out.ID = xmppad.NewID()
	saved := c.sent.add(out.ID, msg.Portal.MXID, msg.Event.ID, true) // before the write: a bounce can come back at once
	id, err := c.send(ctx, xc, contact, out)
	if err != nil {
		return nil, bridgev2.WrapErrorInStatus(errors.New(userMessage(err))).WithSendNotice(true).WithErrorAsMessage()
	}
	// Writing to a contact asks for their presence, as XMPP clients do.
	go c.ensureSubscribed(c.backgroundCtx(), contact)
	return &bridgev2.MatrixMessageResponse{DB: &database.Message{
		ID:        makeMessageID(c.self, id),
		SenderID:  makeUserID(c.self),
		Timestamp: time.Now(),
	}, PostSave: saved}, nil
}

// send sends a plain (non-OTR) Matrix message or edit to a contact, escaping
// text that would look like OTR. Messages of an OTR session never get here:
// HandleMatrixMessage hands them to the OTR layer first.
func (c *Client) send(ctx context.Context, xc *xmppad.Client, contact jid.JID, out xmppad.Outgoing) (string, error) {
	out.Body = escapeOTR(out.Body)
	out.ReplyQuote = escapeOTR(out.ReplyQuote)
	if out.OOB != nil {
		out.OOB.Desc = escapeOTR(out.OOB.Desc)
	}
	return xc.Send(ctx, out)
}

// HandleMatrixEdit sends a Matrix edit as a XEP-0308 correction.
func (c *Client) HandleMatrixEdit(ctx context.Context, msg *bridgev2.MatrixEdit) error {
	contact, err := portalContact(msg.Portal)
	if err != nil {
		return err
	}
	xc, up := c.awaitXMPP(ctx) // while down, Send queues the correction
	if xc == nil {
		return up
	}
	if l := c.conn.otr; l != nil && (l.active(c, contact) || l.cfg.Policy == otr.PolicyAlways) {
		return bridgev2.WrapErrorInStatus(errors.New("edits are not sent while OTR is on")).WithIsCertain(true).WithSendNotice(true).WithErrorAsMessage()
	}
	_, stanzaID := parseMessageID(msg.EditTarget.ID)
	edited := *msg.Content
	edited.Body = strings.TrimPrefix(edited.Body, "* ")
	body := matrixStyledBody(&edited)
	out := xmppad.Outgoing{ID: xmppad.NewID(), To: contact, Body: body, Replace: stanzaID, RequestReceipt: true}
	c.sent.add(out.ID, msg.Portal.MXID, msg.Event.ID, false)
	_, err = c.send(ctx, xc, contact, out)
	if err != nil {
		return bridgev2.WrapErrorInStatus(errors.New(userMessage(err))).WithSendNotice(true).WithErrorAsMessage()
	}
	return nil
}

// HandleMatrixTyping sends XEP-0085 composing / paused.
func (c *Client) HandleMatrixTyping(ctx context.Context, msg *bridgev2.MatrixTyping) error {
	contact, err := portalContact(msg.Portal)
	if err != nil {
		return err
	}
	xc := c.xmpp()
	if xc == nil {
		return nil
	}
	state := xmppad.ChatPaused
	if msg.IsTyping {
		state = xmppad.ChatComposing
	}
	return xc.SendChatState(ctx, contact, state)
}

// HandleMatrixReadReceipt sends a XEP-0333 displayed marker for the last
// markable message the contact sent.
func (c *Client) HandleMatrixReadReceipt(ctx context.Context, msg *bridgev2.MatrixReadReceipt) error {
	contact, err := portalContact(msg.Portal)
	if err != nil {
		return err
	}
	c.mu.Lock()
	id, ok := c.markable[contact.String()]
	if ok {
		delete(c.markable, contact.String())
	}
	c.mu.Unlock()
	xc := c.xmpp()
	if !ok || xc == nil {
		return nil
	}
	return xc.SendDisplayed(ctx, contact, id)
}
