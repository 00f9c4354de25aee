package e2e

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto"
	"maunium.net/go/mautrix/crypto/olm"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/offrecord/offrecord/internal/bridgetest"
	"github.com/offrecord/offrecord/internal/dendritetest"
)

// TestOTRMegolmNoKeyAfterEnd: in an encrypted portal (the E2EE bridge runs
// on the OTR defaults) an OTR conversation carries a canary both ways and
// ends. Before the end, the bridge's crypto store decrypts the span's events
// as the homeserver stores them (positive control); after it, with the
// bridge stopped, no inbound Megolm session in the store decrypts any of
// them, while plain messages before and after the span still decrypt. The
// span's session pickles and keys are in no file of the bridge (database,
// WAL, log).
func TestOTRMegolmNoKeyAfterEnd(t *testing.T) {
	bot := startE2EEBridge(t)
	alice := newMatrixUserOf(t, bot, true)
	c := newOTRChat(t, alice, e2eeGhostPrefix)
	requireEncrypted(t, c)

	before := plainBothWays(t, c, "before")
	c.start(t)
	spanFrom := alice.Cursor()
	canary := "CANARY" + randomHex(t, 16)
	mine := c.send(t, "to buddy "+canary)
	c.bob.waitEncrypted(t, "to buddy "+canary)
	c.bob.say(t, "to matrix "+canary)
	theirs := c.waitOTRMessage(t, "to matrix "+canary)

	// The span as the homeserver stores it, with the bridge still running.
	span := rawEncrypted(t, c, encryptedSince(c, spanFrom, alice.Cursor(), mine, theirs.ID)...)
	keysDuring := storedSessions(t, st.e2ee)
	for _, evt := range span {
		if decrypts(evt, keysDuring) == "" {
			t.Fatalf("positive control: the bridge's store does not decrypt span event %s from %s during OTR", evt.ID, evt.Sender)
		}
	}
	spanSessions := map[id.SessionID]bool{}
	for _, evt := range span {
		spanSessions[evt.Content.AsEncrypted().SessionID] = true
	}
	var secrets []string // the span sessions' pickles and exported keys, as stored during OTR
	for _, s := range keysDuring {
		if spanSessions[s.id] {
			secrets = append(secrets, s.pickle, s.exported)
		}
	}

	ev1, _ := c.bob.mark()
	cursor := alice.Cursor()
	endCmd := c.send(t, "!xmpp otr end")
	alice.waitNotice(t, cursor, c.portal, "ended")
	c.bob.waitFinished(t, ev1)
	c.waitRedacted(t, cursor, mine, theirs.ID)
	span = append(span, rawEncrypted(t, c, endCmd)...)
	c.bob.end(t) // libotr stays finished until its user ends too
	after := plainBothWays(t, c, "after")

	if err := st.e2ee.Stop(); err != nil {
		t.Fatalf("stopping the E2EE bridge: %v", err)
	}
	checkNoSpanKey(t, st.e2ee, span, before, after, secrets, canary)
}

// TestOTRMegolmCrashRecovery: the bridge is killed during OTR, so it never
// sees the end; at the next start it deletes the span's keys all the same.
func TestOTRMegolmCrashRecovery(t *testing.T) {
	bot := startE2EEBridge(t)
	alice := newMatrixUserOf(t, bot, true)
	c := newOTRChat(t, alice, e2eeGhostPrefix)
	requireEncrypted(t, c)
	before := plainBothWays(t, c, "before")
	c.start(t)
	spanFrom := alice.Cursor()
	canary := "CANARY" + randomHex(t, 16)
	mine := c.send(t, "to buddy "+canary)
	c.bob.waitEncrypted(t, "to buddy "+canary)
	c.bob.say(t, "to matrix "+canary)
	theirs := c.waitOTRMessage(t, "to matrix "+canary)
	span := rawEncrypted(t, c, encryptedSince(c, spanFrom, alice.Cursor(), mine, theirs.ID)...)

	if err := st.e2ee.Kill(); err != nil {
		t.Fatalf("killing the E2EE bridge: %v", err)
	}
	keys := storedSessions(t, st.e2ee)
	for _, evt := range span {
		if decrypts(evt, keys) == "" {
			t.Fatalf("positive control: after the crash the store does not decrypt span event %s", evt.ID)
		}
	}
	cursor := alice.Cursor()
	if err := st.e2ee.Start(); err != nil {
		t.Fatalf("restarting the E2EE bridge: %v", err)
	}
	alice.waitNotice(t, cursor, c.portal, "lost")
	if err := st.e2ee.Stop(); err != nil {
		t.Fatalf("stopping the E2EE bridge: %v", err)
	}
	checkNoSpanKey(t, st.e2ee, span, before, nil, nil, canary)
}

// TestOTRMegolmRefusedUntilEncrypted: on a bridge that leaves portals
// unencrypted (otr.encrypt_portals off) the default require_encrypted_portal
// refuses OTR with a sentence that names `otr encrypt`; that command turns
// encryption on and OTR then starts.
func TestOTRMegolmRefusedUntilEncrypted(t *testing.T) {
	bot := startStrictBridge(t)
	alice := newMatrixUserOf(t, bot, true)
	c := newOTRChat(t, alice, strictGhostPrefix)
	cursor := alice.Cursor()
	_, w0 := c.bob.mark()
	c.send(t, "!xmpp otr start")
	refusal := alice.waitNotice(t, cursor, c.portal, "not_allowed", "started")
	body := refusal.Content.AsMessage().Body
	if otrKindOf(alice.bot, refusal) != "not_allowed" || !strings.Contains(body, "not end-to-end encrypted") ||
		!strings.Contains(body, "!xmpp otr encrypt") {
		t.Fatalf("refusal in an unencrypted portal: %q", body)
	}
	assertNoOTRSent(t, c, w0)
	c.otr(t, "encrypt", "encrypted")
	requireEncrypted(t, c)
	c.start(t)
	c.send(t, "encrypted now")
	c.bob.waitEncrypted(t, "encrypted now")
}

// requireEncrypted fails unless the portal has m.room.encryption.
func requireEncrypted(t *testing.T, c *otrChat) {
	t.Helper()
	var enc event.EncryptionEventContent
	if err := c.alice.StateEvent(ctxFor(t), c.portal, event.StateEncryption, "", &enc); err != nil || enc.Algorithm != id.AlgorithmMegolmV1 {
		t.Fatalf("the portal is not Megolm-encrypted: %v (%q)", err, enc.Algorithm)
	}
}

// plainBothWays sends a plain message each way and returns their Matrix
// events as the homeserver stores them.
func plainBothWays(t *testing.T, c *otrChat, tag string) []*event.Event {
	t.Helper()
	out := "plain " + tag + " " + uniqueName("m")
	outID := c.send(t, out)
	if enc := c.bob.waitPlain(t, out); enc {
		t.Fatalf("the plain %s message arrived OTR-encrypted", tag)
	}
	in := "plain " + tag + " " + uniqueName("x")
	c.bob.say(t, in)
	inEvt := c.alice.waitFrom(t, c.ghost, in)
	return rawEncrypted(t, c, outID, inEvt.ID)
}

// encryptedSince returns ids plus the encrypted messages the user received
// in the portal between the cursors from and to.
func encryptedSince(c *otrChat, from, to int, ids ...id.EventID) []id.EventID {
	all := c.alice.Events("")
	to = min(to, len(all))
	for _, e := range all[min(from, to):to] {
		if e.RoomID == c.portal && e.Mautrix.WasEncrypted && e.Type == event.EventMessage {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

// rawEncrypted fetches the portal's recent events from the homeserver
// (/messages, not decrypted) and returns those listed in ids, which must all
// be m.room.encrypted there.
func rawEncrypted(t *testing.T, c *otrChat, ids ...id.EventID) []*event.Event {
	t.Helper()
	want := map[id.EventID]bool{}
	for _, evtID := range ids {
		want[evtID] = true
	}
	resp, err := c.alice.Messages(ctxFor(t), c.portal, "", "", mautrix.DirectionBackward, nil, 200)
	if err != nil {
		t.Fatalf("reading the portal's events from the homeserver: %v", err)
	}
	var out []*event.Event
	for _, e := range resp.Chunk {
		if !want[e.ID] {
			continue
		}
		if e.Type != event.EventEncrypted {
			t.Fatalf("event %s is %s on the homeserver, want m.room.encrypted", e.ID, e.Type.Type)
		}
		if err := e.Content.ParseRaw(e.Type); err != nil {
			t.Fatalf("parsing encrypted event %s: %v", e.ID, err)
		}
		out = append(out, e)
		delete(want, e.ID)
	}
	for _, evtID := range ids {
		if want[evtID] {
			t.Fatalf("event %s is not among the portal's last 200 events", evtID)
		}
	}
	return out
}

// storedSession is one inbound Megolm session of the bridge's crypto store.
type storedSession struct {
	id       id.SessionID
	pickle   string
	exported string
	sess     olm.InboundGroupSession
}

// storedSessions reads every inbound Megolm session the bridge's database
// holds (read-only, the bridge may be running) and unpickles it with the
// bridge's pickle key.
func storedSessions(t *testing.T, b *bridgetest.Bridge) []storedSession {
	t.Helper()
	key := pickleKey(t, b)
	db, err := sql.Open("sqlite3", "file:"+b.DBPath()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), otrWait)
	defer cancel()
	rows, err := db.QueryContext(ctx, "SELECT session_id, session FROM crypto_megolm_inbound_session WHERE session IS NOT NULL")
	if err != nil {
		t.Fatalf("reading the bridge's Megolm sessions: %v", err)
	}
	defer rows.Close()
	var out []storedSession
	for rows.Next() {
		var sid string
		var pickle []byte
		if err := rows.Scan(&sid, &pickle); err != nil {
			t.Fatal(err)
		}
		sess := olm.NewBlankInboundGroupSession()
		if err := sess.Unpickle(append([]byte(nil), pickle...), key); err != nil {
			t.Fatalf("unpickling session %s: %v", sid, err)
		}
		exported, err := sess.Export(sess.FirstKnownIndex())
		if err != nil {
			t.Fatalf("exporting session %s: %v", sid, err)
		}
		out = append(out, storedSession{id: id.SessionID(sid), pickle: string(pickle), exported: string(exported), sess: sess})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// pickleKey reads encryption.pickle_key from the bridge's config (generated
// at the first start).
func pickleKey(t *testing.T, b *bridgetest.Bridge) []byte {
	t.Helper()
	data, err := os.ReadFile(b.ConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Encryption struct {
			PickleKey string `yaml:"pickle_key"`
		} `yaml:"encryption"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Encryption.PickleKey == "" || cfg.Encryption.PickleKey == "generate" {
		t.Fatalf("no generated pickle key in %s", b.ConfigPath())
	}
	return []byte(cfg.Encryption.PickleKey)
}

// decrypts tries every session on an encrypted event and returns the
// session that decrypts it, or "".
func decrypts(evt *event.Event, keys []storedSession) id.SessionID {
	ct := evt.Content.AsEncrypted().MegolmCiphertext
	for _, k := range keys {
		if _, _, err := k.sess.Decrypt(append([]byte(nil), ct...)); err == nil {
			return k.id
		}
	}
	return ""
}

// checkNoSpanKey checks, with the bridge stopped, that no stored session
// decrypts a span event, that the plain controls still decrypt, and that
// the span's secrets are in no file of the bridge.
func checkNoSpanKey(t *testing.T, b *bridgetest.Bridge, span, before, after []*event.Event, secrets []string, canary string) {
	t.Helper()
	keys := storedSessions(t, b)
	t.Logf("%d inbound Megolm sessions in the bridge's store after the span; %d span events", len(keys), len(span))
	for _, evt := range span {
		if sid := decrypts(evt, keys); sid != "" {
			t.Errorf("span event %s from %s still decrypts with stored session %s", evt.ID, evt.Sender, sid)
		}
	}
	for _, evt := range append(append([]*event.Event(nil), before...), after...) {
		if decrypts(evt, keys) == "" {
			t.Errorf("plain event %s from %s no longer decrypts: plain history broke", evt.ID, evt.Sender)
		}
	}
	for _, s := range secrets {
		if hits := filesContaining(t, b.Dir, s); len(hits) > 0 {
			t.Errorf("a span session's key material is still in the bridge's files: %v", hits)
		}
	}
	if canary != "" {
		if hits := filesContaining(t, b.Dir, canary); len(hits) > 0 {
			t.Errorf("the canary is in the bridge's files: %v", hits)
		}
		if hits := filesContaining(t, st.hs.Dir(), canary); len(hits) > 0 {
			t.Errorf("the canary is in Dendrite's files: %v", hits)
		}
	}
	if len(span) > 0 {
		ct := string(span[0].Content.AsEncrypted().MegolmCiphertext)
		if hits := filesContaining(t, st.hs.Dir(), ct); len(hits) > 0 {
			t.Logf("Dendrite still stores span ciphertext (%v): the key deletion is what protects it", hits)
		}
	}
	if wal, err := os.Stat(b.DBPath() + "-wal"); err == nil {
		t.Logf("bridge WAL after the span: %d bytes", wal.Size())
	}
}

// TestOTRMegolmNewDeviceAndKeyRequests: a second device of the Matrix user
// logs in during OTR. Its first message there brings a notice naming it;
// its key requests for a span session, during OTR and after the end, are
// answered with m.room_key.withheld (never a key), each with a notice.
func TestOTRMegolmNewDeviceAndKeyRequests(t *testing.T) {
	bot := startE2EEBridge(t)
	alice := newMatrixUserOf(t, bot, true)
	c := newOTRChat(t, alice, e2eeGhostPrefix)
	requireEncrypted(t, c)
	c.start(t)
	c.bob.say(t, "before the new device")
	theirs := c.waitOTRMessage(t, "before the new device")
	spanEvt := rawEncrypted(t, c, theirs.ID)[0]
	spanContent := spanEvt.Content.AsEncrypted()

	ctx := ctxFor(t)
	cli, err := st.hs.Login(ctx, alice.UserID.Localpart(), alice.Password)
	if err != nil {
		t.Fatalf("second login: %v", err)
	}
	phone, err := dendritetest.NewUserFromClient(ctx, cli, dendritetest.UserOptions{E2EE: true, StoreDir: t.TempDir(), Password: alice.Password})
	if err != nil {
		t.Fatalf("second device: %v", err)
	}
	t.Cleanup(phone.Close)

	if _, err := phone.State(ctx, c.portal); err != nil { // the new client learns that the room is encrypted
		t.Fatalf("room state for the second device: %v", err)
	}
	cursor := alice.Cursor()
	phoneMsg, err := phone.SendText(ctx, c.portal, "from the new device")
	if err != nil {
		t.Fatalf("sending from the second device: %v", err)
	}
	// The homeserver's /messages has the event once a sync has shown it
	// (the send returns before its sync component has it).
	if _, err := phone.WaitEventFrom(ctx, 0, c.portal, func(e *event.Event) bool { return e.ID == phoneMsg }); err != nil {
		t.Fatalf("the second device's message never came back in its sync: %v", err)
	}
	rawEncrypted(t, c, phoneMsg) // fails unless Megolm-encrypted
	c.bob.waitEncrypted(t, "from the new device")
	n := alice.waitNotice(t, cursor, c.portal, "megolm")
	if body := n.Content.AsMessage().Body; !strings.Contains(body, string(phone.DeviceID)) || !strings.Contains(body, "new Matrix device") {
		t.Errorf("new device notice: %q", body)
	}

	askKey := func(when string) {
		t.Helper()
		cursor := alice.Cursor()
		pcursor := phone.Cursor()
		if err := phone.Crypto.Machine().SendRoomKeyRequest(ctx, c.portal, spanContent.SenderKey, spanContent.SessionID, "",
			map[id.UserID][]id.DeviceID{alice.bot: {"*"}}); err != nil {
			t.Fatalf("key request %s: %v", when, err)
		}
		withheld, err := phone.WaitEventFrom(ctx, pcursor, "", func(e *event.Event) bool {
			if e.Type != event.ToDeviceRoomKeyWithheld {
				return false
			}
			_ = e.Content.ParseRaw(e.Type)
			w := e.Content.AsRoomKeyWithheld()
			return w != nil && w.SessionID == spanContent.SessionID
		})
		if err != nil {
			t.Fatalf("no m.room_key.withheld for the key request %s: %v", when, err)
		}
		if code := withheld.Content.AsRoomKeyWithheld().Code; code != event.RoomKeyWithheldUnavailable {
			t.Errorf("withheld code %s %q, want m.unavailable", when, code)
		}
		for _, e := range phone.Events("") {
			if e.Type == event.ToDeviceForwardedRoomKey {
				t.Errorf("the bridge forwarded a room key %s", when)
			}
		}
		if sess, _ := phone.Crypto.Machine().CryptoStore.GetGroupSession(ctx, c.portal, spanContent.SessionID); sess != nil {
			t.Errorf("the second device holds the span session %s", when)
		}
		n := alice.waitNotice(t, cursor, c.portal, "megolm")
		if body := n.Content.AsMessage().Body; !strings.Contains(body, string(phone.DeviceID)) || !strings.Contains(body, "asked the bridge for the keys") {
			t.Errorf("key request notice %s: %q", when, body)
		}
	}
	askKey("during OTR")

	ev1, _ := c.bob.mark()
	cursor = alice.Cursor()
	c.send(t, "!xmpp otr end")
	alice.waitNotice(t, cursor, c.portal, "ended")
	c.bob.waitFinished(t, ev1)
	askKey("after the end")
}

// TestOTRMegolmClientKeepsSession: the Matrix user's client does not rotate
// its Megolm session when OTR starts (simulated: its outbound session lost
// its history flag, so mautrix-go keeps it through the history visibility
// change). The portal gets a notice saying so; after the end the bridge's
// copy of that session decrypts none of the span, and the user's later
// messages in the same session still decrypt. The price, documented: the
// bridge's copy no longer decrypts that session's messages from before OTR.
func TestOTRMegolmClientKeepsSession(t *testing.T) {
	bot := startE2EEBridge(t)
	alice := newMatrixUserOf(t, bot, true)
	c := newOTRChat(t, alice, e2eeGhostPrefix)
	requireEncrypted(t, c)
	before := plainBothWays(t, c, "before")
	store, ok := alice.Crypto.Machine().CryptoStore.(*crypto.SQLCryptoStore)
	if !ok {
		t.Fatal("the test user's crypto store is not SQL")
	}
	ctx := ctxFor(t)
	if res, err := store.DB.Exec(ctx, "UPDATE crypto_megolm_outbound_session SET shared_history = NULL WHERE room_id = $1", c.portal); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%d outbound sessions of the user in the portal, want 1", n)
	}

	cursor := alice.Cursor()
	c.start(t)
	spanFrom := alice.Cursor()
	mine := c.send(t, "kept session "+uniqueName("k"))
	n := alice.waitNotice(t, cursor, c.portal, "megolm")
	if body := n.Content.AsMessage().Body; !strings.Contains(body, "kept the encryption session") {
		t.Errorf("notice for a client that kept its session: %q", body)
	}
	c.bob.say(t, "to a kept session")
	theirs := c.waitOTRMessage(t, "to a kept session")
	span := rawEncrypted(t, c, encryptedSince(c, spanFrom, alice.Cursor(), mine, theirs.ID)...)
	kept := sessionOf(t, before, alice.UserID)
	if sessionOf(t, span, alice.UserID) != kept {
		t.Fatal("the user's client rotated after all: the test proves nothing")
	}

	ev1, _ := c.bob.mark()
	cursor = alice.Cursor()
	endCmd := c.send(t, "!xmpp otr end")
	alice.waitNotice(t, cursor, c.portal, "ended")
	c.bob.waitFinished(t, ev1)
	span = append(span, rawEncrypted(t, c, endCmd)...)
	c.bob.end(t)
	after := plainBothWays(t, c, "after")
	if sessionOf(t, after, alice.UserID) != kept {
		t.Fatal("the user's client rotated at the end: the test proves less than it says")
	}
	if err := st.e2ee.Stop(); err != nil {
		t.Fatalf("stopping the E2EE bridge: %v", err)
	}
	// The user's plain message before OTR is in the kept session: cut off
	// with the span, by design. The buddy's still decrypts.
	var buddyBefore, userBefore []*event.Event
	for _, e := range before {
		if e.Sender == alice.UserID {
			userBefore = append(userBefore, e)
		} else {
			buddyBefore = append(buddyBefore, e)
		}
	}
	checkNoSpanKey(t, st.e2ee, span, buddyBefore, after, nil, "")
	for _, e := range userBefore {
		if sid := decrypts(e, storedSessions(t, st.e2ee)); sid != "" {
			t.Errorf("the kept session's pre-OTR message still decrypts with %s: the ratchet did not reach past the span", sid)
		}
	}
}

// sessionOf is the Megolm session of sender's (only) event among events.
func sessionOf(t *testing.T, events []*event.Event, sender id.UserID) id.SessionID {
	t.Helper()
	for _, e := range events {
		if e.Sender == sender {
			return e.Content.AsEncrypted().SessionID
		}
	}
	t.Fatalf("no event from %s", sender)
	return ""
}

// TestOTRMegolmShutdown: a graceful stop during OTR ends the conversation;
// with the bridge stopped, its store decrypts none of the span.
func TestOTRMegolmShutdown(t *testing.T) {
	bot := startE2EEBridge(t)
	alice := newMatrixUserOf(t, bot, true)
	c := newOTRChat(t, alice, e2eeGhostPrefix)
	requireEncrypted(t, c)
	before := plainBothWays(t, c, "before")
	c.start(t)
	spanFrom := alice.Cursor()
	canary := "CANARY" + randomHex(t, 16)
	mine := c.send(t, "to buddy "+canary)
	c.bob.waitEncrypted(t, "to buddy "+canary)
	c.bob.say(t, "to matrix "+canary)
	theirs := c.waitOTRMessage(t, "to matrix "+canary)
	span := rawEncrypted(t, c, encryptedSince(c, spanFrom, alice.Cursor(), mine, theirs.ID)...)
	ev0, _ := c.bob.mark()
	if err := st.e2ee.Stop(); err != nil {
		t.Fatalf("stopping the E2EE bridge: %v", err)
	}
	c.bob.waitFinished(t, ev0)
	checkNoSpanKey(t, st.e2ee, span, before, nil, nil, canary)
}
