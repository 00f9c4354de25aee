package bridge

import (
	"context"
	"time"

	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/matrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// Room state for OTR spans (see otrmegolm.go): the history visibility that
// makes clients rotate their Megolm sessions, and Matrix encryption of a
// portal (the refusal sentence and `otr encrypt`).

// restrictHistory sets a room's history visibility to "joined" (which makes
// clients start new Megolm sessions) and returns what to restore, or "" when
// nothing was changed.
func (g *megolmGuard) restrictHistory(ctx context.Context, room id.RoomID) event.HistoryVisibility {
	cur := g.historyVisibility(ctx, room)
	if cur == "" || cur == event.HistoryVisibilityJoined {
		return ""
	}
	if !g.setHistoryVisibility(ctx, room, event.HistoryVisibilityJoined) {
		return ""
	}
	return cur
}

func (g *megolmGuard) historyVisibility(ctx context.Context, room id.RoomID) event.HistoryVisibility {
	ms, ok := g.l.conn.Bridge.Matrix.(bridgev2.MatrixConnectorWithArbitraryRoomState)
	if !ok {
		return ""
	}
	evt, err := ms.GetStateEvent(ctx, room, event.StateHistoryVisibility, "")
	if err != nil || evt == nil {
		return event.HistoryVisibilityShared // the default without the state event
	}
	_ = evt.Content.ParseRaw(evt.Type)
	if c, ok := evt.Content.Parsed.(*event.HistoryVisibilityEventContent); ok && c.HistoryVisibility != "" {
		return c.HistoryVisibility
	}
	return event.HistoryVisibilityShared
}

func (g *megolmGuard) setHistoryVisibility(ctx context.Context, room id.RoomID, hv event.HistoryVisibility) bool {
	_, err := g.l.conn.Bridge.Bot.SendState(ctx, room, event.StateHistoryVisibility, "", &event.Content{
		Parsed: &event.HistoryVisibilityEventContent{HistoryVisibility: hv},
	}, time.Time{})
	if err != nil {
		g.log.Warn().Err(err).Stringer("room_id", room).Str("history_visibility", string(hv)).
			Msg("Could not change the history visibility (Matrix clients may keep their Megolm session)")
		return false
	}
	return true
}

// encrypted reports whether the bridge knows a room as encrypted.
func (g *megolmGuard) encrypted(ctx context.Context, room id.RoomID) bool {
	mc, ok := g.l.conn.Bridge.Matrix.(*matrix.Connector)
	if !ok || mc.StateStore == nil {
		return true // unknown: act as if
	}
	enc, err := mc.StateStore.IsEncrypted(ctx, room)
	return err != nil || enc
}

// unencryptedText is the refusal of OTR in a room without Matrix encryption.
func (l *otrLayer) unencryptedText() string {
	if mc, ok := l.conn.Bridge.Matrix.(*matrix.Connector); ok && mc.Config != nil && !mc.Config.Encryption.Allow {
		return "OTR needs an end-to-end encrypted Matrix room (the homeserver would otherwise keep every message in plaintext), " +
			"and this bridge does not allow encryption: ask the bridge administrator to set encryption.allow: true."
	}
	return "This Matrix room is not end-to-end encrypted, so the homeserver would keep every off-the-record message in plaintext. " +
		"Turn on encryption with " + l.cmd("encrypt") + " (or in the room settings), then " + l.cmd("start") + " again."
}

// encryptPortal turns on Megolm encryption in a portal (the bot sends
// m.room.encryption; the bridge and the user's clients follow).
func (l *otrLayer) encryptPortal(ctx context.Context, portal *bridgev2.Portal) (kind, text string) {
	mc, ok := l.conn.Bridge.Matrix.(*matrix.Connector)
	if !ok || mc.Config == nil || !mc.Config.Encryption.Allow || portal.MXID == "" {
		return "not_allowed", "This bridge does not allow Matrix end-to-end encryption (encryption.allow is off)."
	}
	if l.roomEncrypted(ctx, portal.MXID) {
		return "encrypted", "This room is already end-to-end encrypted."
	}
	content := &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}
	if rot := mc.Config.Encryption.Rotation; rot.EnableCustom {
		content.RotationPeriodMillis, content.RotationPeriodMessages = rot.Milliseconds, rot.Messages
	}
	if _, err := l.conn.Bridge.Bot.SendState(ctx, portal.MXID, event.StateEncryption, "", &event.Content{Parsed: content}, time.Time{}); err != nil {
		l.log.Warn().Err(err).Stringer("room_id", portal.MXID).Msg("Could not turn on encryption in a portal")
		return "error", "Could not turn on encryption here; turn it on in the room settings instead."
	}
	return "encrypted", "🔐 End-to-end encryption is on in this room (it cannot be turned off). Start OTR with " + l.cmd("start") + "."
}
