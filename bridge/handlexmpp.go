package bridge

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"
	"go.mau.fi/util/random"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/networkid"
	"maunium.net/go/mautrix/bridgev2/simplevent"
	"maunium.net/go/mautrix/event"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// chatPeer returns the contact a message belongs to and whether the account
// itself sent it (a XEP-0280 sent carbon).
func (c *Client) chatPeer(from, to jid.JID, carbon xmppad.Carbon) (contact jid.JID, fromMe bool) {
	if carbon == xmppad.CarbonSent {
		return to.Bare(), true
	}
	return from.Bare(), false
}

// sender describes who sent an event in a DM portal.
func (c *Client) sender(contact jid.JID, fromMe bool) bridgev2.EventSender {
	if fromMe {
		// Without double puppeting bridgev2 falls back to a ghost of the account itself.
		return bridgev2.EventSender{IsFromMe: true, SenderLogin: c.login.ID, Sender: makeUserID(c.self)}
	}
	return makeEventSender(contact)
}

// HandleMessage bridges an XMPP message (or a carbon of one) into its DM portal.
func (c *Client) HandleMessage(m *xmppad.Message) {
	switch m.Type {
	case stanza.GroupChatMessage, stanza.HeadlineMessage:
		return // group chats and headlines are not bridged
	case stanza.ErrorMessage:
		c.handleMessageError(m)
		return
	}
	c.notePosition(m)
	contact, fromMe := c.chatPeer(m.From, m.To, m.Carbon)
	if contact.Equal(c.self) || contact.Localpart() == "" {
		return // messages to ourselves or from servers are not chats
	}
	if m.Reactions != nil {
		c.handleXMPPReactions(contact, fromMe, m)
		return
	}
	if m.Retract != "" {
		c.handleXMPPRetract(contact, fromMe, m)
		return
	}
	if l := c.conn.otr; l != nil && m.Body != "" {
		if m.Carbon != xmppad.CarbonNone {
			if looksLikeOTR(m.Body) {
				return // OTR copied to us as a carbon belongs to another client's session
			}
		} else if !fromMe && l.receive(c, contact, m) {
			return
		}
	}
	in, ok := c.receive(contact, m)
	if !ok {
		return
	}
	c.inbox.push(c.messageItem(contact, fromMe, m, in, true))
}

// messageItem is the inbox item that bridges a message (or a XEP-0308
// correction) from or, with fromMe, to contact. Live messages get their
// receipt and markable id handled once Matrix took them; archived ones
// (history catch-up) do not. The message ID is the same both ways.
func (c *Client) messageItem(contact jid.JID, fromMe bool, m *xmppad.Message, in *incoming, live bool) inboxItem {
	stanzaID := messageStanzaID(m)
	senderJID := contact
	if fromMe {
		senderJID = c.self
	}
	ts := m.Delay
	if ts.IsZero() {
		ts = time.Now()
	}
	meta := simplevent.EventMeta{
		Type:      bridgev2.RemoteEventMessage,
		PortalKey: makePortalKey(c.login.ID, contact),
		LogContext: func(lc zerolog.Context) zerolog.Context {
			return lc.Str("contact", contact.String()).Str("stanza_id", stanzaID).Bool("from_me", fromMe)
		},
		Sender:       c.sender(contact, fromMe),
		CreatePortal: true,
		Timestamp:    ts,
	}
	var after func(context.Context)
	if live && !fromMe && m.Carbon == xmppad.CarbonNone {
		after = c.afterIncoming(m.From, contact, stanzaID, m.ReceiptRequested && m.ID != "", m.Markable && m.ID != "")
	}
	evt := &simplevent.Message[*incoming]{
		EventMeta:          meta,
		Data:               in,
		ID:                 makeMessageID(senderJID, stanzaID),
		ConvertMessageFunc: c.convertIncoming,
	}
	if m.Replace != "" {
		evt.Type = bridgev2.RemoteEventEdit
		evt.TargetMessage = makeMessageID(senderJID, m.Replace)
		evt.ConvertEditFunc = c.convertIncomingEdit
	}
	return inboxItem{
		portal:  meta.PortalKey,
		deliver: func(ctx context.Context) error { return c.deliverRemote(ctx, evt, contact) },
		after:   after,
		what:    "message",
	}
}

// messageStanzaID is the id a message is known by: its own (or XEP-0359
// origin-id), else the stanza-id our server gave it, which is also its
// archive id, so that a message without an id is the same live and in
// history; only a message with neither gets a random one.
func messageStanzaID(m *xmppad.Message) string {
	switch {
	case m.ID != "":
		return m.ID
	case m.ServerID != "":
		return m.ServerID
	}
	return "offrecord-" + random.String(16)
}

// incoming is a received message body after the per-chat layer.
type incoming struct {
	Body string
	OOB  []xmppad.OOB
	// Reply is the XEP-0461 target, if any; Unquoted is Body without its fallback quote.
	Reply    *xmppad.Reply
	Unquoted string
	// Unstyled is XEP-0393's <unstyled/>: no formatted_body.
	Unstyled bool
}

// receive decides what of a plain (non-OTR) XMPP message reaches Matrix.
// OTR messages never get here: HandleMessage hands them to the OTR layer first.
func (c *Client) receive(contact jid.JID, m *xmppad.Message) (*incoming, bool) {
	if m.Body == "" && len(m.OOB) == 0 {
		return nil, false
	}
	in := &incoming{Body: m.Body, OOB: m.OOB, Unstyled: m.Unstyled}
	setReply(in, m)
	return in, true
}

// afterIncoming answers XEP-0184 receipt requests once Matrix accepted the
// message, and remembers XEP-0333 markable messages for read receipts.
func (c *Client) afterIncoming(from, contact jid.JID, stanzaID string, receipt, markable bool) func(context.Context) {
	return func(ctx context.Context) {
		if markable {
			c.mu.Lock()
			c.markable[contact.String()] = stanzaID
			c.mu.Unlock()
		}
		if !receipt {
			return
		}
		if xc := c.xmpp(); xc != nil {
			if err := xc.SendReceipt(ctx, from, stanzaID); err != nil {
				zerolog.Ctx(ctx).Debug().Err(err).Msg("Could not send delivery receipt")
			}
		}
	}
}

// convertIncoming turns an incoming body (and attachments) into Matrix message parts.
func (c *Client) convertIncoming(ctx context.Context, portal *bridgev2.Portal, intent bridgev2.MatrixAPI, in *incoming) (*bridgev2.ConvertedMessage, error) {
	var parts []*bridgev2.ConvertedMessagePart
	body := in.Body
	var replyTo *networkid.MessageOptionalPartID
	if in.Reply != nil {
		if replyTo = c.replyTarget(ctx, portal, in.Reply); replyTo != nil {
			body = in.Unquoted
		}
	}
	for i, oob := range in.OOB {
		part, err := c.reuploadAttachment(ctx, portal, intent, oob)
		if err != nil {
			zerolog.Ctx(ctx).Info().Err(err).Msg("Not bridging an attachment as a file; sending its link instead")
			if !strings.Contains(body, oob.URL) {
				link := oob.URL
				if oob.Desc != "" {
					link = oob.Desc + " " + link
				}
				body = strings.TrimSpace(body + "\n" + link)
			}
			continue
		}
		part.ID = networkid.PartID(fmt.Sprintf("file%d", i))
		parts = append(parts, part)
		// The usual XEP-0066 fallback body is the URL itself: drop it once the file is bridged.
		body = strings.TrimSpace(strings.Replace(body, oob.URL, "", 1))
	}
	if body != "" || len(parts) == 0 {
		var text []*bridgev2.ConvertedMessagePart
		for i, chunk := range splitText(body, maxEventText) {
			part := &bridgev2.ConvertedMessagePart{Type: event.EventMessage, Content: styledText(chunk, in.Unstyled)}
			if i == 0 {
				part.Content = styledContent(chunk, in.Unstyled)
			} else {
				part.ID = networkid.PartID(fmt.Sprintf("text%d", i))
			}
			text = append(text, part)
		}
		parts = append(text, parts...)
	}
	return &bridgev2.ConvertedMessage{Parts: parts, ReplyTo: replyTo}, nil
}

// maxEventText is the most text put in one Matrix event: events are limited
// to 64 KiB in all, so longer XMPP messages become several events.
const maxEventText = 32 << 10

// splitText cuts s into pieces of at most n bytes, after a newline where
// there is one in the second half of a piece, never inside a UTF-8 sequence.
// The pieces joined are s.
func splitText(s string, n int) []string {
	var out []string
	for len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if nl := strings.LastIndexByte(s[:cut], '\n'); nl >= n/2 {
			cut = nl + 1
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}

// convertIncomingEdit turns a XEP-0308 correction into a Matrix edit of the first part.
func (c *Client) convertIncomingEdit(ctx context.Context, portal *bridgev2.Portal, intent bridgev2.MatrixAPI, existing []*database.Message, in *incoming) (*bridgev2.ConvertedEdit, error) {
	if len(existing) == 0 {
		return nil, fmt.Errorf("no message to edit")
	}
	return &bridgev2.ConvertedEdit{ModifiedParts: []*bridgev2.ConvertedEditPart{{
		Part:    existing[0],
		Type:    event.EventMessage,
		Content: styledContent(in.Body, in.Unstyled),
	}}}, nil
}

// HandleChatState maps XEP-0085 chat states to Matrix typing notifications.
func (c *Client) HandleChatState(from jid.JID, s xmppad.ChatState, carbon xmppad.Carbon) {
	if carbon != xmppad.CarbonNone {
		return // our own other clients typing is not shown
	}
	contact := from.Bare()
	timeout := time.Duration(0)
	if s == xmppad.ChatComposing {
		timeout = typingTimeout
	}
	c.login.QueueRemoteEvent(&simplevent.Typing{
		EventMeta: simplevent.EventMeta{
			Type:      bridgev2.RemoteEventTyping,
			PortalKey: makePortalKey(c.login.ID, contact),
			Sender:    makeEventSender(contact),
		},
		Timeout: timeout,
		Type:    bridgev2.TypingTypeText,
	})
}

// HandleReceipt maps a XEP-0184 receipt to a Matrix delivery receipt.
func (c *Client) HandleReceipt(from jid.JID, id string) {
	contact := from.Bare()
	target := makeMessageID(c.self, id)
	c.login.QueueRemoteEvent(&simplevent.Receipt{
		EventMeta: simplevent.EventMeta{
			Type:      bridgev2.RemoteEventDeliveryReceipt,
			PortalKey: makePortalKey(c.login.ID, contact),
			Sender:    makeEventSender(contact),
		},
		LastTarget: target,
		Targets:    []networkid.MessageID{target},
	})
}

// HandleDisplayed maps a XEP-0333 displayed marker to a Matrix read receipt.
// A carbon of our own marker means the user read the chat on another client.
func (c *Client) HandleDisplayed(from jid.JID, id string, carbon xmppad.Carbon) {
	contact := from.Bare()
	sender := makeEventSender(contact)
	target := makeMessageID(c.self, id)
	if carbon == xmppad.CarbonSent {
		// from is the contact the marker was sent to; it marks their message.
		sender = c.sender(contact, true)
		target = makeMessageID(contact, id)
	}
	c.login.QueueRemoteEvent(&simplevent.Receipt{
		EventMeta: simplevent.EventMeta{
			Type:      bridgev2.RemoteEventReadReceipt,
			PortalKey: makePortalKey(c.login.ID, contact),
			Sender:    sender,
		},
		LastTarget: target,
	})
}
