package e2e

import (
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/internal/dendritetest"
	"github.com/offrecord/offrecord/internal/otrbuddy"
)

// TestOTRStartFromMatrix: the Matrix user starts OTR, libotr (manual policy)
// answers the query by itself, both sides go secure with OTR v3, messages
// flow both ways marked 🔑, only OTR data is on the wire, and status shows
// both fingerprints.
func TestOTRStartFromMatrix(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	ev0, w0 := c.bob.mark()
	cursor := alice.Cursor()
	c.send(t, "!xmpp otr start")
	// Sent while the key exchange runs: held, then sent encrypted.
	c.send(t, "held during start")
	started := alice.waitNotice(t, cursor, c.portal, "started")
	query := c.bob.waitWire(t, w0, "OTR query", func(m xmppad.Message) bool { return strings.HasPrefix(m.Body, "?OTR") })
	if !strings.HasPrefix(query.Body, "?OTRv") && !strings.HasPrefix(query.Body, "?OTR?") {
		t.Errorf("first OTR message is %q, want a query", shorten(query.Body))
	}
	secure := alice.waitNotice(t, cursor, c.portal, "secure")
	bobSecure := c.bob.waitSecure(t, ev0)
	if bobSecure.Version != 3 {
		t.Errorf("libotr is secure with OTR v%d, want v3", bobSecure.Version)
	}
	if s, _ := otrInfo(secure)["state"].(string); s != "encrypted" {
		t.Errorf("secure notice state %q, want encrypted (raw %v)", s, otrInfo(secure))
	}
	if started.Timestamp > secure.Timestamp {
		t.Error("secure notice before started")
	}

	c.bob.waitEncrypted(t, "held during start")
	c.send(t, "from matrix <b>&amp; co")
	c.bob.waitEncrypted(t, "from matrix <b>&amp; co")
	c.bob.say(t, "from xmpp <i>& co")
	c.waitOTRMessage(t, "from xmpp <i>& co")

	status := c.otr(t, "status", "status")
	info := otrInfo(status)
	if info["state"] != "encrypted" || info["version"] != float64(3) || info["verified"] != false || info["trusted"] != false {
		t.Errorf("status raw = %v, want state encrypted, version 3, verified and trusted false", info)
	}
	if got, want := info["peer_fingerprint"], fingerprint5x8(c.bob.Fingerprint()); got != want {
		t.Errorf("status peer_fingerprint %v, want the buddy's %q", got, want)
	}
	if got, want := info["own_fingerprint"], fingerprint5x8(bobSecure.Fingerprint); got != want {
		t.Errorf("status own_fingerprint %v, want what libotr saw: %q", got, want)
	}
	if st := c.bob.status(t); st.Detail != "encrypted" || st.Version != 3 {
		t.Errorf("libotr status %q v%d, want encrypted v3", st.Detail, st.Version)
	}
	checkOTRWire(t, c.bob.wireSince(w0), "from matrix", "held during start")
}

// TestOTRStartFromBuddyAccept: the buddy asks for OTR, the Matrix user is
// asked to accept, accepts, and the session is secure both ways.
func TestOTRStartFromBuddyAccept(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	ev0, w0 := c.bob.mark()
	cursor := alice.Cursor()
	c.bob.query(t)
	pending := alice.waitNotice(t, cursor, c.portal, "pending_acceptance")
	body := pending.Content.AsMessage().Body
	if !strings.Contains(body, "!xmpp otr accept") || !strings.Contains(body, "!xmpp otr deny") {
		t.Errorf("pending notice %q does not say how to accept and deny", body)
	}
	if got := c.bob.EventsSince(ev0); len(got) > 0 {
		for _, ev := range got {
			if ev.Kind == otrbuddy.Secure {
				t.Fatal("the session went secure before the Matrix user accepted")
			}
		}
	}
	// Sent while the request is pending: held, then sent encrypted.
	c.send(t, "held while pending")
	cursor = alice.Cursor()
	c.send(t, "!xmpp otr accept")
	alice.waitNotice(t, cursor, c.portal, "accepted")
	alice.waitNotice(t, cursor, c.portal, "secure")
	c.bob.waitSecure(t, ev0)

	c.bob.waitEncrypted(t, "held while pending")
	c.bob.say(t, "accepted, hi")
	c.waitOTRMessage(t, "accepted, hi")
	c.send(t, "hi back")
	c.bob.waitEncrypted(t, "hi back")
	checkOTRWire(t, c.bob.wireSince(w0), "hi back", "held while pending")
}

// TestOTRStartFromBuddyDeny: the Matrix user denies; the buddy gets a plain
// explanation (not OTR) and no session starts.
func TestOTRStartFromBuddyDeny(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	ev0, w0 := c.bob.mark()
	cursor := alice.Cursor()
	c.bob.query(t)
	alice.waitNotice(t, cursor, c.portal, "pending_acceptance")
	// Sent while the request is pending: held; after deny it must not go out
	// in plaintext.
	heldText := "held then denied " + uniqueName("h")
	c.send(t, heldText)
	cursor = alice.Cursor()
	c.send(t, "!xmpp otr deny")
	alice.waitNotice(t, cursor, c.portal, "declined")
	alice.waitNotice(t, cursor, c.portal, "discarded") // the held message
	decline := c.bob.waitWire(t, w0, "decline message", func(m xmppad.Message) bool { return m.Body != "" })
	if strings.HasPrefix(decline.Body, "?OTR") || strings.TrimSpace(decline.Body) == "" {
		t.Errorf("the buddy was told %q, want plain words", shorten(decline.Body))
	}
	if enc := c.bob.waitPlain(t, decline.Body); enc {
		t.Error("the decline came encrypted")
	}
	// Later messages are plain, and there never was a session.
	c.send(t, "plain after deny")
	if enc := c.bob.waitPlain(t, "plain after deny"); enc {
		t.Error("a message after deny was encrypted")
	}
	for _, ev := range c.bob.EventsSince(ev0) {
		if ev.Kind == otrbuddy.Secure {
			t.Error("libotr went secure after deny")
		}
	}
	if k := alice.noticesSince(cursor, c.portal); contains(k, "secure") {
		t.Errorf("bridge notices after deny: %v", k)
	}
	assertNeverReached(t, c, w0, heldText, "the message held while pending went out in plaintext after deny")
}

// TestOTRStartFromBuddyTimeout: the Matrix user does not answer; after
// accept_timeout (4 s here) the request lapses and the buddy is told.
func TestOTRStartFromBuddyTimeout(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	ev0, w0 := c.bob.mark()
	cursor := alice.Cursor()
	c.bob.query(t)
	pending := alice.waitNotice(t, cursor, c.portal, "pending_acceptance")
	lapse := alice.waitNotice(t, cursor, c.portal, "declined", "timeout")
	// Timed by the homeserver's timestamps of the two notices, not by when
	// this test's sync saw them (that lags under load). The bridge checks
	// timeouts periodically: the request lapses between 4 s
	// (accept_timeout) and 4 s plus the check interval.
	waited := time.Duration(lapse.Timestamp-pending.Timestamp) * time.Millisecond
	if waited < 3*time.Second || waited > 11*time.Second {
		t.Errorf("the request lapsed %s after it was announced, want the 4 s accept_timeout (+ up to the expiry interval)", waited)
	}
	t.Logf("request lapsed as %q after %s", otrKindOf(alice.bot, lapse), waited)
	told := c.bob.waitWire(t, w0, "a timeout message", func(m xmppad.Message) bool { return m.Body != "" })
	if strings.HasPrefix(told.Body, "?OTR:") {
		t.Errorf("the buddy was told in OTR data: %q", shorten(told.Body))
	}
	t.Logf("the buddy was told %q", told.Body)
	for _, ev := range c.bob.EventsSince(ev0) {
		if ev.Kind == otrbuddy.Secure {
			t.Error("libotr went secure without acceptance")
		}
	}
}

// TestOTRRefresh: refresh runs a new key exchange; a message sent during it
// is held and arrives encrypted; messages flow after it.
func TestOTRRefresh(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	c.start(t)
	ev0, w0 := c.bob.mark()
	cursor := alice.Cursor()
	c.send(t, "!xmpp otr refresh")
	c.send(t, "sent during refresh")
	alice.waitNotice(t, cursor, c.portal, "refreshing")
	alice.waitNotice(t, cursor, c.portal, "refreshed")
	c.bob.waitEncrypted(t, "sent during refresh")
	c.bob.waitEvent(t, ev0, "a new key exchange", func(ev otrbuddy.Event) bool {
		return ev.Kind == otrbuddy.Refreshed || ev.Kind == otrbuddy.Secure
	})
	c.send(t, "after refresh")
	c.bob.waitEncrypted(t, "after refresh")
	c.bob.say(t, "buddy after refresh")
	c.waitOTRMessage(t, "buddy after refresh")
	checkOTRWire(t, c.bob.wireSince(w0), "refresh")
}

// TestOTREndFromMatrix: the Matrix user ends OTR; libotr sees the session
// finished; the OTR messages' Matrix events (both senders) are redacted;
// later messages are plain.
func TestOTREndFromMatrix(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	c.start(t)
	_, w0 := c.bob.mark()
	mine := c.send(t, "otr from matrix")
	c.bob.waitEncrypted(t, "otr from matrix")
	c.bob.say(t, "otr from xmpp")
	theirs := c.waitOTRMessage(t, "otr from xmpp").ID

	ev1, _ := c.bob.mark()
	cursor := alice.Cursor()
	c.send(t, "!xmpp otr end")
	alice.waitNotice(t, cursor, c.portal, "ended")
	c.bob.waitFinished(t, ev1)
	c.waitRedacted(t, cursor, mine, theirs)
	checkOTRWire(t, c.bob.wireSince(w0), "otr from matrix")

	// libotr stays in FINISHED until its user ends too, and shows plaintext
	// then only with a "not encrypted" warning; the wire shows it is plain.
	_, w1 := c.bob.mark()
	c.send(t, "plain after end")
	c.bob.waitWire(t, w1, "the plain message after end", func(m xmppad.Message) bool { return m.Body == "plain after end" })
	c.bob.end(t)
	c.send(t, "plain after both ended")
	if enc := c.bob.waitPlain(t, "plain after both ended"); enc {
		t.Error("a message after end was encrypted")
	}
}

// TestOTREndFromBuddy: the buddy ends OTR; the user is told (finished), a
// Matrix message is then refused and never sent in plaintext; "end" returns
// to plaintext; the OTR messages' Matrix events are redacted.
func TestOTREndFromBuddy(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	c.start(t)
	_, w0 := c.bob.mark()
	mine := c.send(t, "otr before finish")
	c.bob.waitEncrypted(t, "otr before finish")
	c.bob.say(t, "bye from xmpp")
	theirs := c.waitOTRMessage(t, "bye from xmpp").ID

	cursor := alice.Cursor()
	c.bob.end(t)
	finished := alice.waitNotice(t, cursor, c.portal, "finished")
	if s, _ := otrInfo(finished)["state"].(string); s != "finished" {
		t.Errorf("finished notice state %q (raw %v)", s, otrInfo(finished))
	}
	refusedText := "must not leak " + uniqueName("r")
	c.refused(t, refusedText)
	cursor = alice.Cursor()
	c.send(t, "!xmpp otr end")
	alice.waitNotice(t, cursor, c.portal, "ended")
	c.waitRedacted(t, 0, mine, theirs)

	// XMPP keeps order: once the sentinel arrives, anything refused before
	// it would have arrived too.
	sentinel := "plain sentinel " + uniqueName("s")
	c.send(t, sentinel)
	if enc := c.bob.waitPlain(t, sentinel); enc {
		t.Error("the sentinel after end was encrypted")
	}
	var before []xmppad.Message
	for _, m := range c.bob.wireSince(w0) {
		if m.Body == sentinel || strings.Contains(m.Body, sentinel) {
			break
		}
		before = append(before, m)
	}
	checkOTRWire(t, before, refusedText)
	assertNeverReached(t, c, w0, refusedText, "the refused message reached the buddy")
}

// TestOTRSMPFromMatrix: the Matrix user verifies with a shared secret (a
// wrong answer fails) and with a question (the right answer succeeds);
// status and later messages show verified.
func TestOTRSMPFromMatrix(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	c.start(t)

	ev0, _ := c.bob.mark()
	cursor := alice.Cursor()
	c.send(t, "!xmpp otr verify correct horse")
	c.bob.waitSMP(t, ev0, "askforsecret")
	if err := c.bob.SMPAnswer(t.Context(), c.bob.alice, "battery staple"); err != nil {
		t.Fatal(err)
	}
	alice.waitNotice(t, cursor, c.portal, "smp_failed")
	c.bob.waitSMP(t, ev0, "failure")
	if info := otrInfo(c.otr(t, "status", "status")); info["verified"] != false {
		t.Errorf("status after a failed SMP: %v", info)
	}

	ev0, _ = c.bob.mark()
	cursor = alice.Cursor()
	c.send(t, "!xmpp otr ask Where did we meet? | lisbon")
	asked := c.bob.waitSMP(t, ev0, "askforanswer")
	if asked.Text != "Where did we meet?" {
		t.Errorf("libotr got the question %q", asked.Text)
	}
	if err := c.bob.SMPAnswer(t.Context(), c.bob.alice, "lisbon"); err != nil {
		t.Fatal(err)
	}
	alice.waitNotice(t, cursor, c.portal, "smp_succeeded")
	c.bob.waitSMP(t, ev0, "success")
	if info := otrInfo(c.otr(t, "status", "status")); info["verified"] != true {
		t.Errorf("status after SMP success: %v, want verified", info)
	}
	c.bob.say(t, "now verified")
	if info := otrInfo(c.waitOTRMessage(t, "now verified")); info["verified"] != true {
		t.Errorf("message raw %v, want verified: true", info)
	}
}

// TestOTRSMPFromBuddy: the buddy starts SMP (secret: the user answers right;
// question: the user answers wrong; question again: the user aborts), and
// the user trusts the fingerprint by hand.
func TestOTRSMPFromBuddy(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	c.start(t)

	ev0, _ := c.bob.mark()
	cursor := alice.Cursor()
	if err := c.bob.SMP(t.Context(), c.bob.alice, "open sesame"); err != nil {
		t.Fatal(err)
	}
	alice.waitNotice(t, cursor, c.portal, "smp_asked")
	cursor = alice.Cursor()
	c.send(t, "!xmpp otr answer open sesame")
	alice.waitNotice(t, cursor, c.portal, "smp_succeeded")
	c.bob.waitSMP(t, ev0, "success")
	if info := otrInfo(c.otr(t, "status", "status")); info["verified"] != true {
		t.Errorf("status after SMP success: %v, want verified", info)
	}

	ev0, _ = c.bob.mark()
	cursor = alice.Cursor()
	if err := c.bob.SMPQuestion(t.Context(), c.bob.alice, "Favourite city?", "lisbon"); err != nil {
		t.Fatal(err)
	}
	asked := alice.waitNotice(t, cursor, c.portal, "smp_asked")
	if !strings.Contains(asked.Content.AsMessage().Body, "Favourite city?") {
		t.Errorf("smp_asked notice %q does not show the question", asked.Content.AsMessage().Body)
	}
	cursor = alice.Cursor()
	c.send(t, "!xmpp otr answer porto")
	alice.waitNotice(t, cursor, c.portal, "smp_failed")
	// otr3, answering, learns the failure from SMP message 3 and sends an
	// SMP abort instead of message 4, so libotr reports an abort (see
	// otr/smp_interop_test.go); a failure would be as good.
	c.bob.waitEvent(t, ev0, "smp failure or abort", func(ev otrbuddy.Event) bool {
		return ev.Kind == otrbuddy.SMP && (ev.Detail == "failure" || ev.Detail == "abort")
	})

	ev0, _ = c.bob.mark()
	cursor = alice.Cursor()
	if err := c.bob.SMPQuestion(t.Context(), c.bob.alice, "Second try?", "lisbon"); err != nil {
		t.Fatal(err)
	}
	question := alice.waitNotice(t, cursor, c.portal, "smp_asked")
	cursor = alice.Cursor()
	c.send(t, "!xmpp otr abort")
	alice.waitNotice(t, cursor, c.portal, "smp_aborted")
	c.bob.waitSMP(t, ev0, "abort")

	c.otr(t, "trust", "trusted")
	if info := otrInfo(c.otr(t, "status", "status")); info["trusted"] != true {
		t.Errorf("status after trust: %v, want trusted", info)
	}
	// The session still works.
	c.send(t, "still private")
	c.bob.waitEncrypted(t, "still private")
	// The notices that showed the buddy's questions came from inside the
	// encrypted channel: they go with the session.
	cursor = alice.Cursor()
	c.otr(t, "end", "ended")
	c.waitRedacted(t, cursor, asked.ID, question.ID)
}

// TestOTRBuddyOffline: the buddy's client goes offline mid-session; the
// session ends with a buddy_offline notice and its Matrix messages are redacted.
func TestOTRBuddyOffline(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	c.start(t)
	mine := c.send(t, "before you go")
	c.bob.waitEncrypted(t, "before you go")
	c.bob.say(t, "going now")
	theirs := c.waitOTRMessage(t, "going now").ID
	cursor := alice.Cursor()
	c.bob.goOffline(t)
	alice.waitNotice(t, cursor, c.portal, "buddy_offline")
	c.waitRedacted(t, cursor, mine, theirs)
}

// TestOTRHelp: "!xmpp otr" and "!xmpp otr help" print help.
func TestOTRHelp(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	for _, cmd := range []string{"help", ""} {
		cursor := alice.Cursor()
		c.send(t, strings.TrimSpace("!xmpp otr "+cmd))
		help := alice.waitNotice(t, cursor, c.portal, "help")
		body := help.Content.AsMessage().Body
		for _, sub := range []string{"start", "end", "verify", "status"} {
			if !strings.Contains(body, sub) {
				t.Errorf("help for %q does not mention %q", cmd, sub)
			}
		}
	}
}

// TestOTRRefusedInGroupRoom: with a second Matrix user in the portal it is no
// longer a one-to-one chat, and start is refused; no query reaches the buddy.
func TestOTRRefusedInGroupRoom(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	carol := st.hs.NewUser(t, uniqueName("carol"), dendritetest.UserOptions{AutoJoin: true})
	ctx := ctxFor(t)
	if _, err := alice.InviteUser(ctx, c.portal, &mautrix.ReqInviteUser{UserID: carol.UserID}); err != nil {
		t.Fatalf("inviting a second Matrix user into the portal: %v", err)
	}
	if err := alice.WaitJoined(ctx, c.portal, carol.UserID); err != nil {
		t.Fatal(err)
	}
	cursor := alice.Cursor()
	_, w0 := c.bob.mark()
	c.send(t, "!xmpp otr start")
	notice := alice.waitNotice(t, cursor, c.portal, "not_allowed", "started")
	if k := otrKindOf(alice.bot, notice); k != "not_allowed" {
		t.Fatalf("start in a room with two Matrix users: %q", k)
	}
	t.Logf("refusal: %q", notice.Content.AsMessage().Body)
	assertNoOTRSent(t, c, w0)
}

// TestOTRRefusedInManagementRoom: start outside a portal is refused.
func TestOTRRefusedInManagementRoom(t *testing.T) {
	alice := newMatrixUser(t, false)
	reply := alice.command(t, "!xmpp otr start")
	t.Logf("reply: %q", reply)
	low := strings.ToLower(reply)
	if !strings.Contains(low, "portal") && !strings.Contains(low, "not") && !strings.Contains(low, "only") {
		t.Errorf("start in the management room: reply %q does not refuse", reply)
	}
	for _, e := range alice.Events(alice.mgmt) {
		if k := otrKindOf(alice.bot, e); k == "started" || k == "secure" {
			t.Errorf("OTR %s in the management room", k)
		}
	}
}

// TestOTRRefusedBuddyOffline: start with a roster contact who never
// connected is refused.
func TestOTRRefusedBuddyOffline(t *testing.T) {
	alice := newMatrixUser(t, false)
	ghostly, _ := xmppAccount(t, "never")
	portal := startChat(t, alice, ghostly)
	cursor := alice.Cursor()
	if _, err := alice.SendText(ctxFor(t), portal, "!xmpp otr start"); err != nil {
		t.Fatal(err)
	}
	notice := alice.waitNotice(t, cursor, portal, "not_allowed", "started")
	if k := otrKindOf(alice.bot, notice); k != "not_allowed" {
		t.Fatalf("start with an offline buddy: %q", k)
	}
	t.Logf("refusal: %q", notice.Content.AsMessage().Body)
}

// TestOTRRefusedWhenDisabled: on a bridge with otr.enabled false, start is
// refused and nothing OTR reaches the buddy.
func TestOTRRefusedWhenDisabled(t *testing.T) {
	bot := startNoOTRBridge(t)
	alice := newMatrixUserOf(t, bot, false)
	c := newOTRChat(t, alice, noOTRGhostPrefix)
	cursor := alice.Cursor()
	_, w0 := c.bob.mark()
	c.send(t, "!xmpp otr start")
	notice := alice.waitNotice(t, cursor, c.portal, "not_allowed", "started")
	if k := otrKindOf(alice.bot, notice); k != "not_allowed" {
		t.Fatalf("start with OTR disabled: %q", k)
	}
	t.Logf("refusal: %q", notice.Content.AsMessage().Body)
	assertNoOTRSent(t, c, w0)
}

// assertNoOTRSent sends a plain sentinel from Matrix and checks that nothing
// before it on the wire (from cursor w0) was OTR.
// assertNeverReached fails when any stanza the buddy got since w0 carries text.
func assertNeverReached(t *testing.T, c *otrChat, w0 int, text, what string) {
	t.Helper()
	for _, m := range c.bob.wireSince(w0) {
		if strings.Contains(m.Body, text) {
			t.Errorf("%s: %q", what, m.Body)
		}
	}
}

func assertNoOTRSent(t *testing.T, c *otrChat, w0 int) {
	t.Helper()
	sentinel := "plain sentinel " + uniqueName("s")
	c.send(t, sentinel)
	if enc := c.bob.waitPlain(t, sentinel); enc {
		t.Error("the sentinel arrived encrypted")
	}
	for _, m := range c.bob.wireSince(w0) {
		if m.Body == sentinel {
			break
		}
		if strings.HasPrefix(m.Body, "?OTR") {
			t.Errorf("OTR went to the buddy although refused: %q", shorten(m.Body))
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestOTRCarbonsPrivate: the bridge's OTR stanzas are marked private
// (XEP-0280), so another client of the same account gets no carbon of
// them, while it does get carbons of the bridge's plaintext messages.
func TestOTRCarbonsPrivate(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	phone := connectBuddy(t, alice.jid, alice.pass, "phone")
	before := "plain before " + uniqueName("c")
	c.send(t, before)
	waitFor(t, phone, func(m *xmppad.Message) bool { return m.Carbon == xmppad.CarbonSent && m.Body == before })

	c.start(t)
	c.send(t, "private from matrix")
	c.bob.waitEncrypted(t, "private from matrix")
	c.bob.say(t, "private from xmpp")
	c.waitOTRMessage(t, "private from xmpp")
	ev, _ := c.bob.mark()
	c.otr(t, "end", "ended")
	c.bob.waitFinished(t, ev)

	after := "plain after " + uniqueName("c")
	c.send(t, after)
	sentOTR := 0
	waitFor(t, phone, func(m *xmppad.Message) bool {
		if m.Carbon == xmppad.CarbonSent && strings.HasPrefix(m.Body, "?OTR") {
			sentOTR++
		}
		return m.Carbon == xmppad.CarbonSent && m.Body == after
	})
	if sentOTR > 0 {
		t.Errorf("another client of the account got %d sent carbons of the bridge's OTR stanzas", sentOTR)
	}
}
