package bridge

import (
	"context"
	"errors"
	"strings"

	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/event"
	"mellium.im/xmpp/jid"

	"github.com/offrecord/offrecord/otr"
)

// The sending side of OTR: Matrix messages of a conversation that is, or
// was, off the record go through the Manager (encrypted, held or refused,
// never plaintext where encryption is expected), and get their message
// status from here.

// errOTRFiles refuses files while OTR is on: they would leave the OTR channel.
var errOTRFiles = bridgev2.WrapErrorInStatus(errors.New("files cannot be sent off the record; end OTR first")).
	WithIsCertain(true).WithSendNotice(true).WithErrorAsMessage()

// sendFromMatrix sends a Matrix message through OTR when a session exists,
// the policy asks for it, or the conversation was off the record and is now
// lost (then it is refused). handled is false when the message should go out
// the usual way (no OTR involved). It never sends plaintext where encryption
// is expected. For handled messages it sends the Matrix message status
// itself: at once when sent, later for a message held during a key exchange
// (sent when it goes out encrypted, failed when it is dropped).
func (l *otrLayer) sendFromMatrix(ctx context.Context, c *Client, msg *bridgev2.MatrixMessage, contact jid.JID) (handled bool, err error) {
	key := otrKey{c.login.ID, contact.String()}
	if !l.waitGate(ctx, key) {
		return true, otrRefusal("Not sent: your request to go off the record is still being handled. Send it again in a moment.")
	}
	st := l.mgr.Status(string(key.login), key.contact)
	if st.State == otr.StatePlaintext {
		if reason := l.lostReason(key); reason != "" {
			return true, l.refuse(key, reason)
		}
		if l.cfg.Policy == otr.PolicyManual || l.cfg.Policy == otr.PolicyNever {
			return false, nil
		}
	}
	if _, up := c.awaitXMPP(ctx); up != nil {
		// Never queued while the connection is down: after a reconnect the
		// buddy may be offline for a while, its server would store some of
		// the queued OTR messages and deliver later ones first, and OTR
		// cannot read messages out of order — the message would be lost
		// after a success status.
		return true, bridgev2.WrapErrorInStatus(errors.New(otrDisconnectedText)).WithStatus(event.MessageStatusFail).
			WithIsCertain(true).WithSendNotice(true).WithErrorAsMessage()
	}
	var body string
	switch msg.Content.MsgType {
	case event.MsgText, event.MsgNotice, event.MsgEmote:
		body = matrixStyledBody(msg.Content) // styled text inside OTR, as in plain messages
	default:
		return true, errOTRFiles
	}
	info := bridgev2.StatusEventInfoFromEvent(msg.Event)
	// Recorded before the send: the buddy's answer (or its sign that it
	// cannot read us) may be handled before SendOutcome returns.
	l.mu.Lock()
	ch := l.chatLocked(key)
	ch.held = append(ch.held, info)
	l.mu.Unlock()
	l.noteSent(key, info)
	outcome, err := l.mgr.SendOutcome(string(key.login), key.contact, []byte(body))
	if err != nil || outcome != otr.Held {
		l.unhold(key, info)
	}
	stillOurs := l.unconfirm(key, info, err == nil && outcome == otr.SentEncrypted)
	if err != nil {
		if !errors.Is(err, otr.ErrFinished) { // the finished notice already says so
			qctx, cancel := quietCtx()
			defer cancel()
			l.notice(qctx, key, "refused", "Your message was not sent: "+otrUserError(err), map[string]any{"state": st.State.String()})
		}
		return true, otrRefusal(otrUserError(err))
	}
	if outcome == otr.SentEncrypted || outcome == otr.Held {
		l.remember(key, msg.Portal.MXID, msg.Event.ID)
	}
	switch {
	case outcome == otr.SentPlain:
		l.conn.Bridge.Matrix.SendMessageStatus(l.statusCtx(), &bridgev2.MessageStatus{Status: event.MessageStatusSuccess, IsCertain: true}, info)
	case outcome == otr.SentEncrypted && stillOurs:
		// Not already marked failed by a sign that the buddy cannot read us.
		l.conn.Bridge.Matrix.SendMessageStatus(l.statusCtx(), &bridgev2.MessageStatus{Status: event.MessageStatusSuccess, IsCertain: true}, info)
		go l.markOwn(key, info)
	}
	return true, nil
}

// refuse fails a Matrix message in a lost conversation; the first refusal
// of an episode also explains in a notice, later ones only fail.
func (l *otrLayer) refuse(key otrKey, reason string) error {
	l.announceLost(key, reason)
	return otrRefusal("Not sent: the off-the-record conversation ended. Start OTR again or end it to write without encryption.")
}

// otrRefusal is the message status of a Matrix message OTR did not send:
// failed for good (retrying would not help), with the reason and no extra
// notice from bridgev2.
// otrDisconnectedText refuses an OTR message while the XMPP connection is down.
var otrDisconnectedText = "Not sent: the connection to the XMPP server is down, and messages off the record are never queued. Send it again once the bridge is connected."

func otrRefusal(reason string) error {
	return bridgev2.WrapErrorInStatus(errors.New(reason)).WithStatus(event.MessageStatusFail).
		WithIsCertain(true).WithSendNotice(false).WithErrorAsMessage()
}

// unhold removes one held message's status record (it was not held after all).
func (l *otrLayer) unhold(key otrKey, info *bridgev2.MessageStatusEventInfo) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := l.chats[key]
	if ch == nil {
		return
	}
	for i, h := range ch.held {
		if h == info {
			ch.held = append(ch.held[:i], ch.held[i+1:]...)
			return
		}
	}
}

// resolveHeld sends the message status of every held message: sent, or
// failed with reason.
func (l *otrLayer) resolveHeld(key otrKey, sent bool, reason string) {
	l.mu.Lock()
	var held []*bridgev2.MessageStatusEventInfo
	if ch := l.chats[key]; ch != nil {
		held, ch.held = ch.held, nil
	}
	l.mu.Unlock()
	if len(held) == 0 {
		return
	}
	st := &bridgev2.MessageStatus{Status: event.MessageStatusSuccess, IsCertain: true}
	if !sent {
		st = &bridgev2.MessageStatus{Status: event.MessageStatusFail, ErrorReason: event.MessageStatusGenericError,
			Message: reason, IsCertain: true}
	}
	for _, info := range held {
		l.conn.Bridge.Matrix.SendMessageStatus(l.statusCtx(), st, info)
		if sent {
			l.noteSent(key, info)
			go l.markOwn(key, info)
		}
	}
}

// otrUserError turns an otr error into a sentence without the package prefix.
func otrUserError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "otr: ")
	if msg == "" {
		return "OTR error."
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}
