package bridge

import (
	"context"
	"strings"
	"time"

	"maunium.net/go/mautrix/bridgev2/matrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// Edits and reactions that cannot work get a sentence. OTR messages have no
// database rows (nothing of them is kept), and an answered request notice
// loses its row, so bridgev2 answers an edit or a reaction to them with
// "target message not found" in a message status nobody reads. These
// handlers see the Matrix events first and say what happened instead.

// watchEdits has the Matrix connector show messages and reactions to
// handleEditOrReaction first. It must run before the Matrix connector starts.
func (c *Connector) watchEdits() {
	mc, ok := c.Bridge.Matrix.(*matrix.Connector)
	if !ok || mc.EventProcessor == nil {
		return
	}
	mc.EventProcessor.PrependHandler(event.EventMessage, c.handleEditOrReaction)
	mc.EventProcessor.PrependHandler(event.EventReaction, c.handleEditOrReaction)
}

// handleEditOrReaction explains an edit of, or a reaction to, an OTR
// message, and a reaction to a request that was already answered.
func (c *Connector) handleEditOrReaction(ctx context.Context, evt *event.Event) {
	l := c.otrLayer.Load()
	if l == nil || evt.Sender == c.Bridge.Bot.GetMXID() {
		return
	}
	if _, isGhost := c.Bridge.Matrix.ParseGhostMXID(evt.Sender); isGhost {
		return
	}
	var target id.EventID
	edit := false
	switch evt.Type {
	case event.EventMessage:
		msg := evt.Content.AsMessage()
		if c.startsOTR(msg.Body) {
			c.gateOTR(ctx, evt.RoomID)
			return
		}
		rel := msg.RelatesTo
		if rel == nil || rel.Type != event.RelReplace {
			return
		}
		target, edit = rel.EventID, true
	case event.EventReaction:
		rel := evt.Content.AsReaction().RelatesTo
		target = rel.EventID
	default:
		return
	}
	text := ""
	switch {
	case l.isCopy(evt.RoomID, target) && edit:
		text = "Edits are not sent off the record: an OTR message cannot be changed once sent. Send a new message instead."
	case l.isCopy(evt.RoomID, target):
		text = "Reactions are not sent off the record; nothing was sent to the contact."
	case !edit && l.wasAnswered(target):
		text = "That request was already answered."
	default:
		return
	}
	go func() {
		qctx, cancel := quietCtx()
		defer cancel()
		sendBotNoticeLogged(qctx, &l.log, c.Bridge.Bot, evt.RoomID, "not_sent", text, nil)
	}()
}

// isCopy reports whether an event is a Matrix copy of an OTR message.
func (l *otrLayer) isCopy(room id.RoomID, evt id.EventID) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ch := range l.chats {
		for _, ref := range ch.copies {
			if ref.event == evt && ref.room == room && !ref.mark {
				return true
			}
		}
	}
	return false
}

// maxAnswered bounds the answered request notices remembered.
const maxAnswered = 256

// answered remembers a request notice (OTR or subscription) once answered.
func (l *otrLayer) answered(evt id.EventID) {
	if evt == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.answeredSet == nil {
		l.answeredSet = map[id.EventID]bool{}
	}
	if len(l.answeredOrder) >= maxAnswered {
		delete(l.answeredSet, l.answeredOrder[0])
		l.answeredOrder = l.answeredOrder[1:]
	}
	l.answeredSet[evt] = true
	l.answeredOrder = append(l.answeredOrder, evt)
}

// wasAnswered reports whether a request notice was answered already.
func (l *otrLayer) wasAnswered(evt id.EventID) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.answeredSet[evt]
}

// The start gate. bridgev2 runs bot commands in a goroutine of their own,
// while the messages after them go through the portal's queue: a message
// typed right after "otr start" could reach sendFromMatrix before the
// command has started OTR, and go out in plaintext. The Matrix event handler
// (which sees events in order) opens a gate for the conversation when it
// sees such a command; sendFromMatrix waits for the command to have run.

// gateTimeout bounds the wait for a start or accept command; a message
// still waiting then is refused, never sent in plaintext.
const gateTimeout = 15 * time.Second

// startsOTR reports whether a message is an otr start or accept command.
func (c *Connector) startsOTR(body string) bool {
	rest, ok := strings.CutPrefix(body, c.Bridge.Config.CommandPrefix+" ")
	if !ok {
		return false
	}
	f := strings.Fields(strings.ToLower(rest))
	return len(f) >= 2 && f[0] == "otr" && (f[1] == "start" || f[1] == "accept")
}

// gateOTR opens the gate of the conversation of a portal room.
func (c *Connector) gateOTR(ctx context.Context, room id.RoomID) {
	l := c.otrLayer.Load()
	portal, err := c.Bridge.GetPortalByMXID(ctx, room)
	if l == nil || err != nil || portal == nil {
		return
	}
	contact, err := parsePortalID(portal.ID)
	if err != nil {
		return
	}
	key := otrKey{portal.Receiver, contact.String()}
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := l.chatLocked(key)
	if ch.gate == nil {
		ch.gate = make(chan struct{})
	}
	ch.gated++
}

// ungate marks one start or accept command of a conversation as done.
func (l *otrLayer) ungate(key otrKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := l.chats[key]
	if ch == nil || ch.gate == nil {
		return
	}
	if ch.gated--; ch.gated <= 0 {
		close(ch.gate)
		ch.gate, ch.gated = nil, 0
	}
}

// waitGate waits until no start or accept command of the conversation is
// pending; false means it timed out (or ctx ended).
func (l *otrLayer) waitGate(ctx context.Context, key otrKey) bool {
	l.mu.Lock()
	var gate chan struct{}
	if ch := l.chats[key]; ch != nil {
		gate = ch.gate
	}
	l.mu.Unlock()
	if gate == nil {
		return true
	}
	select {
	case <-gate:
		return true
	case <-time.After(gateTimeout):
		return false
	case <-ctx.Done():
		return false
	}
}
