package bridge

import (
	"context"

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
		rel := evt.Content.AsMessage().RelatesTo
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
		sendBotNotice(qctx, c.Bridge.Bot, evt.RoomID, "not_sent", text, nil)
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
