// Package e2e runs offrecord end to end on the real stack: prosody as the
// XMPP server, Dendrite as the homeserver, the offrecord binary in between,
// a mautrix-go client as the Matrix user and mellium-based clients as the
// XMPP buddies. Everything listens on 127.0.0.1 only.
package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/internal/bridgetest"
	"github.com/offrecord/offrecord/internal/dendritetest"
	"github.com/offrecord/offrecord/internal/prosodytest"
)

// stack is the shared real stack for the package's tests.
type stack struct {
	dir     string
	prosody *prosodytest.Server
	hs      *dendritetest.Server
	bridge  *bridgetest.Bridge
	bot     id.UserID
	// e2ee is a second bridge on the OTR defaults: its portals are
	// Matrix-encrypted and it allows OTR only in encrypted portals; it
	// starts only when a test needs it (see startE2EEBridge).
	e2ee *bridgetest.Bridge
	// noOTR is a third bridge with OTR disabled; it starts only when a test
	// needs it (see startNoOTRBridge).
	noOTR *bridgetest.Bridge
	// strict is a fourth bridge that allows OTR only in encrypted portals
	// (the default) but does not encrypt portals (otr.encrypt_portals off);
	// it starts only when a test needs it (see startStrictBridge).
	strict *bridgetest.Bridge
}

var st *stack

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("e2e: skipped in -short mode")
		os.Exit(0)
	}
	code, err := runWithStack(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: setting up the stack:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func runWithStack(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "offrecord-e2e-")
	if err != nil {
		return 0, err
	}
	keep := os.Getenv("OFFRECORD_E2E_KEEP") != ""
	defer func() {
		if !keep {
			os.RemoveAll(dir)
		}
	}()
	s := &stack{dir: dir}
	if s.prosody, err = prosodytest.StartDir(dir+"/prosody", prosodytest.Options{MAM: true}); err != nil {
		return 0, err
	}
	defer s.prosody.Close()
	bin, err := bridgetest.Build()
	if err != nil {
		return 0, err
	}
	hsPort, err := bridgetest.FreePort()
	if err != nil {
		return 0, err
	}
	opts := bridgetest.Options{
		HomeserverURL: fmt.Sprintf("http://127.0.0.1:%d", hsPort),
		Domain:        dendritetest.ServerName,
		Encryption:    true,
		LogLevel:      "trace",
		Extra:         map[string]any{"bridge.bridge_status_notices": "all"},
		XMPP: map[string]any{
			"tls":                "required",
			"ca_file":            s.prosody.CAFile(),
			"server":             s.prosody.Addr(),
			"keepalive_interval": "5s",
			"keepalive_timeout":  "3s",
			"reconnect_min":      "200ms",
			"reconnect_max":      "2s",
		},
	}
	// OTR on the main bridge, with short timeouts so that the timeout
	// paths can be awaited in a test, in plaintext portals (not the
	// default) so that its tests need no Matrix encryption.
	opts.Network = map[string]any{
		"otr.enabled":                  true,
		"otr.accept_timeout":           "4s",
		"otr.start_timeout":            "20s",
		"otr.require_encrypted_portal": false,
		"otr.encrypt_portals":          false,
	}
	if s.bridge, err = bridgetest.Prepare(bin, dir+"/bridge", opts); err != nil {
		return 0, err
	}
	// The E2EE bridge runs on the OTR defaults: encryption allowed,
	// encryption.default off, and OTR's own defaults encrypt its portals and
	// refuse OTR in unencrypted ones.
	opts.Extra = map[string]any{
		"appservice.id":                "offrecord-e2ee",
		"appservice.bot.username":      "xmppe2eebot",
		"appservice.username_template": e2eeGhostPrefix + "{{.}}",
	}
	opts.Network = map[string]any{
		"otr.enabled":       true,
		"otr.start_timeout": "20s",
	}
	if s.e2ee, err = bridgetest.Prepare(bin, dir+"/bridge-e2ee", opts); err != nil {
		return 0, err
	}
	opts.Extra = map[string]any{
		"appservice.id":                "offrecord-nootr",
		"appservice.bot.username":      "xmppnootrbot",
		"appservice.username_template": noOTRGhostPrefix + "{{.}}",
	}
	opts.Network = map[string]any{"otr.enabled": false}
	if s.noOTR, err = bridgetest.Prepare(bin, dir+"/bridge-nootr", opts); err != nil {
		return 0, err
	}
	opts.Extra = map[string]any{
		"appservice.id":                "offrecord-strict",
		"appservice.bot.username":      "xmppstrictbot",
		"appservice.username_template": strictGhostPrefix + "{{.}}",
	}
	opts.Network = map[string]any{"otr.enabled": true, "otr.encrypt_portals": false}
	if s.strict, err = bridgetest.Prepare(bin, dir+"/bridge-strict", opts); err != nil {
		return 0, err
	}
	s.hs, err = dendritetest.StartDir(dir+"/dendrite", dendritetest.Options{
		Port: hsPort,
		AppserviceRegistrations: []string{
			s.bridge.RegistrationPath(), s.e2ee.RegistrationPath(), s.noOTR.RegistrationPath(), s.strict.RegistrationPath(),
		},
	})
	if err != nil {
		return 0, err
	}
	defer s.hs.Close()
	if err := s.bridge.Start(); err != nil {
		return 0, err
	}
	defer s.bridge.Stop()
	defer s.e2ee.Stop()
	defer s.noOTR.Stop()
	defer s.strict.Stop()
	s.bot = s.bridge.BotMXID(dendritetest.ServerName)
	st = s
	code := m.Run()
	if code != 0 {
		fmt.Fprintln(os.Stderr, "e2e: bridge log:", s.bridge.LogPath(), "(set OFFRECORD_E2E_KEEP=1 to keep it)")
	}
	return code, nil
}

// ctxFor returns a context bounded for one test step chain.
func ctxFor(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var userSeq struct {
	sync.Mutex
	n int
}

// uniqueName returns a fresh account name with the given prefix.
func uniqueName(prefix string) string {
	userSeq.Lock()
	defer userSeq.Unlock()
	userSeq.n++
	return fmt.Sprintf("%s%d%d", prefix, time.Now().UnixNano()%100000, userSeq.n)
}

// xmppAccount registers a fresh XMPP account and returns its bare JID and password.
func xmppAccount(t *testing.T, prefix string) (jid.JID, string) {
	t.Helper()
	name := uniqueName(prefix)
	pass := "pw-" + name
	if err := st.prosody.Register(name, pass); err != nil {
		t.Fatalf("registering %s: %v", name, err)
	}
	return jid.MustParse(name + "@" + st.prosody.Domain()), pass
}

// matrixUser is a Matrix user logged into the bridge with an XMPP account.
type matrixUser struct {
	*dendritetest.User
	jid  jid.JID
	pass string
	mgmt id.RoomID
	bot  id.UserID
}

// newMatrixUser creates a Matrix user and an XMPP account, and logs the
// bridge in with the "login" command in the management room.
func newMatrixUser(t *testing.T, e2ee bool) *matrixUser {
	t.Helper()
	return newMatrixUserOf(t, st.bot, e2ee)
}

// newMatrixUserOf is newMatrixUser for the bridge whose bot is bot.
func newMatrixUserOf(t *testing.T, bot id.UserID, e2ee bool) *matrixUser {
	t.Helper()
	ctx := ctxFor(t)
	account, pass := xmppAccount(t, "mx")
	u := st.hs.NewUser(t, uniqueName("matrix"), dendritetest.UserOptions{AutoJoin: true, E2EE: e2ee})
	mgmt, err := u.CreateDM(ctx, bot, false)
	if err != nil {
		t.Fatalf("creating the management room: %v", err)
	}
	if err := u.WaitJoined(ctx, mgmt, bot); err != nil {
		t.Fatalf("bot did not join the management room: %v", err)
	}
	mu := &matrixUser{User: u, jid: account, pass: pass, mgmt: mgmt, bot: bot}
	reply := mu.command(t, "login password "+account.String()+" "+pass)
	if !strings.Contains(reply, "Logged in as "+account.String()) {
		t.Fatalf("login reply = %q", reply)
	}
	return mu
}

// command sends a command in the management room and returns the bot's next notice.
func (mu *matrixUser) command(t *testing.T, text string) string {
	t.Helper()
	return mu.commandIn(t, mu.mgmt, text)
}

// commandIn sends a command in a room and returns the bot's next notice there.
func (mu *matrixUser) commandIn(t *testing.T, room id.RoomID, text string) string {
	t.Helper()
	ctx := ctxFor(t)
	cursor := mu.Cursor()
	if _, err := mu.SendText(ctx, room, text); err != nil {
		t.Fatalf("sending %q: %v", strings.Fields(text)[0], err)
	}
	evt, err := mu.WaitEventFrom(ctx, cursor, room, func(e *event.Event) bool {
		return e.Sender == mu.bot && e.Type == event.EventMessage && e.Content.AsMessage().MsgType == event.MsgNotice &&
			e.Content.Raw["fi.mau.bridge_state"] == nil
	})
	if err != nil {
		t.Fatalf("no bot reply to %q: %v", strings.Fields(text)[0], err)
	}
	return evt.Content.AsMessage().Body
}

// waitState waits for a bridge state notice in the management room.
func (mu *matrixUser) waitState(t *testing.T, cursor int, state string) {
	t.Helper()
	if _, err := mu.WaitEventFrom(ctxFor(t), cursor, mu.mgmt, func(e *event.Event) bool {
		bs, _ := e.Content.Raw["fi.mau.bridge_state"].(map[string]any)
		return e.Sender == mu.bot && bs != nil && bs["state_event"] == state
	}); err != nil {
		t.Fatalf("no %s bridge state notice: %v", state, err)
	}
}

// Ghost localpart prefixes of the bridges.
const (
	mainGhostPrefix   = "xmpp_"
	e2eeGhostPrefix   = "xmppe2ee_"
	noOTRGhostPrefix  = "xmppnootr_"
	strictGhostPrefix = "xmppstrict_"
)

// ghostOf is the Matrix ID of a contact's ghost.
func ghostOf(contact jid.JID) id.UserID {
	return ghostWithPrefix(mainGhostPrefix, contact)
}

func ghostWithPrefix(prefix string, contact jid.JID) id.UserID {
	return id.NewUserID(prefix+id.EncodeUserLocalpart(contact.Bare().String()), dendritetest.ServerName)
}

// startE2EEBridge starts the second bridge (encrypted portals) for one test.
func startE2EEBridge(t *testing.T) id.UserID {
	t.Helper()
	return startLazyBridge(t, st.e2ee, "E2EE")
}

// startNoOTRBridge starts the third bridge (OTR disabled) for one test.
func startNoOTRBridge(t *testing.T) id.UserID {
	t.Helper()
	return startLazyBridge(t, st.noOTR, "no-OTR")
}

// startStrictBridge starts the fourth bridge (OTR only in encrypted
// portals, portals not encrypted by default) for one test.
func startStrictBridge(t *testing.T) id.UserID {
	t.Helper()
	return startLazyBridge(t, st.strict, "strict")
}

// startLazyBridge starts a bridge for one test and stops it afterwards.
func startLazyBridge(t *testing.T, b *bridgetest.Bridge, name string) id.UserID {
	t.Helper()
	if err := b.Start(); err != nil {
		t.Fatalf("starting the %s bridge: %v", name, err)
	}
	t.Cleanup(func() {
		if err := b.Stop(); err != nil {
			t.Errorf("stopping the %s bridge: %v", name, err)
		}
	})
	return b.BotMXID(dendritetest.ServerName)
}

// buddy is an XMPP user on a separate client, recording what it receives.
type buddy struct {
	t      *testing.T
	jid    jid.JID
	client *xmppad.Client
	events chan any
}

// newBuddy registers and connects an XMPP account.
func newBuddy(t *testing.T, prefix string) *buddy {
	t.Helper()
	account, pass := xmppAccount(t, prefix)
	return connectBuddy(t, account, pass, "buddy")
}

// connectBuddy connects an existing XMPP account with a given resource.
func connectBuddy(t *testing.T, account jid.JID, pass, resource string) *buddy {
	t.Helper()
	b := &buddy{t: t, jid: account, events: make(chan any, 256)}
	c, err := xmppad.New(xmppad.Config{
		JID:          account.String(),
		Password:     pass,
		Resource:     resource,
		Server:       st.prosody.Addr(),
		TLS:          xmppad.TLSRequired,
		CAFile:       st.prosody.CAFile(),
		ReconnectMin: 100 * time.Millisecond,
		ReconnectMax: time.Second,
	}, b)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := c.Connect(ctxFor(t)); err != nil {
		cancel()
		t.Fatalf("buddy %s connect: %v", account, err)
	}
	go c.Run(ctx)
	t.Cleanup(func() { _ = c.Close(); cancel() })
	b.client = c
	return b
}

// The buddy's recorded events.
type (
	chatStateEvt struct {
		from  jid.JID
		state xmppad.ChatState
	}
	receiptEvt struct {
		from jid.JID
		id   string
	}
)

func (b *buddy) record(v any) {
	select {
	case b.events <- v:
	default:
		b.t.Errorf("buddy %s: event buffer full", b.jid)
	}
}

func (b *buddy) HandleMessage(m *xmppad.Message) { b.record(m) }
func (b *buddy) HandleChatState(from jid.JID, s xmppad.ChatState, _ xmppad.Carbon) {
	b.record(chatStateEvt{from, s})
}
func (b *buddy) HandleReceipt(from jid.JID, id string)          { b.record(receiptEvt{from, id}) }
func (b *buddy) HandleDisplayed(jid.JID, string, xmppad.Carbon) {}
func (b *buddy) HandlePresence(*xmppad.Presence)                {}
func (b *buddy) HandleRoster([]xmppad.RosterItem, bool)         {}
func (b *buddy) HandleConnState(xmppad.ConnState, error)        {}
func (b *buddy) HandleError(error)                              {}

// waitFor returns the first recorded event matching pred, dropping others.
func waitFor[T any](t *testing.T, b *buddy, pred func(T) bool) T {
	t.Helper()
	ctx := ctxFor(t)
	for {
		select {
		case v := <-b.events:
			if e, ok := v.(T); ok && pred(e) {
				return e
			}
		case <-ctx.Done():
			var zero T
			t.Fatalf("buddy %s: timed out waiting for %T", b.jid, zero)
			return zero
		}
	}
}

// waitMessage waits for a chat message with the given body.
func (b *buddy) waitMessage(t *testing.T, body string) *xmppad.Message {
	t.Helper()
	return waitFor(t, b, func(m *xmppad.Message) bool { return m.Body == body })
}

// send sends a chat message to to and returns its id.
func (b *buddy) send(t *testing.T, to jid.JID, out xmppad.Outgoing) string {
	t.Helper()
	out.To = to
	id, err := b.client.Send(ctxFor(t), out)
	if err != nil {
		t.Fatalf("buddy %s send: %v", b.jid, err)
	}
	return id
}

// waitFrom waits, in any room, for a timeline message from sender with the
// given body, and returns it (its RoomID is the portal).
func (mu *matrixUser) waitFrom(t *testing.T, sender id.UserID, body string) *event.Event {
	t.Helper()
	evt, err := mu.WaitEvent(ctxFor(t), "", func(e *event.Event) bool {
		return e.Sender == sender && e.Type == event.EventMessage &&
			e.Mautrix.EventSource&event.SourceTimeline != 0 && e.Content.AsMessage().Body == body
	})
	if err != nil {
		t.Fatalf("no message %q from %s: %v", body, sender, err)
	}
	return evt
}
