package bridge

import (
	"context"

	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/networkid"
	"maunium.net/go/mautrix/event"
	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// Replies, both ways: XEP-0461 names the message answered, and its XEP-0428
// fallback quotes it at the start of the body for clients without replies.
// Incoming, the fallback is cut once the message answered is found (else
// the message comes as it is, quote and all); outgoing, the quote is taken
// from the Matrix event answered. Off the record a reply goes as its text
// only, inside OTR (otrsend.go): no reply element, no quote beside it.

// maxQuote bounds the quoted text put in front of an outgoing reply (code points).
const maxQuote = 200

// setReply keeps a received reply's target and its body without the fallback.
func setReply(in *incoming, m *xmppad.Message) {
	if m.Reply == nil {
		return
	}
	in.Reply = m.Reply
	in.Unquoted = m.Body
	if m.HasFallback(xmppad.NSReply) {
		in.Unquoted = m.BodyWithout(xmppad.NSReply)
	}
}

// replyTarget returns the message an incoming reply answers, or nil when
// the bridge does not know it (then the message keeps its fallback quote).
func (c *Client) replyTarget(ctx context.Context, portal *bridgev2.Portal, r *xmppad.Reply) *networkid.MessageOptionalPartID {
	contact, err := parsePortalID(portal.ID)
	if err != nil {
		return nil
	}
	senders := []jid.JID{contact, c.self}
	switch {
	case r.To.Bare().Equal(c.self):
		senders = []jid.JID{c.self}
	case r.To.Bare().Equal(contact):
		senders = []jid.JID{contact}
	}
	target := c.findTarget(ctx, r.ID, senders...)
	if target == "" {
		return nil
	}
	return &networkid.MessageOptionalPartID{MessageID: target}
}

// outgoingReply adds XEP-0461 (and, for text, its quote) to a plain message
// answering a bridged XMPP message; replies to anything else go as plain
// messages.
func (c *Client) outgoingReply(ctx context.Context, msg *bridgev2.MatrixMessage, out *xmppad.Outgoing) {
	sender, stanzaID, ok := xmppTarget(msg.ReplyTo)
	if !ok {
		return
	}
	out.Reply = &xmppad.Reply{To: sender, ID: stanzaID}
	switch msg.Content.MsgType {
	case event.MsgText, event.MsgNotice, event.MsgEmote:
		out.ReplyQuote = c.quoteOf(ctx, msg.Portal, msg.ReplyTo)
	}
}

// quoteOf returns the text of a bridged message from its Matrix event, cut
// to maxQuote, or "" when it cannot be read.
func (c *Client) quoteOf(ctx context.Context, portal *bridgev2.Portal, target *database.Message) string {
	if target.MXID == "" || portal.MXID == "" {
		return ""
	}
	evt, err := c.conn.Bridge.Bot.GetEvent(ctx, portal.MXID, target.MXID)
	if err != nil || evt == nil {
		return ""
	}
	content, ok := evt.Content.Parsed.(*event.MessageEventContent)
	if !ok {
		return ""
	}
	content.RemoveReplyFallback()
	text := content.Body
	if content.MsgType == event.MsgEmote {
		text = "/me " + text
	}
	if r := []rune(text); len(r) > maxQuote {
		text = string(r[:maxQuote]) + "…"
	}
	return text
}
