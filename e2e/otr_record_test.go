package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // reads the bridge's database in TestOTRCanary
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/internal/bridgetest"
	"github.com/offrecord/offrecord/internal/otrbuddy"
)

// TestOTRCanary: a whole OTR conversation carrying a unique canary string
// both ways leaves no trace: not in the bridge's database files or trace
// log, not in prosody's data (MAM on: the bridge's OTR stanzas carry
// no-store hints), not in the bridge's message table; the Matrix copies are
// redacted; the wire carried only OTR data.
func TestOTRCanary(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	runCanary(t, c, st.bridge, false)
}

// TestOTRCanaryEncryptedPortal: the same on the E2EE bridge (portals
// encrypted, OTR requires an encrypted portal): OTR works there, the Matrix
// copies are encrypted, and the canary is not in Dendrite's files either.
func TestOTRCanaryEncryptedPortal(t *testing.T) {
	bot := startE2EEBridge(t)
	alice := newMatrixUserOf(t, bot, true)
	c := newOTRChat(t, alice, e2eeGhostPrefix)
	runCanary(t, c, st.e2ee, true)
}

func runCanary(t *testing.T, c *otrChat, b *bridgetest.Bridge, encryptedPortal bool) {
	// Positive controls: a plaintext message each way before OTR. Prosody's
	// archive must hold them, or the scan of its files proves nothing.
	control := "control" + randomHex(t, 8)
	controlID := c.send(t, "plain "+control)
	if enc := c.bob.waitPlain(t, "plain "+control); enc {
		t.Fatal("the plaintext control arrived encrypted")
	}

	c.start(t)
	_, w0 := c.bob.mark()
	canary := "CANARY" + randomHex(t, 16)
	mine := c.send(t, "to buddy "+canary)
	c.bob.waitEncrypted(t, "to buddy "+canary)
	c.bob.say(t, "to matrix "+canary)
	theirs := c.waitOTRMessage(t, "to matrix "+canary)
	if encryptedPortal && !theirs.Mautrix.WasEncrypted {
		t.Error("the OTR message was not Matrix-encrypted in the encrypted portal")
	}
	if encryptedPortal {
		// The user's own message comes back through her sync; wait for it.
		own, err := c.alice.WaitEvent(ctxFor(t), c.portal, func(e *event.Event) bool { return e.ID == mine && e.Type == event.EventMessage })
		if err != nil {
			t.Fatalf("the user's OTR message never came back in her sync: %v", err)
		}
		if !own.Mautrix.WasEncrypted {
			t.Error("the user's OTR message was not Matrix-encrypted")
		}
	}

	ev1, _ := c.bob.mark()
	cursor := c.alice.Cursor()
	c.send(t, "!xmpp otr end")
	c.alice.waitNotice(t, cursor, c.portal, "ended")
	c.bob.waitFinished(t, ev1)
	c.waitRedacted(t, cursor, mine, theirs.ID)

	wire := c.bob.wireSince(w0)
	checkOTRWire(t, wire, canary)
	var bridgeData []string
	for _, m := range wire {
		if strings.HasPrefix(m.Body, "?OTR:") {
			bridgeData = append(bridgeData, m.Body)
		}
	}
	var buddyData []string
	for _, s := range c.bob.sentWire() {
		if strings.HasPrefix(s, "?OTR:") {
			buddyData = append(buddyData, s)
		}
	}
	if len(bridgeData) == 0 || len(buddyData) == 0 {
		t.Fatalf("no OTR data on the wire (bridge %d, buddy %d)", len(bridgeData), len(buddyData))
	}

	// The bridge: database (+ -wal, -shm), trace log, stdout — every file in its folder.
	if hits := filesContaining(t, b.Dir, canary); len(hits) > 0 {
		t.Errorf("the canary is in the bridge's files: %v", hits)
	}
	// Prosody, with MAM: the plaintext control is archived, the canary is not,
	// and the bridge's OTR stanzas (no-store hints) are not archived while
	// the buddy's (no hints) are.
	if hits := filesContaining(t, st.prosody.Dir(), control); len(hits) == 0 {
		t.Errorf("prosody's files do not hold the plaintext control: the MAM scan proves nothing")
	}
	if hits := filesContaining(t, st.prosody.Dir(), canary); len(hits) > 0 {
		t.Errorf("the canary is in prosody's files: %v", hits)
	}
	for _, d := range bridgeData {
		if hits := filesContaining(t, st.prosody.Dir(), d); len(hits) > 0 {
			t.Errorf("prosody stored an OTR stanza of the bridge (no-store hint ignored?): %v", hits)
			break
		}
	}
	if hits := filesContaining(t, st.prosody.Dir(), buddyData[len(buddyData)-1]); len(hits) == 0 {
		t.Errorf("prosody did not archive the buddy's (unhinted) OTR stanza: the hint check proves nothing")
	}
	// Dendrite sees only Megolm ciphertext in an encrypted portal.
	if encryptedPortal {
		if hits := filesContaining(t, st.hs.Dir(), canary); len(hits) > 0 {
			t.Errorf("the canary is in Dendrite's files: %v", hits)
		}
	} else if hits := filesContaining(t, st.hs.Dir(), canary); len(hits) > 0 {
		t.Logf("unencrypted portal: Dendrite's files still hold the redacted canary (%v); expected for a plaintext room", hits)
	}
	// No message rows for OTR messages. The plaintext control and a plain
	// message sent after the OTR ones get rows: wait for both (the bridge
	// writes a row after the send), then the OTR rows had their chance.
	// (libotr stays in FINISHED, so the wire shows that it went out plain.)
	after := "plain after " + randomHex(t, 8)
	_, wa := c.bob.mark()
	afterID := c.send(t, after)
	c.bob.waitWire(t, wa, "the plain message after OTR", func(m xmppad.Message) bool { return m.Body == after })
	waitRows(t, b.DBPath(), controlID, afterID)
	rows := messageRows(t, b.DBPath(), mine, theirs.ID)
	if rows[mine] != 0 || rows[theirs.ID] != 0 {
		t.Errorf("OTR messages have database rows: user's %d, buddy's %d", rows[mine], rows[theirs.ID])
	}
}

// waitRows waits until the bridge's message table has a row for each
// Matrix event ID, polling (SQLite has nothing to wait on) until otrWait.
func waitRows(t *testing.T, dbPath string, ids ...id.EventID) {
	t.Helper()
	deadline := time.Now().Add(otrWait)
	for {
		rows := messageRows(t, dbPath, ids...)
		var missing []id.EventID
		for _, evtID := range ids {
			if rows[evtID] == 0 {
				missing = append(missing, evtID)
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message rows for the plaintext messages %v within %s: the row check proves nothing", missing, otrWait)
		}
		time.Sleep(100 * time.Millisecond) // polling a database, bounded by the deadline
	}
}

// TestOTRBridgeStop: a graceful bridge stop (SIGTERM) ends the session
// properly: libotr is told (finished) and the OTR messages' Matrix copies are
// redacted. After the restart the portal gets a "lost" notice, the next
// message is refused (marked failed, not on the wire, not archived), "otr
// end" returns to plaintext by choice, and start works again.
func TestOTRBridgeStop(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	c.start(t)
	mine := c.send(t, "before the stop")
	c.bob.waitEncrypted(t, "before the stop")
	c.bob.say(t, "before the stop too")
	theirs := c.waitOTRMessage(t, "before the stop too").ID

	ev0, _ := c.bob.mark()
	cursor := alice.Cursor()
	if err := st.bridge.Stop(); err != nil {
		t.Fatalf("stopping the bridge: %v", err)
	}
	if err := st.bridge.Start(); err != nil {
		t.Fatalf("restarting the bridge: %v", err)
	}
	c.bob.waitFinished(t, ev0)
	c.waitRedacted(t, cursor, mine, theirs)
	// After the restart the portal is told, and nothing goes out in plaintext
	// until the user chooses.
	alice.waitNotice(t, cursor, c.portal, "lost")
	secret := "secret after restart " + uniqueName("s")
	c.refused(t, secret)
	noPlainArchived(t, secret)
	c.otr(t, "end", "ended")
	_, w1 := c.bob.mark()
	plain := "plain by choice " + uniqueName("p")
	c.send(t, plain)
	// The buddy's libotr is still "finished" (it was told of the end before the
	// restart): it reports the text as unencrypted; on the wire it is plain.
	c.bob.waitWire(t, w1, "the plain message", func(m xmppad.Message) bool { return m.Body == plain })
	recoverAfterRestart(t, c)
}

// TestOTRBridgeCrash: a bridge crash (SIGKILL) loses the keys. At restart
// the portal gets a "lost" notice at once, the user's next message is
// refused (marked failed, neither on the wire nor in the server's archive),
// the buddy's next OTR message gets an OTR error back (its plaintext never
// shows), and start recovers.
func TestOTRBridgeCrash(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	c.start(t)
	c.bob.say(t, "before the crash")
	c.waitOTRMessage(t, "before the crash")

	cursor := alice.Cursor()
	if err := st.bridge.Kill(); err != nil {
		t.Fatalf("killing the bridge: %v", err)
	}
	if err := st.bridge.Start(); err != nil {
		t.Fatalf("restarting the bridge: %v", err)
	}
	// The portal is told at once, before the buddy says anything, and the
	// user's next message is refused, not sent in plaintext.
	n := alice.waitNotice(t, cursor, c.portal, "lost")
	if body := n.Content.AsMessage().Body; !strings.Contains(body, "otr start") || !strings.Contains(body, "otr end") {
		t.Errorf("the restart notice does not say what to do: %q", body)
	}
	secret := "secret after crash " + uniqueName("s")
	c.refused(t, secret)
	noPlainArchived(t, secret)
	if st := c.otr(t, "status", "status"); otrInfo(st)["state"] != "lost" {
		t.Errorf("status after the crash: %v", otrInfo(st))
	}
	ev0, w0 := c.bob.mark()
	lostText := "lost " + uniqueName("x")
	c.bob.say(t, lostText)
	c.bob.waitWire(t, w0, "an OTR error", func(m xmppad.Message) bool { return strings.HasPrefix(m.Body, "?OTR Error") })
	for _, e := range alice.MessageEvents(c.portal) {
		if strings.Contains(e.Content.AsMessage().Body, lostText) {
			t.Errorf("the undecryptable message showed in Matrix: %q", e.Content.AsMessage().Body)
		}
	}
	for _, ev := range c.bob.EventsSince(ev0) {
		if ev.Kind == otrbuddy.Finished {
			t.Error("libotr was told the session finished after a crash")
		}
	}
	recoverAfterRestart(t, c)
}

// recoverAfterRestart starts OTR again and checks messages both ways.
func recoverAfterRestart(t *testing.T, c *otrChat) {
	t.Helper()
	ev1, w1 := c.bob.mark()
	cursor := c.alice.Cursor()
	c.send(t, "!xmpp otr start")
	c.alice.waitNotice(t, cursor, c.portal, "secure")
	c.bob.waitEvent(t, ev1, "a new session", func(ev otrbuddy.Event) bool {
		return ev.Kind == otrbuddy.Secure || ev.Kind == otrbuddy.Refreshed
	})
	c.send(t, "after restart from matrix")
	c.bob.waitEncrypted(t, "after restart from matrix")
	c.bob.say(t, "after restart from xmpp")
	c.waitOTRMessage(t, "after restart from xmpp")
	checkOTRWire(t, c.bob.wireSince(w1), "after restart")
}

// randomHex returns n random bytes in hex.
func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// filesContaining returns the files under root (relative paths) whose bytes contain needle.
func filesContaining(t *testing.T, root, needle string) []string {
	t.Helper()
	var hits []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil // files come and go (journals, temp files)
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			return nil
		} else if err != nil {
			return err
		}
		if bytes.Contains(data, []byte(needle)) {
			rel, _ := filepath.Rel(root, path)
			hits = append(hits, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("scanning %s: %v", root, err)
	}
	return hits
}

// messageRows counts the bridge's message rows for each Matrix event ID.
func messageRows(t *testing.T, dbPath string, ids ...id.EventID) map[id.EventID]int {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), otrWait)
	defer cancel()
	out := map[id.EventID]int{}
	for _, evtID := range ids {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM message WHERE mxid = ?", string(evtID)).Scan(&n); err != nil {
			t.Fatalf("reading the bridge's message table: %v", err)
		}
		out[evtID] = n
	}
	return out
}

// TestOTRRefusedInPlaintextPortal: on a bridge with
// require_encrypted_portal whose portals are not encrypted by default, a
// plaintext portal refuses OTR and nothing OTR reaches the buddy.
func TestOTRRefusedInPlaintextPortal(t *testing.T) {
	bot := startStrictBridge(t)
	alice := newMatrixUserOf(t, bot, true)
	c := newOTRChat(t, alice, strictGhostPrefix)
	for _, e := range alice.Events(c.portal) {
		if e.Type == event.StateEncryption {
			t.Fatal("the portal is encrypted; this test needs a plaintext one")
		}
	}
	cursor := alice.Cursor()
	_, w0 := c.bob.mark()
	c.send(t, "!xmpp otr start")
	notice := alice.waitNotice(t, cursor, c.portal, "not_allowed", "started")
	if k := otrKindOf(alice.bot, notice); k != "not_allowed" {
		t.Fatalf("start in an unencrypted portal with require_encrypted_portal: %q", k)
	}
	t.Logf("refusal: %q", notice.Content.AsMessage().Body)
	assertNoOTRSent(t, c, w0)
}
