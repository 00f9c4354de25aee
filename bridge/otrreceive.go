package bridge

import (
	"context"
	"errors"

	"maunium.net/go/mautrix/event"
	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/otr"
)

// The receiving side of OTR: XMPP messages that are OTR go to the Manager;
// what it decrypts is posted in the portal from the buddy's ghost, with no
// database row, through the login's inbox.

// looksLikeOTR reports whether a body is OTR protocol text (otr.LooksLikeOTR).
func looksLikeOTR(body string) bool { return otr.LooksLikeOTR(body) }

// receive hands an incoming chat message to OTR. It returns true when the
// message was OTR and has been dealt with; otherwise the caller bridges
// m.Body (which receive may have replaced, e.g. with a tag removed) as usual.
func (l *otrLayer) receive(c *Client, contact jid.JID, m *xmppad.Message) bool {
	key := otrKey{c.login.ID, contact.String()}
	isOTR := looksLikeOTR(m.Body)
	if isOTR {
		l.setPeer(key, m.From)
	}
	in, err := l.mgr.Receive(string(key.login), key.contact, m.Body)
	if err != nil {
		// The manager has reported it (an event, and an OTR error to the peer as libotr does).
		return true
	}
	if !in.OTR {
		return false
	}
	if len(in.Plaintext) == 0 {
		return true
	}
	if !in.Encrypted {
		m.Body = string(in.Plaintext)
		return false
	}
	l.confirmed(key)
	l.deliver(c, key, contact, string(in.Plaintext))
	return true
}

// deliver posts decrypted OTR plaintext in the portal from the buddy's
// ghost, with the key icon, and remembers the event for redaction. It
// bypasses bridgev2's message pipeline so that no database row is written,
// but goes through the login's inbox so that it keeps its place among
// plain messages and waits (in RAM) while the homeserver is down.
func (l *otrLayer) deliver(c *Client, key otrKey, contact jid.JID, plaintext string) {
	c.inbox.push(inboxItem{
		portal: makePortalKey(key.login, contact),
		what:   "OTR message",
		deliver: func(context.Context) error {
			return l.post(key, contact, plaintext)
		},
	})
}

// post sends one OTR plaintext to Matrix; an error means try again.
func (l *otrLayer) post(key otrKey, contact jid.JID, plaintext string) error {
	if l.lostReason(key) != "" {
		return nil // OTR ended here (e.g. a third member): nothing more is posted off the record
	}
	ctx, cancel := quietCtx()
	defer cancel()
	room := l.room(ctx, key)
	if room == "" {
		room = l.ensurePortal(ctx, key)
	}
	if room == "" {
		return errors.New("bridge: no portal for an OTR message")
	}
	ghost, err := l.conn.Bridge.GetGhostByID(ctx, makeUserID(contact))
	if err != nil || ghost == nil {
		return errors.New("bridge: no ghost for an OTR message")
	}
	defer l.megolm.beforePost(ctx, key, room)()
	st := l.mgr.Status(string(key.login), key.contact)
	for _, content := range otrMessageContents(plaintext) {
		resp, err := ghost.Intent.SendMessage(ctx, room, event.EventMessage, &event.Content{
			Parsed: content,
			Raw: map[string]any{NoticeKey: map[string]any{
				"encrypted": true,
				"verified":  st.Verified || st.Trusted,
				"version":   st.Version,
			}},
		}, nil)
		if err != nil {
			l.log.Warn().Err(err).Str("contact", key.contact).Msg("Could not post an OTR message in Matrix")
			return err
		}
		l.remember(key, room, resp.EventID)
	}
	return nil
}

// otrMessageContents is otrMessageContent for each piece of a long
// plaintext (Matrix events are limited to 64 KiB).
func otrMessageContents(plaintext string) []*event.MessageEventContent {
	pieces := splitText(plaintext, maxEventText/2)
	out := make([]*event.MessageEventContent, 0, len(pieces))
	for i, p := range pieces {
		c := otrMessageContent(p)
		if i > 0 {
			c.MsgType = event.MsgText
		}
		out = append(out, c)
	}
	return out
}

// otrMessageContent marks OTR plaintext with the key icon, bold in HTML,
// with its XEP-0393 styling rendered as for plain messages (format.go).
func otrMessageContent(plaintext string) *event.MessageEventContent {
	msgType, body := matrixText(plaintext)
	content := &event.MessageEventContent{MsgType: msgType, Body: "🔑 " + body}
	if formatted := textHTML(body); formatted != "" {
		content.Format, content.FormattedBody = event.FormatHTML, "🔑 <strong>"+formatted+"</strong>"
	}
	return content
}
