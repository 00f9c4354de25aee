package bridge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// Messages that never reached the XMPP server. A Matrix message gets its
// success status once the adapter has taken it; with stream management the
// adapter keeps it until the server acknowledges it, and sends it again after
// a dropped connection. Only when the adapter is closed with messages still
// unacknowledged or queued (logout, the bridge stopping, a new login) does it
// report them: each gets a failed status, and the room a notice saying how
// many did not arrive. An OTR message among them loses its conversation, as
// any OTR message that could not be sent does.

// undeliveredWait bounds how long closing a login waits for its
// undelivered messages to be marked.
const undeliveredWait = 30 * time.Second

// handleUndelivered takes an *xmppad.UndeliveredError off HandleError; it
// reports false for other errors. It is the adapter's last event, and
// disconnect waits for it: it is handled here, before the login goes away.
func (c *Client) handleUndelivered(err error) bool {
	var ue *xmppad.UndeliveredError
	if !errors.As(err, &ue) {
		return false
	}
	c.failUndelivered(ue)
	return true
}

// failUndelivered marks the messages of ue failed in Matrix.
func (c *Client) failUndelivered(ue *xmppad.UndeliveredError) {
	ctx, cancel := context.WithTimeout(c.backgroundCtx(), undeliveredWait)
	defer cancel()
	const reason = "Not delivered: the connection to the XMPP server was closed before the server confirmed it."
	st := &bridgev2.MessageStatus{Status: event.MessageStatusFail, ErrorReason: event.MessageStatusGenericError,
		Message: reason, IsCertain: true}
	perRoom := map[id.RoomID]int{}
	var rooms []id.RoomID
	otrLost := map[otrKey]bool{}
	for _, m := range ue.Messages {
		contact := m.To.Bare()
		if l := c.conn.otr; l != nil {
			key := otrKey{c.login.ID, contact.String()}
			if l.isWireID(key, m.ID) {
				otrLost[key] = true
				continue
			}
		}
		ref, ok := c.sentEvent(ctx, m.ID)
		if !ok {
			c.log.Debug().Str("stanza_id", m.ID).Msg("No Matrix event for an undelivered message")
			continue
		}
		// mautrix sends the status from a goroutine of its own: its context
		// must outlive this function (ctx is cancelled when it returns).
		c.conn.Bridge.Matrix.SendMessageStatus(c.backgroundCtx(), st, &bridgev2.MessageStatusEventInfo{
			RoomID: ref.room, SourceEventID: ref.event, EventType: event.EventMessage,
		})
		if perRoom[ref.room] == 0 {
			rooms = append(rooms, ref.room)
		}
		perRoom[ref.room]++
	}
	for _, room := range rooms {
		n := perRoom[room]
		text := "1 message was not delivered: the connection to the XMPP server was closed before the server confirmed it. Send it again once you are connected."
		if n > 1 {
			text = fmt.Sprintf("%d messages were not delivered: the connection to the XMPP server was closed before the server confirmed them. Send them again once you are connected.", n)
		}
		sendBotNotice(ctx, c.conn.Bridge.Bot, room, "not_delivered", text, map[string]any{"count": n})
	}
	for key := range otrLost {
		c.conn.otr.sendFailed(key, errors.New("the connection to the XMPP server was closed before the server confirmed it"))
	}
	c.log.Info().Int("messages", len(ue.Messages)).Int("rooms", len(rooms)).Int("otr_conversations", len(otrLost)).
		Msg("Marked undelivered messages failed")
}

// isWireID reports whether stanzaID is one of our OTR data stanzas to key.
func (l *otrLayer) isWireID(key otrKey, stanzaID string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := l.chats[key]
	return ch != nil && stanzaID != "" && ch.wireIDs[stanzaID]
}
