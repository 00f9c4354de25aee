package bridge

import (
	"context"
	"strings"
	"time"

	"go.mau.fi/util/random"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/event"
	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/otr"
)

// Nothing lost silently. XMPP tells no sender that an OTR message was read,
// but it does tell when one was not: the buddy's OTR client answers with an
// OTR error (it no longer has the session, e.g. it ended it while it thought
// the user was offline and so sent no disconnect), the server bounces the
// stanza, or it cannot even be sent. Each of these marks the user's messages
// that the buddy has not answered since as failed, tells the user in one
// notice how many did not arrive, and leaves the conversation lost until the
// user starts OTR again or ends it. The session is forgotten without a
// disconnect message: the buddy's side has none to end.

const (
	// maxUnconfirmed bounds the messages remembered per conversation as sent
	// but not yet followed by a message from the buddy.
	maxUnconfirmed = 50
	// maxWireIDs bounds the stanza ids of OTR data remembered per conversation.
	maxWireIDs = 200
)

// lostUndelivered names a conversation lost because the buddy could not read it.
const lostUndelivered = "undelivered"

// noteSent remembers a Matrix message that went out encrypted.
func (l *otrLayer) noteSent(key otrKey, info *bridgev2.MessageStatusEventInfo) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := l.chatLocked(key)
	if len(ch.unconfirmed) >= maxUnconfirmed {
		ch.unconfirmed = ch.unconfirmed[1:]
	}
	ch.unconfirmed = append(ch.unconfirmed, info)
	l.log.Debug().Str("contact", key.contact).Int("unconfirmed", len(ch.unconfirmed)).Msg("OTR message sent; waiting for the buddy to answer")
}

// unconfirm settles a message noted before its send: when keep is false
// (it was not sent encrypted) it is taken off the unconfirmed list. It
// reports whether the message is still there, i.e. was not marked failed
// meanwhile.
func (l *otrLayer) unconfirm(key otrKey, info *bridgev2.MessageStatusEventInfo, keep bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := l.chats[key]
	if ch == nil {
		return true
	}
	if ch.failedInfo[info] {
		delete(ch.failedInfo, info)
		return false
	}
	if !keep {
		for i, u := range ch.unconfirmed {
			if u == info {
				ch.unconfirmed = append(ch.unconfirmed[:i], ch.unconfirmed[i+1:]...)
				break
			}
		}
	}
	return true
}

// confirmed forgets the unconfirmed messages: the buddy just wrote to us off
// the record, so their session is alive.
func (l *otrLayer) confirmed(key otrKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ch := l.chats[key]; ch != nil {
		ch.unconfirmed = nil
	}
}

// wireID returns a fresh stanza id for OTR data and remembers it.
func (l *otrLayer) wireID(key otrKey) string {
	stanzaID := "otr-" + random.String(16)
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := l.chatLocked(key)
	if ch.wireIDs == nil {
		ch.wireIDs = map[string]bool{}
	}
	if len(ch.wireOrder) >= maxWireIDs {
		delete(ch.wireIDs, ch.wireOrder[0])
		ch.wireOrder = ch.wireOrder[1:]
	}
	ch.wireIDs[stanzaID] = true
	ch.wireOrder = append(ch.wireOrder, stanzaID)
	return stanzaID
}

// bounced handles a message error from the server or the buddy: when it
// names one of our OTR stanzas, the affected messages are marked failed. It
// reports whether the error was about OTR.
func (l *otrLayer) bounced(c *Client, contact jid.JID, m *xmppad.Message) bool {
	key := otrKey{c.login.ID, contact.String()}
	l.mu.Lock()
	ch := l.chats[key]
	ours := ch != nil && m.ID != "" && ch.wireIDs[m.ID]
	l.mu.Unlock()
	if !ours {
		return false
	}
	reason := "the server returned an error"
	if m.Error != nil {
		reason = "the server answered “" + strings.ReplaceAll(string(m.Error.Condition), "-", " ") + "”"
	}
	l.undeliverable(key, reason)
	return true
}

// undeliverable marks the unconfirmed messages of a conversation failed and
// the conversation lost, and forgets the session without a disconnect.
func (l *otrLayer) undeliverable(key otrKey, reason string) {
	l.mu.Lock()
	ch := l.chatLocked(key)
	failed := ch.unconfirmed
	ch.unconfirmed = nil
	if ch.failedInfo == nil {
		ch.failedInfo = map[*bridgev2.MessageStatusEventInfo]bool{}
	}
	for _, info := range failed {
		ch.failedInfo[info] = true // a send still in flight must not report success after this
	}
	l.log.Info().Str("contact", key.contact).Int("failed", len(failed)).Msg("The buddy cannot read our OTR messages")
	ch.lostDetail = reason
	ch.lostCount = len(failed)
	if ch.lost == "" {
		ch.lost, ch.lostNoticed = lostUndelivered, false
	}
	l.mu.Unlock()
	l.setMark(key, "lost")
	st := &bridgev2.MessageStatus{Status: event.MessageStatusFail, ErrorReason: event.MessageStatusGenericError,
		Message: "Not delivered: " + l.name(key) + "'s client could not read it.", IsCertain: true}
	for _, info := range failed {
		l.conn.Bridge.Matrix.SendMessageStatus(l.statusCtx(), st, info)
	}
	if err := l.mgr.Forget(string(key.login), key.contact, "the buddy could not read our messages"); err != nil {
		l.announceLost(key, lostUndelivered) // no session left to end: say it here
	}
}

// sendFailed is undeliverable for a stanza the adapter could not send.
func (l *otrLayer) sendFailed(key otrKey, err error) {
	l.undeliverable(key, "it could not be sent ("+userMessage(err)+")")
}

// peerError handles a sign, during a session, that the buddy's client no
// longer has it: an OTR error message, or a message without encryption.
func (l *otrLayer) peerError(key otrKey, ev otr.Event, why string) bool {
	if ev.State != otr.StateEncrypted && ev.State != otr.StateRefreshing {
		return false
	}
	l.undeliverable(key, why)
	return true
}

// markOwn puts the bot's 🔑 reaction on the user's own message that went
// out off the record, so both sides of the conversation show the key.
func (l *otrLayer) markOwn(key otrKey, info *bridgev2.MessageStatusEventInfo) {
	if info == nil || info.RoomID == "" || info.SourceEventID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp, err := l.conn.Bridge.Bot.SendMessage(ctx, info.RoomID, event.EventReaction, &event.Content{
		Parsed: &event.ReactionEventContent{RelatesTo: event.RelatesTo{Type: event.RelAnnotation, EventID: info.SourceEventID, Key: "🔑"}},
	}, nil)
	if err != nil {
		l.log.Debug().Err(err).Msg("Could not mark an OTR message with 🔑")
		return
	}
	l.mu.Lock()
	ch := l.chatLocked(key)
	ch.copies = append(ch.copies, copyRef{room: info.RoomID, event: resp.EventID, mark: true})
	l.mu.Unlock()
}

// otrTopicPrefix starts the room topic while a conversation is off the record.
const otrTopicPrefix = "🔑 Off the record"

// showOnRecord sets the room topic to say the conversation is off the
// record (on), or puts the earlier topic back (off). Clients show the topic
// in the room header, so the whole room shows while OTR is on.
func (l *otrLayer) showOnRecord(key otrKey, on bool) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	room := l.room(ctx, key)
	ms, ok := l.conn.Bridge.Matrix.(bridgev2.MatrixConnectorWithArbitraryRoomState)
	if room == "" || !ok {
		return
	}
	current := ""
	if evt, err := ms.GetStateEvent(ctx, room, event.StateTopic, ""); err == nil && evt != nil {
		_ = evt.Content.ParseRaw(event.StateTopic)
		if tc, ok := evt.Content.Parsed.(*event.TopicEventContent); ok {
			current = tc.Topic
		}
	}
	topic, who := current, key.contact
	if c := l.client(key.login); c != nil {
		if contact, err := parseBareJID(key.contact); err == nil && c.rosterName(contact) != "" {
			who = c.rosterName(contact)
		}
	}
	l.mu.Lock()
	ch := l.chatLocked(key)
	switch {
	case on && !strings.HasPrefix(current, otrTopicPrefix):
		ch.savedTopic = current
		topic = otrTopicPrefix + " with " + who + " — messages are encrypted and not stored."
	case !on && strings.HasPrefix(current, otrTopicPrefix):
		topic = ch.savedTopic
	}
	l.mu.Unlock()
	if topic == current {
		return
	}
	if _, err := l.conn.Bridge.Bot.SendState(ctx, room, event.StateTopic, "", &event.Content{
		Parsed: &event.TopicEventContent{Topic: topic},
	}, time.Time{}); err != nil {
		l.log.Debug().Err(err).Msg("Could not set the room topic for OTR")
	}
}
