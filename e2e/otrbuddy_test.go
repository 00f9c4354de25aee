package e2e

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/internal/libotrpeer"
)

// otrWait bounds one wait for an OTR step (notice, buddy event). The bridge's
// start timeout in the test stack is 20 s, so 30 s covers every awaited step.
const otrWait = 30 * time.Second

// otrField is the raw content field of the bridge's OTR notices and messages.
const otrField = "org.offrecord.otr"

// wireMsg is one message stanza the bridge account sent to the OTR buddy,
// as the buddy's client received it.
type wireMsg struct {
	Body string
	EME  string
	From jid.JID
	To   jid.JID
	Type stanza.MessageType
}

// otrBuddy is an XMPP user whose client runs libotr: our XMPP adapter for
// the wire plus a libotrpeer process for OTR. Every body from the bridge
// account goes into libotr; everything libotr injects goes over XMPP to the
// bridge account's full JID (its bare JID before the first message). The
// buddy records libotr's other output (msg, secure, finished, smp, ...) and
// the raw bodies the bridge sent.
type otrBuddy struct {
	t     *testing.T
	jid   jid.JID
	pass  string
	alice jid.JID // the bridge account's bare JID (libotr's peer name)

	client *xmppad.Client
	peer   *libotrpeer.Peer
	cancel context.CancelFunc
	wg     sync.WaitGroup
	in     chan string // bodies from the bridge account, for libotr

	subscribed chan struct{} // closed once the buddy approved the bridge account's subscription
	subOnce    sync.Once

	mu      sync.Mutex
	to      jid.JID  // where injected wire text goes
	sent    []string // wire text the buddy sent
	wire    []wireMsg
	events  []libotrpeer.Event
	errs    []error
	closing bool
	changed chan struct{} // closed and replaced when wire or events grow
}

// newOTRBuddy registers an XMPP account, connects it and starts its libotr
// client (policy manual: it answers OTR queries itself but starts none).
func newOTRBuddy(t *testing.T, alice jid.JID) *otrBuddy {
	t.Helper()
	account, pass := xmppAccount(t, "otrbob")
	ctx, cancel := context.WithCancel(context.Background())
	peer, err := libotrpeer.Start(ctx, account.String())
	if err != nil {
		cancel()
		t.Fatalf("starting libotr for %s: %v", account, err)
	}
	b := &otrBuddy{
		t: t, jid: account, pass: pass, alice: alice.Bare(), peer: peer, cancel: cancel,
		in: make(chan string, 1024), subscribed: make(chan struct{}), to: alice.Bare(),
		changed: make(chan struct{}),
	}
	c, err := xmppad.New(xmppad.Config{
		JID:          account.String(),
		Password:     pass,
		Resource:     "otrclient",
		Server:       st.prosody.Addr(),
		TLS:          xmppad.TLSRequired,
		CAFile:       st.prosody.CAFile(),
		ReconnectMin: 100 * time.Millisecond,
		ReconnectMax: time.Second,
	}, b)
	if err != nil {
		cancel()
		_ = peer.Close()
		t.Fatal(err)
	}
	b.client = c
	if err := c.Connect(ctxFor(t)); err != nil {
		cancel()
		_ = peer.Close()
		t.Fatalf("buddy %s connect: %v", account, err)
	}
	b.wg.Add(3)
	go func() { defer b.wg.Done(); c.Run(ctx) }()
	go b.receiveLoop(ctx)
	go b.peerLoop(ctx)
	t.Cleanup(b.close)
	return b
}

// close stops the client and libotr and reports errors seen in the loops.
func (b *otrBuddy) close() {
	b.mu.Lock()
	b.closing = true
	b.mu.Unlock()
	_ = b.client.Close()
	b.cancel()
	_ = b.peer.Close()
	b.wg.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, err := range b.errs {
		b.t.Errorf("OTR buddy %s: %v", b.jid, err)
	}
}

// goOffline closes the buddy's XMPP client (its resource goes offline);
// libotr keeps running.
func (b *otrBuddy) goOffline(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	b.closing = true
	b.mu.Unlock()
	if err := b.client.Close(); err != nil {
		t.Fatalf("closing the buddy's client: %v", err)
	}
}

func (b *otrBuddy) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closing {
		b.errs = append(b.errs, err)
	}
}

// receiveLoop hands the bridge account's bodies to libotr in order.
func (b *otrBuddy) receiveLoop(ctx context.Context) {
	defer b.wg.Done()
	for {
		select {
		case body := <-b.in:
			if err := b.peer.Receive(b.alice.String(), body); err != nil {
				b.fail(fmt.Errorf("libotr recv: %w", err))
			}
		case <-ctx.Done():
			return
		}
	}
}

// peerLoop sends libotr's injected wire text over XMPP and records the rest.
func (b *otrBuddy) peerLoop(ctx context.Context) {
	defer b.wg.Done()
	for ev := range b.peer.Events() {
		if ev.Kind != "inject" {
			b.mu.Lock()
			b.events = append(b.events, ev)
			b.notifyLocked()
			b.mu.Unlock()
			continue
		}
		if ev.Data == "" {
			continue // libotr in FINISHED "sends" nothing
		}
		b.mu.Lock()
		to := b.to
		b.sent = append(b.sent, ev.Data)
		b.mu.Unlock()
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if _, err := b.client.Send(sctx, xmppad.Outgoing{To: to, Body: ev.Data}); err != nil && !errors.Is(err, context.Canceled) {
			b.fail(fmt.Errorf("sending libotr's wire text: %w", err))
		}
		cancel()
	}
}

func (b *otrBuddy) notifyLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// HandleMessage feeds the bridge account's messages to libotr.
func (b *otrBuddy) HandleMessage(m *xmppad.Message) {
	if !m.From.Bare().Equal(b.alice) || m.Carbon != xmppad.CarbonNone {
		return
	}
	b.mu.Lock()
	b.wire = append(b.wire, wireMsg{Body: m.Body, EME: m.EME, From: m.From, To: m.To, Type: m.Type})
	if m.From.Resourcepart() != "" {
		b.to = m.From
	}
	b.notifyLocked()
	b.mu.Unlock()
	if m.Body == "" {
		return
	}
	select {
	case b.in <- m.Body:
	default:
		b.fail(errors.New("libotr input queue full"))
	}
}

// HandlePresence approves the bridge account's subscription request, so
// that the bridge sees the buddy's presence.
func (b *otrBuddy) HandlePresence(p *xmppad.Presence) {
	if p.Type != stanza.SubscribePresence || !p.From.Bare().Equal(b.alice) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := b.client.ApproveSubscription(ctx, b.alice, true); err != nil {
			b.fail(fmt.Errorf("approving the subscription: %w", err))
			return
		}
		b.subOnce.Do(func() { close(b.subscribed) })
	}()
}

func (b *otrBuddy) HandleChatState(jid.JID, xmppad.ChatState, xmppad.Carbon) {}
func (b *otrBuddy) HandleReceipt(jid.JID, string)                            {}
func (b *otrBuddy) HandleDisplayed(jid.JID, string, xmppad.Carbon)           {}
func (b *otrBuddy) HandleRoster([]xmppad.RosterItem, bool)                   {}
func (b *otrBuddy) HandleConnState(xmppad.ConnState, error)                  {}
func (b *otrBuddy) HandleError(error)                                        {}

// mark returns the cursors (libotr events, wire messages) for waits that
// must ignore what happened before.
func (b *otrBuddy) mark() (events, wire int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.events), len(b.wire)
}

// waitEvent returns the first libotr event at or after cursor matching pred.
func (b *otrBuddy) waitEvent(t *testing.T, cursor int, what string, pred func(libotrpeer.Event) bool) libotrpeer.Event {
	t.Helper()
	deadline := time.NewTimer(otrWait)
	defer deadline.Stop()
	for {
		b.mu.Lock()
		events, changed := b.events, b.changed
		b.mu.Unlock()
		for ; cursor < len(events); cursor++ {
			if pred(events[cursor]) {
				return events[cursor]
			}
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("OTR buddy: no %s within %s; libotr said:\n%s", what, otrWait, b.describeEvents())
			return libotrpeer.Event{}
		}
	}
}

// waitWire returns the first wire message from the bridge at or after cursor matching pred.
func (b *otrBuddy) waitWire(t *testing.T, cursor int, what string, pred func(wireMsg) bool) wireMsg {
	t.Helper()
	deadline := time.NewTimer(otrWait)
	defer deadline.Stop()
	for {
		b.mu.Lock()
		wire, changed := b.wire, b.changed
		b.mu.Unlock()
		for ; cursor < len(wire); cursor++ {
			if pred(wire[cursor]) {
				return wire[cursor]
			}
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("OTR buddy: no %s from the bridge within %s; the bridge sent:\n%s", what, otrWait, b.describeWire())
			return wireMsg{}
		}
	}
}

// wireSince returns the bridge's messages from cursor on.
func (b *otrBuddy) wireSince(cursor int) []wireMsg {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]wireMsg(nil), b.wire[cursor:]...)
}

// sentWire returns the wire text the buddy sent.
func (b *otrBuddy) sentWire() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.sent...)
}

// eventsSince returns libotr's events from cursor on.
func (b *otrBuddy) eventsSince(cursor int) []libotrpeer.Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]libotrpeer.Event(nil), b.events[cursor:]...)
}

func (b *otrBuddy) describeEvents() string {
	var sb strings.Builder
	for _, ev := range b.eventsSince(0) {
		fmt.Fprintf(&sb, "  %s %s enc=%v %q\n", ev.Kind, ev.Detail, ev.Encrypted, shorten(ev.Data))
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
	if err := b.peer.Send(b.alice.String(), text); err != nil {
		t.Fatalf("libotr send: %v", err)
	}
}

// query sends libotr's OTR query to the bridge account.
func (b *otrBuddy) query(t *testing.T) {
	t.Helper()
	if err := b.peer.Query(b.alice.String()); err != nil {
		t.Fatalf("libotr query: %v", err)
	}
}

// end ends the OTR session from the buddy's side.
func (b *otrBuddy) end(t *testing.T) {
	t.Helper()
	if err := b.peer.End(b.alice.String()); err != nil {
		t.Fatalf("libotr end: %v", err)
	}
}

// waitPlain waits (from the start) until libotr showed text to the buddy and
// reports whether it came out of an OTR data message.
func (b *otrBuddy) waitPlain(t *testing.T, text string) bool {
	t.Helper()
	ev := b.waitEvent(t, 0, fmt.Sprintf("message %q", text), func(ev libotrpeer.Event) bool {
		return ev.Kind == "msg" && ev.Data == text
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
func (b *otrBuddy) waitSecure(t *testing.T, cursor int) libotrpeer.Event {
	t.Helper()
	return b.waitEvent(t, cursor, "secure", func(ev libotrpeer.Event) bool { return ev.Kind == "secure" })
}

// waitFinished waits until the bridge ended the session (disconnect TLV).
func (b *otrBuddy) waitFinished(t *testing.T, cursor int) {
	t.Helper()
	b.waitEvent(t, cursor, "finished", func(ev libotrpeer.Event) bool { return ev.Kind == "finished" })
}

// waitSMP waits for an SMP event of libotr (askforsecret, askforanswer,
// success, failure, abort, ...).
func (b *otrBuddy) waitSMP(t *testing.T, cursor int, detail string) libotrpeer.Event {
	t.Helper()
	return b.waitEvent(t, cursor, "smp "+detail, func(ev libotrpeer.Event) bool {
		return ev.Kind == "smp" && ev.Detail == detail
	})
}

// status asks libotr for the conversation state.
func (b *otrBuddy) status(t *testing.T) libotrpeer.Event {
	t.Helper()
	cursor, _ := b.mark()
	if err := b.peer.Status(b.alice.String()); err != nil {
		t.Fatalf("libotr status: %v", err)
	}
	return b.waitEvent(t, cursor, "status", func(ev libotrpeer.Event) bool { return ev.Kind == "status" })
}

// checkOTRWire fails unless every message is OTR data on the wire (bodies
// starting with ?OTR) and data messages carry EME urn:xmpp:otr:0 and go to
// the buddy's full JID.
func checkOTRWire(t *testing.T, msgs []wireMsg, forbidden ...string) {
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
	select {
	case <-bob.subscribed:
	case <-ctxFor(t).Done():
		t.Fatal("the bridge account never asked for the buddy's presence")
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
	k, _ := otrInfo(e)["event"].(string)
	return k
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
