package e2e

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/bridge"
	"github.com/offrecord/offrecord/internal/otrbuddy"
)

// otrWait bounds one wait for an OTR step (notice, buddy event). The bridge's
// start timeout in the test stack is 20 s, so 30 s covers every awaited step.
const otrWait = 30 * time.Second

// otrField is the raw content field of the bridge's OTR notices and messages.
const otrField = bridge.NoticeKey

// otrBuddy is an internal/otrbuddy buddy (libotr behind our XMPP adapter,
// recording) whose contact is the bridge account alice, with the test's
// waits: they fail t after otrWait and say what did come. Its "wire" is
// the record of message stanzas from the bridge account.
type otrBuddy struct {
	*otrbuddy.Buddy
	jid     jid.JID // the buddy's bare JID
	alice   jid.JID // the bridge account's bare JID (libotr's peer name)
	offline int     // events recorded before goOffline, -1 while online
}

// newOTRBuddy registers an XMPP account, connects it and starts its libotr
// client (policy manual: it answers OTR queries itself but starts none). It
// approves the bridge account's presence subscription. Errors of the buddy
// while online fail t at cleanup.
func newOTRBuddy(t *testing.T, alice jid.JID) *otrBuddy {
	t.Helper()
	return newOTRBuddyApproving(t, alice, true)
}

// newOTRBuddyApproving is newOTRBuddy; approve false leaves every presence
// subscription request of the bridge account unanswered.
func newOTRBuddyApproving(t *testing.T, alice jid.JID, approve bool) *otrBuddy {
	t.Helper()
	account, pass := xmppAccount(t, "otrbob")
	cfg := st.full.OTRBuddyConfig(account, pass, "otrclient")
	cfg.ReconnectMin, cfg.ReconnectMax = 100*time.Millisecond, time.Second
	cfg.ApproveSubscriptions, cfg.Record = approve, true
	bd, err := otrbuddy.Start(ctxFor(t), cfg)
	if err != nil {
		t.Fatalf("starting the OTR buddy %s: %v", account, err)
	}
	b := &otrBuddy{Buddy: bd, jid: account, alice: alice.Bare(), offline: -1}
	t.Cleanup(func() { b.close(t) })
	return b
}

// close reports the buddy's errors (bounces aside) and stops it.
func (b *otrBuddy) close(t *testing.T) {
	events := b.EventsSince(0)
	if b.offline >= 0 {
		events = events[:b.offline]
	}
	for _, ev := range events {
		if ev.Kind == otrbuddy.Error && !errors.Is(ev.Err, otrbuddy.ErrMessageError) {
			t.Errorf("OTR buddy %s: %v", b.jid, ev.Err)
		}
	}
	_ = b.Close()
}

// goOffline closes the buddy's XMPP client (its resource goes offline);
// libotr keeps running.
func (b *otrBuddy) goOffline(t *testing.T) {
	t.Helper()
	b.offline = b.Mark().Events
	if err := b.GoOffline(); err != nil {
		t.Fatalf("closing the buddy's client: %v", err)
	}
}

// mark returns the cursors (libotr events, wire messages) for waits that
// must ignore what happened before.
func (b *otrBuddy) mark() (events, wire int) {
	m := b.Mark()
	return m.Events, m.Messages
}

// fromAlice reports whether m is a message stanza of the bridge account.
func (b *otrBuddy) fromAlice(m xmppad.Message) bool { return m.From.Bare().Equal(b.alice) }

// waitEvent returns the first buddy event at or after cursor matching pred.
func (b *otrBuddy) waitEvent(t *testing.T, cursor int, what string, pred func(otrbuddy.Event) bool) otrbuddy.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), otrWait)
	defer cancel()
	ev, err := b.WaitEvent(ctx, cursor, pred)
	if err != nil {
		t.Fatalf("OTR buddy: no %s within %s (%v); libotr said:\n%s", what, otrWait, err, b.describeEvents())
	}
	return ev
}

// waitWire returns the first wire message from the bridge at or after cursor matching pred.
func (b *otrBuddy) waitWire(t *testing.T, cursor int, what string, pred func(xmppad.Message) bool) xmppad.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), otrWait)
	defer cancel()
	m, err := b.WaitMessage(ctx, cursor, func(m xmppad.Message) bool { return b.fromAlice(m) && pred(m) })
	if err != nil {
		t.Fatalf("OTR buddy: no %s from the bridge within %s (%v); the bridge sent:\n%s", what, otrWait, err, b.describeWire())
	}
	return m
}

// wireSince returns the bridge's messages from cursor on.
func (b *otrBuddy) wireSince(cursor int) []xmppad.Message {
	var msgs []xmppad.Message
	for _, m := range b.MessagesSince(cursor) {
		if b.fromAlice(m) {
			msgs = append(msgs, m)
		}
	}
	return msgs
}

// sentWire returns the wire text the buddy sent.
func (b *otrBuddy) sentWire() []string {
	var sent []string
	for _, ev := range b.EventsSince(0) {
		if ev.Kind == otrbuddy.Sent {
			sent = append(sent, ev.Text)
		}
	}
	return sent
}

func (b *otrBuddy) describeEvents() string {
	var sb strings.Builder
	for _, ev := range b.EventsSince(0) {
		fmt.Fprintf(&sb, "  %s %s enc=%v %q\n", ev.Kind, ev.Detail, ev.Encrypted, shorten(ev.Text))
	}
	return sb.String()
}

func (b *otrBuddy) describeWire() string {
	var sb strings.Builder
	for _, m := range b.wireSince(0) {
		fmt.Fprintf(&sb, "  to=%s eme=%q %q\n", m.To, m.EME, shorten(m.Body))
	}
	return sb.String()
}

func shorten(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// say sends text through libotr (encrypted when the session is).
func (b *otrBuddy) say(t *testing.T, text string) {
	t.Helper()
	if err := b.Say(t.Context(), b.alice, text); err != nil {
		t.Fatalf("libotr send: %v", err)
	}
}

// query sends libotr's OTR query to the bridge account.
func (b *otrBuddy) query(t *testing.T) {
	t.Helper()
	if err := b.Query(t.Context(), b.alice); err != nil {
		t.Fatalf("libotr query: %v", err)
	}
}

// end ends the OTR session from the buddy's side.
func (b *otrBuddy) end(t *testing.T) {
	t.Helper()
	if err := b.End(t.Context(), b.alice); err != nil {
		t.Fatalf("libotr end: %v", err)
	}
}

// waitPlain waits (from the start) until libotr showed text to the buddy and
// reports whether it came out of an OTR data message.
func (b *otrBuddy) waitPlain(t *testing.T, text string) bool {
	t.Helper()
	ev := b.waitEvent(t, 0, fmt.Sprintf("message %q", text), func(ev otrbuddy.Event) bool {
		return ev.Kind == otrbuddy.Message && ev.Text == text
	})
	return ev.Encrypted
}

// waitEncrypted waits until the buddy decrypted text.
func (b *otrBuddy) waitEncrypted(t *testing.T, text string) {
	t.Helper()
	if !b.waitPlain(t, text) {
		t.Fatalf("OTR buddy got %q, but not encrypted", text)
	}
}

// waitSecure waits for libotr's gone_secure after cursor and returns the
// event (Fingerprint is the bridge's).
func (b *otrBuddy) waitSecure(t *testing.T, cursor int) otrbuddy.Event {
	t.Helper()
	return b.waitEvent(t, cursor, "secure", func(ev otrbuddy.Event) bool { return ev.Kind == otrbuddy.Secure })
}

// waitFinished waits until the bridge ended the session (disconnect TLV).
func (b *otrBuddy) waitFinished(t *testing.T, cursor int) {
	t.Helper()
	b.waitEvent(t, cursor, "finished", func(ev otrbuddy.Event) bool { return ev.Kind == otrbuddy.Finished })
}

// waitSMP waits for an SMP event of libotr (askforsecret, askforanswer,
// success, failure, abort, ...).
func (b *otrBuddy) waitSMP(t *testing.T, cursor int, detail string) otrbuddy.Event {
	t.Helper()
	return b.waitEvent(t, cursor, "smp "+detail, func(ev otrbuddy.Event) bool {
		return ev.Kind == otrbuddy.SMP && ev.Detail == detail
	})
}

// status asks libotr for the conversation state.
func (b *otrBuddy) status(t *testing.T) otrbuddy.Event {
	t.Helper()
	cursor, _ := b.mark()
	if err := b.Status(t.Context(), b.alice); err != nil {
		t.Fatalf("libotr status: %v", err)
	}
	return b.waitEvent(t, cursor, "status", func(ev otrbuddy.Event) bool { return ev.Kind == otrbuddy.Status })
}

// checkOTRWire fails unless every message is OTR data on the wire (bodies
// starting with ?OTR) and data messages carry EME urn:xmpp:otr:0 and go to
// the buddy's full JID.
func checkOTRWire(t *testing.T, msgs []xmppad.Message, forbidden ...string) {
	t.Helper()
	for _, m := range msgs {
		if !strings.HasPrefix(m.Body, "?OTR") {
			t.Errorf("the bridge sent a non-OTR body while OTR was on: %q", shorten(m.Body))
		}
		for _, f := range forbidden {
			if f != "" && strings.Contains(m.Body, f) {
				t.Errorf("the bridge sent %q in the clear: %q", f, shorten(m.Body))
			}
		}
		if strings.HasPrefix(m.Body, "?OTR:") {
			if m.EME != "urn:xmpp:otr:0" {
				t.Errorf("OTR data message without EME urn:xmpp:otr:0 (EME %q)", m.EME)
			}
			if m.To.Resourcepart() == "" {
				t.Errorf("OTR data message sent to the bare JID %s, want the buddy's full JID", m.To)
			}
		}
	}
}

// fingerprint5x8 renders libotr's 40 hex digits as five groups of eight.
func fingerprint5x8(hex string) string {
	hex = strings.ToUpper(hex)
	var parts []string
	for i := 0; i+8 <= len(hex); i += 8 {
		parts = append(parts, hex[i:i+8])
	}
	return strings.Join(parts, " ")
}

// otrChat is a DM portal between a Matrix user and an OTR buddy.
type otrChat struct {
	alice  *matrixUser
	bob    *otrBuddy
	portal id.RoomID
	ghost  id.UserID
}

// newOTRChat makes an OTR buddy, opens the portal with start-chat (the
// bridge account asks for the buddy's presence and the buddy approves), and
// waits until a plain hello from the buddy reached the portal, so the bridge
// knows the buddy's resource.
func newOTRChat(t *testing.T, alice *matrixUser, ghostPrefix string) *otrChat {
	t.Helper()
	bob := newOTRBuddy(t, alice.jid)
	c := &otrChat{alice: alice, bob: bob, ghost: ghostWithPrefix(ghostPrefix, bob.jid)}
	c.portal = startChat(t, alice, bob.jid)
	if _, err := bob.WaitEvent(ctxFor(t), 0, func(ev otrbuddy.Event) bool {
		return ev.Kind == otrbuddy.Subscribed && ev.Peer.Equal(bob.alice)
	}); err != nil {
		t.Fatalf("the bridge account never asked for the buddy's presence: %v", err)
	}
	hello := "hello " + uniqueName("plain")
	bob.say(t, hello)
	evt := alice.waitFrom(t, c.ghost, hello)
	if evt.RoomID != c.portal {
		t.Fatalf("the buddy's hello went to %s, want the portal %s", evt.RoomID, c.portal)
	}
	return c
}

// startChat opens a DM portal with contact through start-chat and returns it.
func startChat(t *testing.T, alice *matrixUser, contact jid.JID) id.RoomID {
	t.Helper()
	ctx := ctxFor(t)
	cursor := alice.Cursor()
	reply := alice.command(t, "start-chat "+contact.String())
	if strings.Contains(strings.ToLower(reply), "failed") {
		t.Fatalf("start-chat: %s", reply)
	}
	invite, err := alice.WaitEventFrom(ctx, cursor, "", func(e *event.Event) bool {
		return e.Type == event.StateMember && e.GetStateKey() == alice.UserID.String() &&
			e.Content.AsMember().Membership == event.MembershipInvite && e.RoomID != alice.mgmt
	})
	if err != nil {
		t.Fatalf("no portal invite after start-chat: %v", err)
	}
	if err := alice.WaitJoined(ctx, invite.RoomID, alice.UserID); err != nil {
		t.Fatal(err)
	}
	return invite.RoomID
}

// otrInfo returns the raw org.offrecord.otr field of a message event.
func otrInfo(e *event.Event) map[string]any {
	if e.Type != event.EventMessage {
		return nil
	}
	m, _ := e.Content.Raw[otrField].(map[string]any)
	return m
}

// otrKindOf is the OTR notice kind of a bot notice, "" for other events.
func otrKindOf(bot id.UserID, e *event.Event) string {
	if e.Sender != bot || e.Content.AsMessage().MsgType != event.MsgNotice {
		return ""
	}
	n, _ := bridge.ParseNotice(e.Content.Raw)
	return n.Event
}

// waitNotice waits for the bot's OTR notice of one of kinds in room after
// cursor and returns it. On timeout it lists the notices that did come.
func (mu *matrixUser) waitNotice(t *testing.T, cursor int, room id.RoomID, kinds ...string) *event.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), otrWait)
	defer cancel()
	evt, err := mu.WaitEventFrom(ctx, cursor, room, func(e *event.Event) bool {
		k := otrKindOf(mu.bot, e)
		for _, want := range kinds {
			if k != "" && k == want {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no %q OTR notice: %v\nbot notices since:\n%s", kinds, err, mu.describeNotices(cursor, room))
	}
	return evt
}

// noticesSince returns the OTR kinds of the bot's notices in room after cursor.
func (mu *matrixUser) noticesSince(cursor int, room id.RoomID) []string {
	var kinds []string
	all := mu.Events("")
	if cursor > len(all) {
		cursor = len(all)
	}
	for _, e := range all[cursor:] {
		if e.RoomID == room {
			if k := otrKindOf(mu.bot, e); k != "" {
				kinds = append(kinds, k)
			}
		}
	}
	return kinds
}

func (mu *matrixUser) describeNotices(cursor int, room id.RoomID) string {
	var sb strings.Builder
	all := mu.Events("")
	if cursor > len(all) {
		cursor = len(all)
	}
	for _, e := range all[cursor:] {
		if e.RoomID != room || e.Sender != mu.bot || e.Type != event.EventMessage {
			continue
		}
		fmt.Fprintf(&sb, "  [%v] %q\n", otrInfo(e), e.Content.AsMessage().Body)
	}
	if sb.Len() == 0 {
		return "  (none)\n"
	}
	return sb.String()
}

// otr sends "!xmpp otr SUB" in the portal and waits for the notice of kind.
func (c *otrChat) otr(t *testing.T, sub, kind string) *event.Event {
	t.Helper()
	cursor := c.alice.Cursor()
	c.send(t, "!xmpp otr "+sub)
	return c.alice.waitNotice(t, cursor, c.portal, kind)
}

// send sends text in the portal as the Matrix user and returns its event ID.
func (c *otrChat) send(t *testing.T, text string) id.EventID {
	t.Helper()
	evtID, err := c.alice.SendText(ctxFor(t), c.portal, text)
	if err != nil {
		t.Fatalf("sending in the portal: %v", err)
	}
	return evtID
}

// start runs "!xmpp otr start" and waits until both sides are secure.
func (c *otrChat) start(t *testing.T) {
	t.Helper()
	cursor := c.alice.Cursor()
	ev, _ := c.bob.mark()
	c.send(t, "!xmpp otr start")
	c.alice.waitNotice(t, cursor, c.portal, "started")
	c.alice.waitNotice(t, cursor, c.portal, "secure")
	c.bob.waitSecure(t, ev)
}

// waitOTRMessage waits for the buddy's OTR message text in the portal and
// checks its form: 🔑 marker in body and HTML, and the raw field.
func (c *otrChat) waitOTRMessage(t *testing.T, text string) *event.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), otrWait)
	defer cancel()
	want := "🔑 " + text
	evt, err := c.alice.WaitEvent(ctx, c.portal, func(e *event.Event) bool {
		return e.Sender == c.ghost && e.Type == event.EventMessage && strings.Contains(e.Content.AsMessage().Body, text)
	})
	if err != nil {
		t.Fatalf("the buddy's OTR message %q did not reach the portal: %v\nbot notices:\n%s", text, err, c.alice.describeNotices(0, c.portal))
	}
	content := evt.Content.AsMessage()
	if content.MsgType != event.MsgText {
		t.Errorf("OTR message msgtype %q, want m.text", content.MsgType)
	}
	if content.Body != want {
		t.Errorf("OTR message body %q, want %q", content.Body, want)
	}
	if content.Format != event.FormatHTML || content.FormattedBody != "🔑 <strong>"+html.EscapeString(text)+"</strong>" {
		t.Errorf("OTR message format %q formatted_body %q", content.Format, content.FormattedBody)
	}
	info := otrInfo(evt)
	if enc, _ := info["encrypted"].(bool); !enc {
		t.Errorf("OTR message raw %s = %v, want encrypted: true", otrField, info)
	}
	if _, ok := info["verified"].(bool); !ok {
		t.Errorf("OTR message raw %s = %v, want a verified bool", otrField, info)
	}
	return evt
}

// waitRedacted waits until the bot redacted each event in the portal.
func (c *otrChat) waitRedacted(t *testing.T, cursor int, ids ...id.EventID) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), otrWait)
	defer cancel()
	for _, target := range ids {
		evt, err := c.alice.WaitEventFrom(ctx, cursor, c.portal, func(e *event.Event) bool {
			if e.Type != event.EventRedaction {
				return false
			}
			if e.Redacts == target {
				return true
			}
			rc, ok := e.Content.Parsed.(*event.RedactionEventContent)
			return ok && rc.Redacts == target
		})
		if err != nil {
			t.Errorf("OTR message %s was not redacted: %v", target, err)
			continue
		}
		if evt.Sender != c.alice.bot {
			t.Errorf("OTR message %s redacted by %s, want the bridge bot", target, evt.Sender)
		}
	}
}
