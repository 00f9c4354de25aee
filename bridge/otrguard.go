package bridge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"

	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/networkid"

	"github.com/offrecord/offrecord/otr"
)

// The OTR guard: what keeps a conversation that was off the record from
// sliding back into plaintext behind the user's back.
//
// Keys live only in RAM, so a restart, a buddy who vanishes or a third person
// in the room ends a session without the user asking. The guard then marks
// the conversation lost: Matrix messages there are refused (never sent in
// plaintext) until the user starts OTR again or returns to plaintext with
// `otr end`. To survive restarts, the bridge database holds per conversation
// only the fact that OTR was on (its state and a random epoch naming the
// span), never keys or content: an otrMark in the bridge's key-value table.

// Lost reasons, also the notice kinds that announce them.
const (
	lostRestart     = "lost"
	lostBuddyGone   = "buddy_offline"
	lostThirdMember = "third_member"
	lostTimeout     = "timeout"
	lostIdle        = "idle"
	lostShutdown    = "shutdown"
)

// otrMark is what the bridge database remembers of one conversation.
type otrMark struct {
	// State is the last OTR state: "awaiting", "pending", "encrypted",
	// "finished" or "lost".
	State string `json:"state"`
	// Epoch is a random name for the OTR span, new with every span.
	Epoch string `json:"epoch"`
}

// otrMarksKey is the key-value key holding a login's marks (a JSON object,
// contact bare JID → otrMark).
func otrMarksKey(login networkid.UserLoginID) database.Key {
	return database.Key("offrecord_otr_marks:" + string(login))
}

func newEpoch() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// loadMarks reads a login's marks from the database.
func (l *otrLayer) loadMarks(ctx context.Context, login networkid.UserLoginID) map[string]otrMark {
	marks := map[string]otrMark{}
	raw := l.conn.Bridge.DB.KV.Get(ctx, otrMarksKey(login))
	if raw == "" {
		return marks
	}
	if err := json.Unmarshal([]byte(raw), &marks); err != nil {
		l.log.Warn().Err(err).Msg("Ignoring unreadable OTR marks")
		return map[string]otrMark{}
	}
	return marks
}

// setMark records (state != "") or clears (state == "") a conversation's
// mark, keeping its epoch while the span lasts. It writes to the database
// before returning, so that the fact is on disk before the user is told.
func (l *otrLayer) setMark(key otrKey, state string) {
	l.markMu.Lock()
	defer l.markMu.Unlock()
	ctx, cancel := quietCtx()
	defer cancel()
	marks := l.loadMarks(ctx, key.login)
	old, had := marks[key.contact]
	over := func(s string) bool { return s == "lost" || s == "finished" }
	// OTR starting again after a lost or finished span is a new span.
	restarted := had && over(old.State) && state != "" && !over(state)
	switch {
	case state == "" && !had:
		return
	case state == "":
		delete(marks, key.contact)
		defer l.spanEnded(key, old.Epoch)
	case had && old.State == state:
		return
	default:
		if had && (state == "lost" || state == "finished") && old.State != "lost" && old.State != "finished" {
			defer l.spanEnded(key, old.Epoch)
		}
		epoch := old.Epoch
		if !had || restarted {
			epoch = newEpoch()
		}
		marks[key.contact] = otrMark{State: state, Epoch: epoch}
	}
	if len(marks) == 0 {
		l.conn.Bridge.DB.KV.Delete(ctx, otrMarksKey(key.login))
		return
	}
	raw, _ := json.Marshal(marks)
	l.conn.Bridge.DB.KV.Set(ctx, otrMarksKey(key.login), string(raw))
	if !had || restarted {
		l.spanStarted(key, marks[key.contact].Epoch)
	}
}

// clearMarks forgets every mark of a login (logout).
func (l *otrLayer) clearMarks(login networkid.UserLoginID) {
	l.markMu.Lock()
	defer l.markMu.Unlock()
	ctx, cancel := quietCtx()
	defer cancel()
	for contact, m := range l.loadMarks(ctx, login) {
		defer l.spanEnded(otrKey{login, contact}, m.Epoch)
	}
	l.conn.Bridge.DB.KV.Delete(ctx, otrMarksKey(login))
}

// restore marks a login's conversations that were off the record before the
// bridge (re)started as lost, so nothing is sent there in plaintext, and
// tells the user in each portal.
func (l *otrLayer) restore(login networkid.UserLoginID) {
	ctx, cancel := quietCtx()
	marks := l.loadMarks(ctx, login)
	cancel()
	for contact := range marks {
		key := otrKey{login, contact}
		l.setLost(key, lostRestart)
		l.setMark(key, "lost")
	}
	if len(marks) == 0 {
		return
	}
	for contact := range marks {
		go func(key otrKey) {
			l.announceRestart(key)
			l.showOnRecord(key, false)
		}(otrKey{login, contact})
	}
}

// restartRetries are the pauses before each new attempt at the restart
// notice when one fails (at start-up the homeserver may be busy with every
// login reconnecting): about two minutes in all.
var restartRetries = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
	15 * time.Second, 30 * time.Second, 60 * time.Second}

// announceRestart tells the user that a conversation was lost to a restart,
// trying again a few times if the notice cannot be sent, as long as the
// conversation is still lost to it.
func (l *otrLayer) announceRestart(key otrKey) {
	start := time.Now()
	for i := 0; ; i++ {
		if l.announceLost(key, lostRestart) {
			l.log.Debug().Str("contact", key.contact).Int("attempt", i+1).Dur("took", time.Since(start)).
				Msg("Told the user an OTR conversation was lost to the restart")
			return
		}
		if i == len(restartRetries) {
			l.log.Warn().Str("contact", key.contact).Int("attempts", i+1).
				Msg("Could not tell the user an OTR conversation was lost to the restart; their next message there is refused with the reason")
			return
		}
		time.Sleep(restartRetries[i])
		if l.lostReason(key) != lostRestart {
			return // started again or ended by the user meanwhile
		}
	}
}

// setLost marks a conversation lost (keeping the first reason of an
// episode). Messages are refused there until start or end.
func (l *otrLayer) setLost(key otrKey, reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := l.chatLocked(key)
	if ch.lost == "" {
		ch.lost, ch.lostNoticed, ch.lostRemoved = reason, false, 0
	}
}

// clearLost ends a lost episode (OTR is secure again, or the user chose plaintext).
func (l *otrLayer) clearLost(key otrKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ch := l.chats[key]; ch != nil {
		ch.lost, ch.lostNoticed, ch.lostRemoved, ch.lostCount, ch.lostDetail = "", false, 0, 0, ""
		ch.failedInfo = nil
	}
}

// lostReason returns why a conversation is lost, or "".
func (l *otrLayer) lostReason(key otrKey) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ch := l.chats[key]; ch != nil {
		return ch.lost
	}
	return ""
}

// announceLost posts the notice for a lost episode once. It reports whether
// the user has been told: false when the notice could not be sent, and then
// a later call (another attempt, or the next refused message) tries again.
func (l *otrLayer) announceLost(key otrKey, reason string) bool {
	l.mu.Lock()
	ch := l.chatLocked(key)
	already := ch.lostNoticed
	ch.lostNoticed = true
	l.mu.Unlock()
	if already {
		return true
	}
	ctx, cancel := quietCtx()
	defer cancel()
	if l.notice(ctx, key, reason, l.lostText(key, reason), map[string]any{"state": "lost", "lost": reason}) != "" {
		return true
	}
	l.mu.Lock()
	if cur := l.chats[key]; cur == ch && ch.lost != "" {
		ch.lostNoticed = false
	}
	l.mu.Unlock()
	return false
}

// lostText explains a lost conversation and what the user can do.
func (l *otrLayer) lostText(key otrKey, reason string) string {
	who := l.name(key)
	why := ""
	switch reason {
	case lostRestart:
		why = "The bridge restarted, so the off-the-record conversation with " + who + " is gone (its keys lived only in the bridge's memory)."
	case lostShutdown:
		why = "The bridge stopped, so the off-the-record conversation with " + who + " ended."
	case lostBuddyGone:
		why = who + " went offline, so the off-the-record conversation ended."
	case lostThirdMember:
		why = "Someone else joined or was invited to this room, so the off-the-record conversation with " + who + " ended: OTR is only for a room with you and " + who + "."
	case lostTimeout:
		why = who + " did not answer the off-the-record request in time."
	case lostUndelivered:
		l.mu.Lock()
		detail, n := "", 0
		if ch := l.chats[key]; ch != nil {
			detail, n = ch.lostDetail, ch.lostCount
		}
		l.mu.Unlock()
		why = who + " did not get your off-the-record messages: " + detail + "."
		if n > 0 {
			why += " " + plainCount(n, "message") + " did not arrive; they are marked as failed."
		}
	case lostIdle:
		why = "The off-the-record conversation with " + who + " ended after a long silence."
	default:
		why = "The off-the-record conversation with " + who + " ended."
	}
	l.mu.Lock()
	removed := 0
	if ch := l.chats[key]; ch != nil {
		removed = ch.lostRemoved
	}
	l.mu.Unlock()
	if removed > 0 {
		why += " " + plainCount(removed, "off-the-record message") + " removed from this room."
	}
	return "⚠️ " + why + " Your messages here are not sent until you start OTR again with " + l.cmd("start") +
		" or continue without encryption with " + l.cmd("end") + "."
}

// guard updates the mark, the lost state and held messages' statuses for a
// session event. It returns true when the event needs no notice of its own
// (the lost notice says it all).
func (l *otrLayer) guard(key otrKey, ev otr.Event) (prev otr.State, quiet bool) {
	l.mu.Lock()
	ch := l.chatLocked(key)
	prev = ch.last
	ch.last = ev.State
	userEnding := ch.userEnding
	lost := ch.lost
	l.mu.Unlock()
	switch ev.Kind {
	case otr.EventStarted, otr.EventAccepted:
		l.setMark(key, "awaiting")
	case otr.EventPendingAcceptance:
		l.setMark(key, "pending")
	case otr.EventSecure:
		l.setMark(key, "encrypted")
		l.clearLost(key)
		l.resolveHeld(key, true, "")
		go l.showOnRecord(key, true)
	case otr.EventRefreshed:
		l.resolveHeld(key, true, "")
	case otr.EventFinished:
		l.setMark(key, "finished")
		go l.showOnRecord(key, false)
	case otr.EventDiscarded:
		l.resolveHeld(key, false, "not sent: the off-the-record conversation did not start or ended first")
	case otr.EventDeclined:
		if lost == "" {
			l.setMark(key, "")
		}
	case otr.EventTimeout:
		switch {
		case prev == otr.StateRefreshing && ev.State == otr.StateEncrypted:
			l.resolveHeld(key, true, "")
		case prev == otr.StateAwaiting && ev.State == otr.StatePlaintext:
			l.setLost(key, lostTimeout)
			l.setMark(key, "lost")
		case ev.State == otr.StateEncrypted || ev.State == otr.StateFinished:
			l.setLost(key, lostIdle) // EventEnded follows
		}
	case otr.EventEnded:
		go l.showOnRecord(key, false)
		if userEnding {
			l.setMark(key, "")
			l.clearLost(key)
			return prev, false
		}
		l.setLost(key, "ended")
		l.setMark(key, "lost")
		ctx, cancel := quietCtx()
		defer cancel()
		removed := l.over(ctx, key, false)
		l.mu.Lock()
		l.chatLocked(key).lostRemoved = removed
		l.mu.Unlock()
		l.announceLost(key, l.lostReason(key))
		return prev, true
	}
	return prev, false
}

// userEnd runs the user's own end or deny: the conversation returns to
// plaintext by choice, so its mark and any lost state go.
func (l *otrLayer) userEnd(key otrKey, fn func() error) error {
	l.mu.Lock()
	l.chatLocked(key).userEnding = true
	l.mu.Unlock()
	err := fn()
	l.mu.Lock()
	if ch := l.chats[key]; ch != nil {
		ch.userEnding = false
	}
	l.mu.Unlock()
	return err
}

// endLost ends a lost episode at the user's word (`otr end` with no
// session): it reports whether there was one.
func (l *otrLayer) endLost(key otrKey) bool {
	if l.lostReason(key) == "" {
		return false
	}
	l.clearLost(key)
	l.setMark(key, "")
	ctx, cancel := quietCtx()
	defer cancel()
	l.over(ctx, key, true)
	return true
}
