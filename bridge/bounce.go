package bridge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// Bounces: a message error stanza (type=error) that the server or the
// contact's client sends back for one of our plain messages. The user's
// Matrix event gets a failed status and the portal a notice saying why, so
// no message is lost with nobody told. An error for something that is not
// a message of ours (a chat state, a receipt) is only logged.

// sentLogSize bounds how many recently sent messages a login remembers.
const sentLogSize = 1000

// sentRef is the Matrix event a plain message came from.
type sentRef struct {
	room  id.RoomID
	event id.EventID
	// saved is closed once bridgev2 has saved the message (and started its
	// success status); nil for corrections, which have no row of their own.
	saved chan struct{}
}

// savedWait bounds how long a bounce waits for its message to be saved.
const savedWait = 30 * time.Second

// sentLog remembers the Matrix event of each plain message (or correction)
// sent recently, by stanza id. It is filled before the stanza is written,
// so a bounce that arrives before the message's database row is written
// still finds it. Safe for concurrent use.
type sentLog struct {
	mu    sync.Mutex
	byID  map[string]sentRef
	order []string // oldest first
}

// add remembers that stanzaID carries the Matrix event ev of room; with
// withRow, the returned func is the message's PostSave.
func (s *sentLog) add(stanzaID string, room id.RoomID, ev id.EventID, withRow bool) func(context.Context, *database.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID == nil {
		s.byID = make(map[string]sentRef)
	}
	if len(s.order) >= sentLogSize {
		delete(s.byID, s.order[0])
		s.order = s.order[1:]
	}
	ref := sentRef{room: room, event: ev}
	if withRow {
		ref.saved = make(chan struct{})
	}
	s.byID[stanzaID] = ref
	s.order = append(s.order, stanzaID)
	if !withRow {
		return nil
	}
	var once sync.Once
	return func(context.Context, *database.Message) { once.Do(func() { close(ref.saved) }) }
}

// get returns the Matrix event of stanzaID, if it was sent recently.
func (s *sentLog) get(stanzaID string) (sentRef, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, ok := s.byID[stanzaID]
	return ref, ok
}

// handleBounce takes an *xmppad.StanzaError (a message error stanza) off
// HandleError; it reports false for other errors.
func (c *Client) handleBounce(err error) bool {
	var se *xmppad.StanzaError
	if !errors.As(err, &se) {
		return false
	}
	e := se.Err
	c.handleMessageError(&xmppad.Message{Type: stanza.ErrorMessage, From: se.From, ID: se.ID, Error: &e})
	return true
}

// handleMessageError tells the user that a message of theirs bounced.
func (c *Client) handleMessageError(m *xmppad.Message) {
	contact := m.From.Bare()
	if l := c.conn.otr; l != nil && l.bounced(c, contact, m) {
		return // an OTR stanza: the OTR layer marks the messages and tells the user
	}
	ref, ok := c.sent.get(m.ID)
	if ok && ref.saved != nil {
		select {
		case <-ref.saved:
		default:
			// The bounce came back before bridgev2 saved the message and sent
			// its success status: the failure must come after that, not be
			// overwritten by it.
			go func() {
				select {
				case <-ref.saved:
				case <-time.After(savedWait):
				}
				c.tellBounce(m, contact, ref)
			}()
			return
		}
	}
	ctx, cancel := context.WithTimeout(c.backgroundCtx(), time.Minute)
	defer cancel()
	if !ok && m.ID != "" {
		ref, ok = c.sentEvent(ctx, m.ID) // older than the log
	}
	condition := ""
	if m.Error != nil {
		condition = string(m.Error.Condition)
	}
	if !ok {
		c.log.Debug().Str("contact", contact.String()).Str("stanza_id", m.ID).Str("condition", condition).
			Msg("Error stanza for something that is not a message of ours")
		return
	}
	c.tellBounce(m, contact, ref)
}

// sentEvent finds the Matrix event of one of our plain messages by its
// stanza id, through the message's database row and its portal.
func (c *Client) sentEvent(ctx context.Context, stanzaID string) (sentRef, bool) {
	row, err := c.conn.Bridge.DB.Message.GetFirstPartByID(ctx, c.login.ID, makeMessageID(c.self, stanzaID))
	if err != nil || row == nil || row.MXID == "" {
		return sentRef{}, false
	}
	portal, err := c.conn.Bridge.GetExistingPortalByKey(ctx, row.Room)
	if err != nil || portal == nil || portal.MXID == "" {
		return sentRef{}, false
	}
	return sentRef{room: portal.MXID, event: row.MXID}, true
}

// tellBounce marks the bounced message failed and tells the user why.
func (c *Client) tellBounce(m *xmppad.Message, contact jid.JID, ref sentRef) {
	condition := ""
	if m.Error != nil {
		condition = string(m.Error.Condition)
	}
	reason := bounceReason(m.Error)
	// Message statuses are sent from a goroutine of mautrix's own: the
	// context must outlive this call.
	ctx := c.backgroundCtx()
	c.log.Info().Str("contact", contact.String()).Str("stanza_id", m.ID).Str("condition", condition).
		Msg("A message bounced")
	c.conn.Bridge.Matrix.SendMessageStatus(ctx, &bridgev2.MessageStatus{
		Status: event.MessageStatusFail, ErrorReason: event.MessageStatusGenericError,
		Message: "Not delivered: " + reason, IsCertain: true,
	}, &bridgev2.MessageStatusEventInfo{RoomID: ref.room, SourceEventID: ref.event, EventType: event.EventMessage})
	text := fmt.Sprintf("⚠️ Your message could not be delivered to %s: %s.", contact, reason)
	sendBotNotice(ctx, c.conn.Bridge.Bot, ref.room, "bounced", text, map[string]any{"condition": condition})
}

// bounceReason says in words why a message bounced: the server's text if it
// gave one, else its condition.
func bounceReason(e *stanza.Error) string {
	if e == nil {
		return "the server returned an error"
	}
	for _, t := range e.Text {
		if t != "" {
			return t
		}
	}
	if e.Condition == "" {
		return "the server returned an error"
	}
	return strings.ReplaceAll(string(e.Condition), "-", " ")
}
