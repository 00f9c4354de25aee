package bridge

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/matrix"
	"maunium.net/go/mautrix/bridgev2/networkid"
	"maunium.net/go/mautrix/crypto"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// The Matrix leg of an OTR span (issue #10): in an encrypted portal the
// homeserver keeps only Megolm ciphertext, so what could still read an ended
// OTR conversation are the Megolm keys in the bridge's crypto store. The
// bridge gives each span its own sessions and leaves none of them behind:
//
//   - Span start: the bridge drops its outbound session in the portal (the
//     next event it sends starts a new one) and sets the room's history
//     visibility to "joined". Matrix has no message that orders another
//     device to rotate; a history visibility change is what makes clients
//     start a new outbound session (matrix-rust-sdk on any change, mautrix-go
//     when the shared flag flips).
//   - During the span: the Megolm session of every encrypted event in the
//     portal is noted (its ID in RAM and in the bridge's key-value table,
//     never a key); key requests for the room are refused; a device of the
//     user that was not there at the start, or that kept its old session, is
//     named in a notice.
//   - Span end: the bridge drops its outbound session again, restores the
//     history visibility (clients rotate once more), redacts its own inbound
//     copies of the span's sessions (mautrix's own "redacted" state, key
//     bytes gone) and ratchets every other session used in the span past the
//     last event the bridge saw, so later messages still decrypt and none of
//     the span does. Then SQLite's WAL is checkpointed and truncated;
//     secure_delete (otrmegolm_sqlite.go) has zeroed the freed bytes.
//
// A span whose end was not seen (crash) is finished at the next start from
// the key-value record. spanStarted and spanEnded run with l.markMu held.

// megolmRedactReason is the reason stored with the bridge's redacted sessions.
const megolmRedactReason = "off-the-record conversation ended"

// megolmSpansKey is the key-value key of the running spans' records.
const megolmSpansKey database.Key = "offrecord_otr_megolm_spans"

// megolmSpan is one span's record. Only Megolm session IDs and message
// indices, which every encrypted event carries in the clear, are stored.
type megolmSpan struct {
	Login   string    `json:"login"`
	Contact string    `json:"contact"`
	Epoch   string    `json:"epoch"`
	Room    id.RoomID `json:"room,omitempty"`
	// Since is when the span started (Unix milliseconds).
	Since int64 `json:"since"`
	// Sessions maps each session seen in the span to one past the highest
	// message index seen.
	Sessions map[id.SessionID]uint `json:"sessions,omitempty"`
	// Visibility is the history visibility to restore, "" when the bridge
	// did not change it.
	Visibility event.HistoryVisibility `json:"visibility,omitempty"`

	// devices are the user's device IDs at the start (RAM only).
	devices map[id.DeviceID]bool
	// told are the notices already given in this span (RAM only).
	told map[string]bool
	// ownOnly limits the end to the bridge's own sessions (a late post, RAM only).
	ownOnly bool
}

func (s *megolmSpan) key() otrKey {
	return otrKey{login: networkid.UserLoginID(s.Login), contact: s.Contact}
}

func spanName(key otrKey) string { return string(key.login) + "\x00" + key.contact }

// megolmGuard keeps the Megolm side of the OTR spans.
type megolmGuard struct {
	l    *otrLayer
	log  zerolog.Logger
	mach *crypto.OlmMachine // nil without end-to-bridge encryption

	// mu guards spans, left and ended, and the key-value record.
	mu    sync.Mutex
	spans map[string]*megolmSpan
	// left are ended spans whose history visibility is still to be restored.
	left map[string]*megolmSpan
	// ended are sessions of spans ended since the start, for key request notices.
	ended map[id.SessionID]otrKey
}

// newMegolmGuard finds the bridge's OlmMachine, hooks its key sharing and
// finishes the spans a crash left open.
func newMegolmGuard(l *otrLayer) *megolmGuard {
	g := &megolmGuard{
		l:     l,
		log:   l.log.With().Str("component", "otr_megolm").Logger(),
		spans: map[string]*megolmSpan{},
		left:  map[string]*megolmSpan{},
		ended: map[id.SessionID]otrKey{},
	}
	mc, _ := l.conn.Bridge.Matrix.(*matrix.Connector)
	g.mach = olmMachineOf(mc)
	if g.mach == nil {
		g.log.Debug().Msg("No end-to-bridge encryption: nothing to do for Megolm keys")
		return g
	}
	g.hookKeySharing()
	g.finishLeftovers()
	return g
}

// olmMachineOf returns the OlmMachine of mautrix's crypto helper. The helper
// keeps it unexported; its to-device syncer embeds it as an exported field.
func olmMachineOf(mc *matrix.Connector) *crypto.OlmMachine {
	if mc == nil || mc.Crypto == nil {
		return nil
	}
	cli := mc.Crypto.Client()
	if cli == nil || cli.Syncer == nil {
		return nil
	}
	v := reflect.ValueOf(cli.Syncer)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	f := v.FieldByName("OlmMachine")
	if !f.IsValid() || !f.CanInterface() {
		return nil
	}
	mach, _ := f.Interface().(*crypto.OlmMachine)
	return mach
}

// loadSpans reads the records; mu must be held.
func (g *megolmGuard) loadSpans(ctx context.Context) map[string]*megolmSpan {
	out := map[string]*megolmSpan{}
	raw := g.l.conn.Bridge.DB.KV.Get(ctx, megolmSpansKey)
	if raw == "" {
		return out
	}
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		g.log.Warn().Err(err).Msg("Ignoring unreadable Megolm span records")
		return map[string]*megolmSpan{}
	}
	return out
}

// saveLocked writes the records of the running spans and of those not
// finished yet; mu must be held.
func (g *megolmGuard) saveLocked(ctx context.Context) {
	all := make(map[string]*megolmSpan, len(g.spans)+len(g.left))
	for name, s := range g.left {
		all[name] = s
	}
	for name, s := range g.spans {
		all[name] = s
	}
	if len(all) == 0 {
		g.l.conn.Bridge.DB.KV.Delete(ctx, megolmSpansKey)
		return
	}
	raw, _ := json.Marshal(all)
	g.l.conn.Bridge.DB.KV.Set(ctx, megolmSpansKey, string(raw))
}

// spanStarted is called when an OTR span begins in a conversation.
func (l *otrLayer) spanStarted(key otrKey, epoch string) {
	if l.megolm == nil || l.megolm.mach == nil {
		return
	}
	ctx, cancel := quietCtx()
	defer cancel()
	l.megolm.start(ctx, key, epoch)
}

// spanEnded is called when an OTR span is over (possibly more than once).
func (l *otrLayer) spanEnded(key otrKey, epoch string) {
	if l.megolm == nil || l.megolm.mach == nil {
		return
	}
	ctx, cancel := quietCtx()
	defer cancel()
	l.megolm.end(ctx, key, epoch)
}

// start records a span and rotates the keys in its portal.
func (g *megolmGuard) start(ctx context.Context, key otrKey, epoch string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	name := spanName(key)
	if old := g.spans[name]; old != nil {
		if old.Epoch == epoch {
			return
		}
		g.finish(ctx, old) // a span whose end was missed
	}
	s := &megolmSpan{
		Login: string(key.login), Contact: key.contact, Epoch: epoch,
		Since:    time.Now().UnixMilli(),
		Sessions: map[id.SessionID]uint{},
		told:     map[string]bool{},
	}
	g.spans[name] = s
	g.saveLocked(ctx)
	if room := g.l.room(ctx, key); room != "" {
		g.attach(ctx, s, room)
	}
}

// attach binds a span to its portal room and rotates the keys there; mu
// must be held. A span that starts before its portal exists is attached when
// the portal's first encrypted event shows up (a new room has no older
// sessions anyway).
func (g *megolmGuard) attach(ctx context.Context, s *megolmSpan, room id.RoomID) {
	if s.Room != "" {
		return
	}
	s.Room = room
	if g.encrypted(ctx, room) {
		s.Visibility = g.restrictHistory(ctx, room)
		g.rotateOwn(ctx, room)
		s.devices = g.userDevices(ctx, s.key())
	}
	g.saveLocked(ctx)
}

// spanByRoom returns the running span of a portal room; mu must be held.
func (g *megolmGuard) spanByRoom(ctx context.Context, room id.RoomID) *megolmSpan {
	for _, s := range g.spans {
		if s.Room == room {
			return s
		}
	}
	for _, s := range g.spans {
		if s.Room == "" && g.l.room(ctx, s.key()) == room {
			g.attach(ctx, s, room)
			return s
		}
	}
	return nil
}

// rotateOwn drops the bridge's outbound Megolm session in a room.
func (g *megolmGuard) rotateOwn(ctx context.Context, room id.RoomID) {
	if err := g.mach.CryptoStore.RemoveOutboundGroupSession(ctx, room); err != nil {
		g.log.Warn().Err(err).Stringer("room_id", room).Msg("Could not drop the bridge's outbound Megolm session")
	}
}

// userDevices lists the Matrix user's devices the bridge knows.
func (g *megolmGuard) userDevices(ctx context.Context, key otrKey) map[id.DeviceID]bool {
	ul := g.l.conn.Bridge.GetCachedUserLoginByID(key.login)
	if ul == nil {
		return nil
	}
	devices, err := g.mach.CryptoStore.GetDevices(ctx, ul.UserMXID)
	if err != nil {
		return nil
	}
	out := make(map[id.DeviceID]bool, len(devices))
	for d := range devices {
		out[d] = true
	}
	return out
}

// end finishes a span: rotation, history visibility, key deletion, WAL.
func (g *megolmGuard) end(ctx context.Context, key otrKey, epoch string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	name := spanName(key)
	s := g.spans[name]
	if s == nil {
		return // already finished (or never started with encryption)
	}
	if epoch != "" && s.Epoch != epoch {
		g.log.Debug().Msg("Ignoring the end of an older OTR span")
		return
	}
	if s.Room == "" {
		s.Room = g.l.room(ctx, key)
	}
	began := time.Now()
	targets := g.finish(ctx, s)
	delete(g.spans, name)
	g.keepUnfinished(name, s)
	g.saveLocked(ctx)
	g.l.conn.checkpointDB(ctx, g.log)
	g.log.Debug().Dur("took", time.Since(began)).Msg("Finished the Megolm side of an OTR span")
	if len(targets) > 0 {
		room := s.Room
		time.AfterFunc(megolmRecheckDelay, func() { g.recheck(room, targets) })
	}
}

// megolmRecheckDelay is when a span's ratchets are checked once more.
const megolmRecheckDelay = 3 * time.Second

// recheck ratchets again a session that a decryption running while the
// span ended stored back in its older state.
func (g *megolmGuard) recheck(room id.RoomID, targets map[id.SessionID]uint) {
	ctx, cancel := quietCtx()
	defer cancel()
	g.mu.Lock()
	defer g.mu.Unlock()
	fixed := 0
	for sid, target := range targets {
		sess, err := g.mach.CryptoStore.GetGroupSession(ctx, room, sid)
		if err != nil || sess == nil || uint(sess.Internal.FirstKnownIndex()) >= target {
			continue
		}
		if sess.RatchetTo(uint32(target)) == nil && g.mach.CryptoStore.PutGroupSession(ctx, sess) == nil {
			fixed++
		}
	}
	if fixed > 0 {
		g.log.Warn().Int("sessions", fixed).Msg("Ratcheted Megolm sessions of an ended OTR span again")
		g.l.conn.checkpointDB(ctx, g.log)
	}
}

// keepUnfinished keeps the record of an ended span whose history
// visibility could not be restored, for the next try; mu must be held.
func (g *megolmGuard) keepUnfinished(name string, s *megolmSpan) {
	if s.Visibility != "" {
		g.left[name] = s
	} else {
		delete(g.left, name)
	}
}

// stop finishes the spans still running when the bridge stops (no OTR
// session survives a restart) after any end in progress, before the
// database closes. Whatever the homeserver could not be told is retried at
// the next start.
func (g *megolmGuard) stop() {
	if g == nil || g.mach == nil {
		return
	}
	ctx, cancel := quietCtx()
	defer cancel()
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.spans) == 0 {
		return
	}
	for name, s := range g.spans {
		g.finish(ctx, s)
		delete(g.spans, name)
		g.keepUnfinished(name, s)
	}
	g.saveLocked(ctx)
	g.l.conn.checkpointDB(ctx, g.log)
}

// finish deletes a span's keys in its room, then restores the history
// visibility (s.Visibility is cleared once done), and returns the ratchet
// targets it applied; mu must be held. It is safe to run more than once.
func (g *megolmGuard) finish(ctx context.Context, s *megolmSpan) map[id.SessionID]uint {
	if s.Room == "" {
		return nil
	}
	g.rotateOwn(ctx, s.Room)
	defer g.restoreHistory(ctx, s)
	sessions, err := g.mach.CryptoStore.GetGroupSessionsForRoom(ctx, s.Room).AsList()
	if err != nil {
		g.log.Error().Err(err).Stringer("room_id", s.Room).Msg("Could not list the Megolm sessions of an ended OTR span")
		return nil
	}
	targets := map[id.SessionID]uint{}
	own := g.mach.OwnIdentity().IdentityKey
	since := time.UnixMilli(s.Since)
	redacted, ratcheted := 0, 0
	for _, sess := range sessions {
		sid := sess.ID()
		if s.ownOnly && sess.SenderKey != own {
			continue
		}
		switch planSpanSession(sess.SenderKey == own, !sess.ReceivedAt.Before(since), s.Sessions, sid,
			sess.RatchetSafety.NextIndex, uint(sess.Internal.FirstKnownIndex())) {
		case spanRedact:
			if err := g.mach.CryptoStore.RedactGroupSession(ctx, s.Room, sid, megolmRedactReason); err != nil {
				g.log.Error().Err(err).Stringer("session_id", sid).Msg("Could not redact a Megolm session of an OTR span")
				continue
			}
			redacted++
			g.ended[sid] = s.key()
		case spanRatchet:
			target := ratchetTarget(s.Sessions, sid, sess.RatchetSafety.NextIndex)
			if err := sess.RatchetTo(uint32(target)); err != nil {
				g.log.Error().Err(err).Stringer("session_id", sid).Msg("Could not ratchet a Megolm session of an OTR span")
				continue
			}
			if err := g.mach.CryptoStore.PutGroupSession(ctx, sess); err != nil {
				g.log.Error().Err(err).Stringer("session_id", sid).Msg("Could not store a ratcheted Megolm session")
				continue
			}
			ratcheted++
			targets[sid] = target
			g.ended[sid] = s.key()
		}
	}
	g.log.Info().Stringer("room_id", s.Room).Int("redacted", redacted).Int("ratcheted", ratcheted).
		Msg("Deleted the Megolm keys of an ended OTR span")
	return targets
}

// restoreHistory sets back the history visibility a span changed (clients
// rotate their sessions once more) and clears s.Visibility when done.
func (g *megolmGuard) restoreHistory(ctx context.Context, s *megolmSpan) {
	if s.Visibility == "" || s.ownOnly {
		return
	}
	cur := g.historyVisibility(ctx, s.Room)
	if cur != event.HistoryVisibilityJoined || g.setHistoryVisibility(ctx, s.Room, s.Visibility) {
		s.Visibility = ""
	}
}

// Actions on a Megolm session when its span ends.
const (
	spanKeep = iota
	spanRedact
	spanRatchet
)

// planSpanSession decides what happens to one inbound session of the room
// when a span ends: the bridge's own sessions from the span go entirely;
// anyone else's session that was received in the span or carried one of its
// events is ratcheted past the span (later messages keep decrypting); the
// rest is kept.
func planSpanSession(ownSender, receivedInSpan bool, seen map[id.SessionID]uint, sid id.SessionID, nextIndex, firstKnown uint) int {
	_, used := seen[sid]
	switch {
	case !receivedInSpan && !used:
		return spanKeep
	case ownSender:
		return spanRedact
	case ratchetTarget(seen, sid, nextIndex) > firstKnown:
		return spanRatchet
	}
	return spanKeep
}

// ratchetTarget is the first message index that no event of the span used.
func ratchetTarget(seen map[id.SessionID]uint, sid id.SessionID, nextIndex uint) uint {
	return max(seen[sid], nextIndex)
}

// finishLeftovers finishes spans whose end the bridge did not see (it
// stopped or crashed during them): no OTR session survives a restart.
func (g *megolmGuard) finishLeftovers() {
	ctx, cancel := quietCtx()
	defer cancel()
	g.mu.Lock()
	defer g.mu.Unlock()
	left := g.loadSpans(ctx)
	if len(left) == 0 {
		return
	}
	for name, s := range left {
		if g.spans[name] != nil {
			continue // started again since (not possible before logins load, but cheap to check)
		}
		if s.Room == "" {
			s.Room = g.l.room(ctx, s.key())
		}
		g.finish(ctx, s)
		g.keepUnfinished(name, s)
	}
	g.saveLocked(ctx)
	g.l.conn.checkpointDB(ctx, g.log)
	g.log.Info().Int("spans", len(left)).Msg("Deleted the Megolm keys of OTR spans left open by a restart")
}

// observe notes the Megolm session and index of an encrypted event in a
// portal with a running span, before mautrix decrypts it.
func (g *megolmGuard) observe(ctx context.Context, evt *event.Event) {
	if g.mach == nil || evt.RoomID == "" {
		return
	}
	var content event.EncryptedEventContent
	if err := json.Unmarshal(evt.Content.VeryRaw, &content); err != nil || content.SessionID == "" {
		return
	}
	index, err := crypto.ParseMegolmMessageIndex(content.MegolmCiphertext)
	if err != nil {
		return
	}
	if evt.Sender == g.l.conn.Bridge.Bot.GetMXID() {
		return // the bridge's own sessions: rotated at the start, found by time at the end
	}
	if _, ghost := g.l.conn.Bridge.Matrix.ParseGhostMXID(evt.Sender); ghost {
		return
	}
	qctx, cancel := quietCtx()
	defer cancel()
	g.mu.Lock()
	s := g.spanByRoom(qctx, evt.RoomID)
	if s == nil {
		g.mu.Unlock()
		return
	}
	prev, known := s.Sessions[content.SessionID]
	if index+1 > prev {
		s.Sessions[content.SessionID] = index + 1
	}
	if !known {
		g.saveLocked(qctx)
	}
	var notices []string
	ul := g.l.conn.Bridge.GetCachedUserLoginByID(s.key().login)
	if ul != nil && evt.Sender == ul.UserMXID {
		//lint:ignore SA1019 the device ID is what names the device in a notice
		device := content.DeviceID
		if device != "" && s.devices != nil && !s.devices[device] && !s.told["device:"+string(device)] {
			s.told["device:"+string(device)] = true
			notices = append(notices, "🔐 A new Matrix device of yours ("+string(device)+") joined during the off-the-record conversation. "+
				"It can read the messages from now on, not the earlier ones, and the bridge gives it no keys for them. "+
				"If it is not yours, end OTR with "+g.l.cmd("end")+".")
		}
		if !known && !s.told["stale"] && g.sessionBefore(qctx, evt.RoomID, content.SessionID, s.Since) {
			s.told["stale"] = true
			notices = append(notices, "🔐 Your Matrix client kept the encryption session it used before OTR started. "+
				"The bridge's copy will be cut off at the end of OTR, but your client (and its server-side key backup, if on) "+
				"can still decrypt these messages later. Clients that follow the room's history setting start a new session by themselves.")
		}
	}
	key := s.key()
	g.mu.Unlock()
	for _, text := range notices {
		g.l.notice(qctx, key, "megolm", text, map[string]any{"state": "encrypted"})
	}
}

// sessionBefore reports whether a stored session was received before since.
func (g *megolmGuard) sessionBefore(ctx context.Context, room id.RoomID, sid id.SessionID, since int64) bool {
	sess, err := g.mach.CryptoStore.GetGroupSession(ctx, room, sid)
	if err != nil || sess == nil || sess.ReceivedAt.IsZero() {
		return false
	}
	return sess.ReceivedAt.Before(time.UnixMilli(since))
}

// watchMegolm shows every encrypted Matrix event to the Megolm guard before
// mautrix decrypts it, and creates portals encrypted when OTR asks for it.
// It must run before the Matrix connector starts.
func (c *Connector) watchMegolm() {
	mc, ok := c.Bridge.Matrix.(*matrix.Connector)
	if !ok || mc.EventProcessor == nil {
		return
	}
	c.encryptPortalsByDefault(mc)
	mc.EventProcessor.PrependHandler(event.EventEncrypted, func(ctx context.Context, evt *event.Event) {
		if l := c.otrLayer.Load(); l != nil && l.megolm != nil {
			l.megolm.observe(ctx, evt)
		}
	})
}

// beforePost is called before OTR plaintext is posted in a portal; the
// returned function runs after. Plaintext decrypted during the span but
// posted after its end (the inbox waited for the homeserver) would go out in
// a session that outlives the span: such a copy gets a session of its own,
// deleted right after.
func (g *megolmGuard) beforePost(ctx context.Context, key otrKey, room id.RoomID) func() {
	if g == nil || g.mach == nil || room == "" {
		return func() {}
	}
	g.mu.Lock()
	running := g.spans[spanName(key)] != nil
	g.mu.Unlock()
	if running {
		return func() {}
	}
	late := &megolmSpan{Login: string(key.login), Contact: key.contact, Room: room, Since: time.Now().UnixMilli(), ownOnly: true}
	g.rotateOwn(ctx, room)
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.finish(ctx, late)
		g.l.conn.checkpointDB(ctx, g.log)
	}
}
