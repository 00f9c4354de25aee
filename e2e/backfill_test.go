package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/internal/dendritetest"
	"github.com/offrecord/offrecord/internal/stacktest"
	"github.com/offrecord/offrecord/otr"
)

// History from the server's archive (prosody with mod_mam): a new portal
// shows the recent conversation, and what was said while the bridge was
// stopped appears after it starts, in order, once, the user's own messages
// from another client as the user's. OTR never shows.

// timeline reads a room's m.room.message events from the homeserver
// (/messages, oldest first): the sync record may be cut when many events
// came before the user joined.
func timeline(t *testing.T, mu *matrixUser, room id.RoomID) []*event.Event {
	t.Helper()
	return roomEvents(t, mu, room, event.EventMessage)
}

// roomEvents reads a room's events of one type from the homeserver, oldest first.
func roomEvents(t *testing.T, mu *matrixUser, room id.RoomID, typ event.Type) []*event.Event {
	t.Helper()
	ctx := ctxFor(t)
	var out []*event.Event
	from := ""
	for {
		resp, err := mu.Messages(ctx, room, from, "", mautrix.DirectionBackward, nil, 500)
		if err != nil {
			t.Fatalf("reading the timeline of %s: %v", room, err)
		}
		for _, e := range resp.Chunk {
			if e.Type != typ {
				continue
			}
			_ = e.Content.ParseRaw(e.Type)
			out = append(out, e)
		}
		if resp.End == "" || len(resp.Chunk) == 0 {
			break
		}
		from = resp.End
	}
	slices.Reverse(out)
	return out
}

// line is one message as the timeline shows it: who sent it, and its body.
type line struct {
	sender id.UserID
	body   string
}

func lines(evts []*event.Event) []line {
	var out []line
	for _, e := range evts {
		out = append(out, line{e.Sender, e.Content.AsMessage().Body})
	}
	return out
}

// noOTRShown fails when any message of the timeline holds OTR protocol text
// or one of the given texts.
func noOTRShown(t *testing.T, evts []*event.Event, never ...string) {
	t.Helper()
	for _, e := range evts {
		body := e.Content.AsMessage().Body
		if otr.LooksLikeOTR(body) || strings.Contains(body, "🔑") {
			t.Errorf("the timeline shows OTR: %q", body)
		}
		for _, n := range never {
			if strings.Contains(body, n) {
				t.Errorf("the timeline shows %q: %q", n, body)
			}
		}
	}
}

// loginWith logs a new Matrix user into the main bridge with an existing
// XMPP account and waits until the bridge is connected.
func loginWith(t *testing.T, account jid.JID, pass string) *matrixUser {
	t.Helper()
	u := st.hs.NewUser(t, uniqueName("matrix"), dendritetest.UserOptions{AutoJoin: true})
	mgmt, cursor, err := stacktest.Login(ctxFor(t), u, st.bot, account, pass)
	if err != nil {
		t.Fatalf("logging the bridge in: %v", err)
	}
	mu := &matrixUser{User: u, jid: account, pass: pass, mgmt: mgmt, bot: st.bot}
	mu.waitState(t, cursor, "CONNECTED")
	return mu
}

// archived makes sure the server has processed everything b sent: its own
// archive, read on the same stream, ends with the last thing sent (what
// last says of it).
func (b *buddy) archived(t *testing.T, with jid.JID, last func(*xmppad.Message) bool) {
	t.Helper()
	page, err := b.client.FetchHistory(ctxFor(t), xmppad.HistoryQuery{With: with, Last: true, Max: 1})
	if err != nil {
		t.Fatalf("reading %s's archive: %v", b.jid, err)
	}
	if len(page.Messages) != 1 || !last(page.Messages[0].Message) {
		t.Fatalf("%s's archive does not end with the last message sent", b.jid)
	}
}

// TestHistoryNewPortal: a conversation held on other clients before the
// bridge was logged in shows when its portal is opened: in order, the
// user's messages as the user's, the last correction of a message, no
// retracted message, reactions, and no OTR (neither data, query, error nor a
// whitespace-tagged message).
func TestHistoryNewPortal(t *testing.T) {
	account, pass := xmppAccount(t, "mx")
	bob := newBuddy(t, "bob")
	phone := connectBuddy(t, account, pass, "phone")
	tag := uniqueName("h")
	say := func(from *buddy, to jid.JID, out xmppad.Outgoing, wait *buddy) string {
		id := from.send(t, to, out)
		if out.Body != "" {
			wait.waitMessage(t, out.Body)
		}
		return id
	}
	h1 := say(bob, account, xmppad.Outgoing{Body: tag + " one"}, phone)
	say(phone, bob.jid, xmppad.Outgoing{Body: tag + " two, from my phone"}, bob)
	say(bob, account, xmppad.Outgoing{Body: "?OTR:AAMDAAAAAQAAAAEAAADAVf3R" + tag + "."}, phone)
	say(bob, account, xmppad.Outgoing{Body: "?OTRv23?\n" + tag + " would like to go off the record"}, phone)
	say(bob, account, xmppad.Outgoing{Body: tag + " tagged" + otr.WhitespaceTag + "  \t\t  \t "}, phone)
	gone := say(bob, account, xmppad.Outgoing{Body: tag + " retracted"}, phone)
	bob.send(t, account, xmppad.Outgoing{Retract: gone})
	typo := say(phone, bob.jid, xmppad.Outgoing{Body: tag + " thre"}, bob)
	say(phone, bob.jid, xmppad.Outgoing{Body: tag + " three", Replace: typo}, bob)
	phone.send(t, bob.jid, xmppad.Outgoing{Reactions: &xmppad.Reactions{ID: h1, Emoji: []string{"👍"}}})
	phone.archived(t, bob.jid, func(m *xmppad.Message) bool { return m.Reactions != nil && m.Reactions.ID == h1 })

	// The portal opens from Matrix: its history is all from the archive.
	alice := loginWith(t, account, pass)
	portal := startChat(t, alice, bob.jid)
	bob.send(t, account, xmppad.Outgoing{Body: tag + " live"})
	if evt := alice.waitFrom(t, ghostOf(bob.jid), tag+" live"); evt.RoomID != portal {
		t.Fatalf("the live message went to %s, not the portal %s", evt.RoomID, portal)
	}

	evts := timeline(t, alice, portal)
	bobGhost, self := ghostOf(bob.jid), ghostOf(account)
	want := []line{
		{bobGhost, tag + " one"},
		{self, tag + " two, from my phone"},
		{self, tag + " three"},
		{bobGhost, tag + " live"},
	}
	if got := lines(evts); !slices.Equal(got, want) {
		t.Fatalf("portal timeline:\n%v\nwant:\n%v", got, want)
	}
	noOTRShown(t, evts, "retracted", "tagged", "would like to")
	reactions := roomEvents(t, alice, portal, event.EventReaction)
	if len(reactions) != 1 {
		t.Fatalf("%d reactions in the history, want the phone's one", len(reactions))
	}
	if r, rel := reactions[0], reactions[0].Content.AsReaction().RelatesTo; r.Sender != self || rel.EventID != evts[0].ID ||
		strings.TrimSuffix(rel.Key, "\ufe0f") != "👍" {
		t.Fatalf("the reaction in the history is %q from %s on %s; want 👍 from %s on %s", rel.Key, r.Sender, rel.EventID, self, evts[0].ID)
	}
}

// stopBridge stops (or with kill, kills) the main bridge; it is started
// again at cleanup if the test did not.
func stopBridge(t *testing.T, kill bool) (start func()) {
	t.Helper()
	stop := st.bridge.Stop
	if kill {
		stop = st.bridge.Kill
	}
	if err := stop(); err != nil {
		t.Fatalf("stopping the bridge: %v", err)
	}
	down := true
	t.Cleanup(func() {
		if down {
			_ = st.bridge.Start() // leave the shared stack running for the next test
		}
	})
	return func() {
		t.Helper()
		down = false
		if err := st.bridge.Start(); err != nil {
			t.Fatalf("starting the bridge: %v", err)
		}
	}
}

// TestHistoryAfterRestart: messages sent while the bridge is stopped, by the
// contact (to the user's other client, or stored offline when none is
// online) and by the user from another client, appear after the start in
// the order they were sent, each exactly once, the user's as the user's;
// OTR sent meanwhile does not.
func TestHistoryAfterRestart(t *testing.T) {
	alice := newMatrixUser(t, false)
	bob := newBuddy(t, "bob")
	tag := uniqueName("r")
	bob.send(t, alice.jid, xmppad.Outgoing{Body: tag + " before the stop"})
	portal := alice.waitFrom(t, ghostOf(bob.jid), tag+" before the stop").RoomID
	phone := connectBuddy(t, alice.jid, alice.pass, "phone")

	start := stopBridge(t, false)
	bobGhost, self := ghostOf(bob.jid), ghostOf(alice.jid)
	want := []line{{bobGhost, tag + " before the stop"}}
	for i := 1; i <= 3; i++ {
		text := fmt.Sprintf("%s from bob %d", tag, i)
		bob.send(t, alice.jid, xmppad.Outgoing{Body: text})
		phone.waitMessage(t, text)
		want = append(want, line{bobGhost, text})
		mine := fmt.Sprintf("%s from my phone %d", tag, i)
		phone.send(t, bob.jid, xmppad.Outgoing{Body: mine})
		bob.waitMessage(t, mine)
		want = append(want, line{self, mine})
	}
	for _, body := range []string{"?OTR:AAMDAAAAAQAAAAEAAADA" + tag + ".", tag + " tagged" + otr.WhitespaceTag + "  \t\t  \t "} {
		bob.send(t, alice.jid, xmppad.Outgoing{Body: body})
		phone.waitMessage(t, body)
	}
	// With no client of the user online, the server keeps the rest offline
	// as well: it comes live at the bridge's login, and from the archive.
	if err := phone.Close(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		text := fmt.Sprintf("%s offline %d", tag, i)
		bob.send(t, alice.jid, xmppad.Outgoing{Body: text})
		want = append(want, line{bobGhost, text})
	}
	bob.archived(t, alice.jid, func(m *xmppad.Message) bool { return m.Body == tag+" offline 2" })

	start()
	after := tag + " after the start"
	bob.send(t, alice.jid, xmppad.Outgoing{Body: after})
	alice.waitFrom(t, bobGhost, after)
	want = append(want, line{bobGhost, after})

	evts := timeline(t, alice, portal)
	if got := lines(evts); !slices.Equal(got, want) {
		t.Fatalf("portal timeline:\n%v\nwant (each once, in this order):\n%v", got, want)
	}
	noOTRShown(t, evts, "tagged")
}

// TestHistoryAroundOTR: the bridge crashes during an OTR session; meanwhile
// the buddy sends an OTR message, ends OTR and writes in plaintext (the
// user's other client is online, so all of it is only in the archive).
// After the restart the plaintext shows as plaintext (no key mark), the OTR
// message does not, nothing is answered to the buddy, and the conversation
// stays "lost": the user's next message is still refused.
func TestHistoryAroundOTR(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	c.start(t)
	c.bob.say(t, "secret before the crash")
	c.waitOTRMessage(t, "secret before the crash")
	phone := connectBuddy(t, alice.jid, alice.pass, "phone")

	start := stopBridge(t, true)
	secret := "secret while away " + uniqueName("s")
	c.bob.say(t, secret)
	c.bob.end(t)
	plain := "plain while away " + uniqueName("p")
	c.bob.say(t, plain)
	phone.waitMessage(t, plain)

	_, w0 := c.bob.mark()
	cursor := alice.Cursor()
	start()
	alice.waitNotice(t, cursor, c.portal, "lost")
	evt, err := stacktest.WaitText(ctxFor(t), alice.User, cursor, c.portal, c.ghost, plain)
	if err != nil {
		t.Fatalf("the plaintext sent while the bridge was away did not show: %v", err)
	}
	if len(otrInfo(evt)) != 0 || strings.Contains(evt.Content.AsMessage().FormattedBody, "🔑") {
		t.Errorf("the archived plaintext is marked as off the record: %v", evt.Content.Raw)
	}
	evts := timeline(t, alice, c.portal)
	for _, e := range evts {
		if strings.Contains(e.Content.AsMessage().Body, secret) {
			t.Errorf("the OTR message sent while the bridge was away shows: %q", e.Content.AsMessage().Body)
		}
		if otr.LooksLikeOTR(e.Content.AsMessage().Body) {
			t.Errorf("the timeline shows OTR protocol text: %q", e.Content.AsMessage().Body)
		}
	}
	c.refused(t, "still off the record? "+uniqueName("x"))
	for _, m := range c.bob.wireSince(w0) {
		if otr.LooksLikeOTR(m.Body) {
			t.Errorf("after the restart the bridge sent OTR to the buddy: %q", shorten(m.Body))
		}
	}
}
