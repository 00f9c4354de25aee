package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/internal/otrbuddy"
	"github.com/offrecord/offrecord/internal/xmppbuddy"
)

// waitSendStatus waits for the bridge's final message status (SUCCESS or
// FAIL) of the user's event evtID after cursor and returns it.
func (mu *matrixUser) waitSendStatus(t *testing.T, cursor int, room id.RoomID, evtID id.EventID) event.MessageStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), otrWait)
	defer cancel()
	evt, err := mu.WaitEventFrom(ctx, cursor, room, func(e *event.Event) bool {
		st, ok := e.Content.Parsed.(*event.BeeperMessageStatusEventContent)
		return ok && e.Type == event.BeeperMessageStatus && st.RelatesTo.EventID == evtID &&
			(st.Status == event.MessageStatusSuccess || st.Status == event.MessageStatusFail)
	})
	if err != nil {
		t.Fatalf("no final message status for %s: %v", evtID, err)
	}
	return evt.Content.Parsed.(*event.BeeperMessageStatusEventContent).Status
}

// refused sends text in the portal and checks that it is marked failed and
// never reaches the buddy (XMPP keeps order: a plain sentinel sent later
// from another client is not needed, the failure status comes after the
// bridge decided).
func (c *otrChat) refused(t *testing.T, text string) {
	t.Helper()
	_, w0 := c.bob.mark()
	cursor := c.alice.Cursor()
	evtID := c.send(t, text)
	if st := c.alice.waitSendStatus(t, cursor, c.portal, evtID); st != event.MessageStatusFail {
		t.Errorf("message %q got status %s, want FAIL", text, st)
	}
	assertNeverReached(t, c, w0, text, "a refused message reached the buddy")
}

// noPlainArchived fails when text is in any file of prosody's data folder
// (its message archive and offline store, MAM on).
func noPlainArchived(t *testing.T, text string) {
	t.Helper()
	if hits := filesContaining(t, st.prosody.Dir(), text); len(hits) > 0 {
		t.Errorf("%q is stored by the XMPP server in %v", text, hits)
	}
}

// TestOTRServerRestartNeverPlain: prosody restarts mid-OTR while the user
// types five messages, five times over. Messages off the record are never
// queued for a connection that is down (after the reconnect the buddy's
// server could deliver them out of order, which OTR cannot read): each is
// marked failed (the conversation is lost, or the connection down, with a
// notice), and none ever reaches the buddy in plaintext.
func TestOTRServerRestartNeverPlain(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	_, w0 := c.bob.mark()
	for round := 1; round <= 5; round++ {
		c.startWhenOnline(t)
		cursor := alice.Cursor()
		st.prosody.Stop()
		down := true
		t.Cleanup(func() {
			if down {
				_ = st.prosody.Start() // leave the shared stack running for the next test
			}
		})
		alice.waitState(t, cursor, "TRANSIENT_DISCONNECT")
		var texts []string
		var ids []id.EventID
		for i := 1; i <= 5; i++ {
			text := "outage " + uniqueName("m")
			texts = append(texts, text)
			ids = append(ids, c.send(t, text))
		}
		statuses := make([]event.MessageStatus, len(ids))
		for i, evtID := range ids {
			statuses[i] = alice.waitSendStatus(t, cursor, c.portal, evtID)
		}
		for i, status := range statuses {
			if status != event.MessageStatusFail {
				t.Errorf("round %d: message %d typed while disconnected got %s, want FAIL", round, i+1, status)
			}
		}
		cursor = alice.Cursor()
		if err := st.prosody.Start(); err != nil {
			t.Fatalf("restarting prosody: %v", err)
		}
		down = false
		alice.waitState(t, cursor, "CONNECTED")
		for _, text := range texts {
			for _, ev := range c.bob.EventsSince(0) {
				if ev.Kind == otrbuddy.Message && ev.Text == text && !ev.Encrypted {
					t.Errorf("round %d: %q reached the buddy in plaintext", round, text)
				}
			}
			for _, m := range c.bob.wireSince(w0) {
				if strings.Contains(m.Body, text) {
					t.Errorf("round %d: %q on the wire in plaintext", round, text)
				}
			}
			noPlainArchived(t, text)
		}
		t.Logf("round %d: statuses %v", round, statuses)
	}
}

// startWhenOnline starts OTR (again), retrying while the bridge does not yet
// see the buddy online (after a server restart), and waits until both sides
// are secure.
func (c *otrChat) startWhenOnline(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), otrWait)
	defer cancel()
	for {
		cursor := c.alice.Cursor()
		ev, _ := c.bob.mark()
		c.send(t, "!xmpp otr start")
		n := c.alice.waitNotice(t, cursor, c.portal, "started", "refreshing", "not_allowed")
		if otrKindOf(c.alice.bot, n) == "not_allowed" {
			if ctx.Err() != nil {
				t.Fatalf("OTR start stays refused: %q", n.Content.AsMessage().Body)
			}
			// The buddy is not back online yet: each try waits for the bridge's answer.
			continue
		}
		c.alice.waitNotice(t, cursor, c.portal, "secure", "refreshed")
		c.bob.waitEvent(t, ev, "secure", func(ev otrbuddy.Event) bool {
			return ev.Kind == otrbuddy.Secure || ev.Kind == otrbuddy.Refreshed
		})
		return
	}
}

// TestOTRThirdMemberEnds: a third person invited mid-OTR ends the session at
// once: the buddy is told, the OTR copies are redacted, nothing more is
// posted off the record, messages are refused and start is refused while
// the room has three people.
func TestOTRThirdMemberEnds(t *testing.T) {
	alice := newMatrixUser(t, false)
	carol := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	c.start(t)
	mine := c.send(t, "just us two")
	c.bob.waitEncrypted(t, "just us two")
	c.bob.say(t, "yes just us")
	theirs := c.waitOTRMessage(t, "yes just us").ID

	ev0, _ := c.bob.mark()
	cursor := alice.Cursor()
	if _, err := alice.Client.InviteUser(ctxFor(t), c.portal, &mautrix.ReqInviteUser{UserID: carol.UserID}); err != nil {
		t.Fatalf("inviting a third person: %v", err)
	}
	alice.waitNotice(t, cursor, c.portal, "third_member")
	c.bob.waitFinished(t, ev0)
	c.waitRedacted(t, cursor, mine, theirs)
	c.refused(t, "not for carol "+uniqueName("c"))
	if n := c.otr(t, "start", "not_allowed"); !strings.Contains(n.Content.AsMessage().Body, "exactly one other person") {
		t.Errorf("start with three people: %q", n.Content.AsMessage().Body)
	}
	for _, e := range alice.Events("")[cursor:] {
		if e.RoomID == c.portal && e.Sender == c.ghost && strings.HasPrefix(e.Content.AsMessage().Body, "🔑") {
			t.Errorf("an OTR message was posted after the invite: %q", e.Content.AsMessage().Body)
		}
	}
}

// TestLargePlainMessageWithOTR: with OTR enabled, a 200 KiB plain message
// from a contact is bridged whole (in several Matrix events, in order).
func TestLargePlainMessageWithOTR(t *testing.T) {
	alice := newMatrixUser(t, false)
	bob := newBuddy(t, "big")
	var sb strings.Builder
	for i := 0; sb.Len() < 200<<10; i++ {
		sb.WriteString("line ")
		sb.WriteString(strings.Repeat("x", i%70))
		sb.WriteString("\n")
	}
	text := sb.String()
	marker := "END " + uniqueName("big")
	text += marker
	bob.send(t, alice.jid, xmppad.Outgoing{Body: text})
	last, err := alice.WaitEvent(ctxFor(t), "", func(e *event.Event) bool {
		return e.Sender == ghostOf(bob.jid) && e.Type == event.EventMessage && strings.HasSuffix(e.Content.AsMessage().Body, marker)
	})
	if err != nil {
		t.Fatalf("the large message did not arrive whole: %v", err)
	}
	var got strings.Builder
	for _, e := range alice.MessageEvents(last.RoomID) {
		if e.Sender == ghostOf(bob.jid) {
			got.WriteString(e.Content.AsMessage().Body)
		}
	}
	if got.String() != text {
		t.Errorf("bridged %d bytes in Matrix, want the %d sent", got.Len(), len(text))
	}
}

// waitLogLine waits until the file at path holds substr after offset bytes
// and returns the file's length then. It polls the file (no event source).
func waitLogLine(t *testing.T, path string, offset int64, substr string, within time.Duration) int64 {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		data, err := os.ReadFile(path)
		if err == nil && int64(len(data)) > offset && strings.Contains(string(data[offset:]), substr) {
			return int64(len(data))
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in %s within %s", substr, path, within)
		}
		time.Sleep(200 * time.Millisecond) // polling a file: the log line is the event
	}
}

// fileSize returns the size of the file at path (0 if missing).
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// TestHomeserverOutageKeepsIncoming: the homeserver is down for two minutes,
// twice mautrix's own retry budget, while a contact sends 20 messages. None is
// receipted while Matrix has not accepted it; once the homeserver is back all
// 20 appear in Matrix, in order, and each gets its receipt.
func TestHomeserverOutageKeepsIncoming(t *testing.T) {
	alice := newMatrixUser(t, false)
	bob := newBuddy(t, "outage")
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "before the outage"})
	portal := alice.waitFrom(t, ghostOf(bob.jid), "before the outage").RoomID

	logOffset := fileSize(st.bridge.LogPath())
	mark0 := bob.Mark()
	if err := st.hs.Stop(); err != nil {
		t.Fatalf("stopping Dendrite: %v", err)
	}
	up := false
	t.Cleanup(func() {
		if !up {
			_ = st.hs.Start()
		}
	})
	var texts, ids []string
	for i := 1; i <= 20; i++ {
		text := fmt.Sprintf("during the outage %02d %s", i, uniqueName("o"))
		texts = append(texts, text)
		ids = append(ids, bob.send(t, alice.jid, xmppad.Outgoing{Body: text, RequestReceipt: true}))
	}
	// mautrix gives up its own retries after about a minute; only then is the
	// outage longer than its budget.
	waitLogLine(t, st.bridge.LogPath(), logOffset, "Failed to send message part to Matrix", 3*time.Minute)
	logOffset = waitLogLine(t, st.bridge.LogPath(), logOffset, "incoming messages wait in memory", time.Minute)
	// Keep it down for two minutes in all: the bridge says so every 30 s.
	for range 2 {
		logOffset = waitLogLine(t, st.bridge.LogPath(), logOffset, "Still waiting for the homeserver", time.Minute)
	}
	// Nothing can have been accepted while the homeserver is down: no receipt yet.
	for _, ev := range bob.Since(mark0) {
		if ev.Kind == xmppbuddy.Receipt {
			t.Errorf("message %s was receipted while the homeserver was down", ev.ID)
		}
	}
	if err := st.hs.Start(); err != nil {
		t.Fatalf("starting Dendrite again: %v", err)
	}
	up = true
	for _, id := range ids {
		rctx, rcancel := context.WithTimeout(context.Background(), 2*time.Minute)
		_, _, err := bob.Wait(rctx, mark0, func(ev xmppbuddy.Event) bool { return ev.Kind == xmppbuddy.Receipt && ev.ID == id })
		rcancel()
		if err != nil {
			t.Fatalf("no receipt for %s after the homeserver came back: %v", id, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := alice.WaitEvent(ctx, portal, func(e *event.Event) bool {
		return e.Sender == ghostOf(bob.jid) && e.Content.AsMessage().Body == texts[len(texts)-1]
	}); err != nil {
		t.Fatalf("the last message never reached Matrix: %v", err)
	}
	var got []string
	for _, e := range alice.MessageEvents(portal) {
		if b := e.Content.AsMessage().Body; e.Sender == ghostOf(bob.jid) && strings.HasPrefix(b, "during the outage") {
			got = append(got, b)
		}
	}
	if strings.Join(got, "\n") != strings.Join(texts, "\n") {
		t.Errorf("in Matrix after the outage (%d):\n%s\nwant (%d):\n%s", len(got), strings.Join(got, "\n"), len(texts), strings.Join(texts, "\n"))
	}
}
