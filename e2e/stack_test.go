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
	"github.com/offrecord/offrecord/internal/stacktest"
	"github.com/offrecord/offrecord/internal/xmppbuddy"
)

// stack is the shared real stack for the package's tests.
type stack struct {
	dir     string
	full    *stacktest.Stack
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
	// sm is a bridge that reaches prosody through smProxy, which can cut its
	// connections (streammgmt_test.go); it starts only when a test needs it.
	sm      *bridgetest.Bridge
	smProxy *cutProxy
	// connect is a bridge that reaches prosody through connectProxy, which
	// can hold a login's first connection (connectwait_test.go); it starts
	// only when a test needs it.
	connect      *bridgetest.Bridge
	connectProxy *cutProxy
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
	common := bridgetest.Options{
		Encryption: true,
		LogLevel:   "trace",
		XMPP: map[string]any{
			"keepalive_interval": "5s",
			"keepalive_timeout":  "3s",
			"reconnect_min":      "200ms",
			"reconnect_max":      "2s",
		},
	}
	// with returns common with the given Extra and Network keys.
	with := func(encDefault bool, extra, network map[string]any) bridgetest.Options {
		o := common
		o.EncryptionDefault, o.Extra, o.Network = encDefault, extra, network
		return o
	}
	lazy := func(id, bot, prefix string) map[string]any {
		return map[string]any{"appservice.id": id, "appservice.bot.username": bot, "appservice.username_template": prefix + "{{.}}"}
	}
	smProxy, err := newCutProxy()
	if err != nil {
		return 0, err
	}
	defer smProxy.close()
	smXMPP := map[string]any{"server": smProxy.addr()}
	for k, v := range common.XMPP {
		smXMPP[k] = v
	}
	smOpts := with(false, lazy("offrecord-sm", "xmppsmbot", smGhostPrefix), map[string]any{"otr.enabled": false})
	smOpts.XMPP = smXMPP
	connectProxy, err := newCutProxy()
	if err != nil {
		return 0, err
	}
	defer connectProxy.close()
	connectXMPP := map[string]any{"server": connectProxy.addr()}
	for k, v := range common.XMPP {
		connectXMPP[k] = v
	}
	connectOpts := with(false, lazy("offrecord-connect", "xmppconnectbot", connectGhostPrefix), map[string]any{"otr.enabled": false})
	connectOpts.XMPP = connectXMPP
	full, err := stacktest.Start(dir, stacktest.Options{
		Prosody: prosodytest.Options{MAM: true},
		Bridges: []stacktest.BridgeSpec{
			// OTR on the main bridge, with short timeouts so that the
			// timeout paths can be awaited in a test, in plaintext portals
			// (not the default) so that its tests need no Matrix encryption.
			{Name: "bridge", Options: with(false, map[string]any{"bridge.bridge_status_notices": "all"},
				map[string]any{"otr.enabled": true, "otr.accept_timeout": "4s", "otr.start_timeout": "20s",
					"otr.require_encrypted_portal": false, "otr.encrypt_portals": false})},
			// The E2EE bridge runs on the OTR defaults: encryption allowed,
			// encryption.default off, and OTR's own defaults encrypt its
			// portals and refuse OTR in unencrypted ones.
			{Name: "bridge-e2ee", Lazy: true, Options: with(false, lazy("offrecord-e2ee", "xmppe2eebot", e2eeGhostPrefix),
				map[string]any{"otr.enabled": true, "otr.start_timeout": "20s"})},
			{Name: "bridge-nootr", Lazy: true, Options: with(false, lazy("offrecord-nootr", "xmppnootrbot", noOTRGhostPrefix),
				map[string]any{"otr.enabled": false, "xmpp.approve_subscriptions": true})},
			{Name: "bridge-strict", Lazy: true, Options: with(false, lazy("offrecord-strict", "xmppstrictbot", strictGhostPrefix),
				map[string]any{"otr.enabled": true, "otr.encrypt_portals": false})},
			{Name: "bridge-sm", Lazy: true, Options: smOpts},
			{Name: "bridge-connect", Lazy: true, Options: connectOpts},
		},
	})
	if err != nil {
		return 0, err
	}
	defer full.Close()
	smProxy.setTarget(full.Prosody.Addr())
	connectProxy.setTarget(full.Prosody.Addr())
	st = &stack{dir: dir, full: full, prosody: full.Prosody, hs: full.HS, bridge: full.Bridge("bridge"),
		e2ee: full.Bridge("bridge-e2ee"), noOTR: full.Bridge("bridge-nootr"), strict: full.Bridge("bridge-strict"),
		sm: full.Bridge("bridge-sm"), smProxy: smProxy, connect: full.Bridge("bridge-connect"), connectProxy: connectProxy}
	st.bot = st.bridge.BotMXID(dendritetest.ServerName)
	code := m.Run()
	if code != 0 {
		fmt.Fprintln(os.Stderr, "e2e: bridge log:", st.bridge.LogPath(), "(set OFFRECORD_E2E_KEEP=1 to keep it)")
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
	account, pass, err := st.full.XMPPAccount(uniqueName(prefix))
	if err != nil {
		t.Fatalf("registering an XMPP account: %v", err)
	}
	return account, pass
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
	account, pass := xmppAccount(t, "mx")
	u := st.hs.NewUser(t, uniqueName("matrix"), dendritetest.UserOptions{AutoJoin: true, E2EE: e2ee})
	mgmt, _, err := stacktest.Login(ctxFor(t), u, bot, account, pass)
	if err != nil {
		t.Fatalf("logging the bridge in: %v", err)
	}
	return &matrixUser{User: u, jid: account, pass: pass, mgmt: mgmt, bot: bot}
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
	evt, err := mu.WaitEventFrom(ctx, cursor, room, func(e *event.Event) bool { return stacktest.BotReply(mu.bot, e) })
	if err != nil {
		t.Fatalf("no bot reply to %q: %v", strings.Fields(text)[0], err)
	}
	return evt.Content.AsMessage().Body
}

// waitState waits for a bridge state notice in the management room.
func (mu *matrixUser) waitState(t *testing.T, cursor int, state string) {
	t.Helper()
	if err := stacktest.WaitBridgeState(ctxFor(t), mu.User, mu.bot, mu.mgmt, cursor, state); err != nil {
		t.Fatal(err)
	}
}

// Ghost localpart prefixes of the bridges.
const (
	mainGhostPrefix    = "xmpp_"
	e2eeGhostPrefix    = "xmppe2ee_"
	noOTRGhostPrefix   = "xmppnootr_"
	strictGhostPrefix  = "xmppstrict_"
	connectGhostPrefix = "xmppconnect_"
)

// ghostOf is the Matrix ID of a contact's ghost.
func ghostOf(contact jid.JID) id.UserID {
	return ghostWithPrefix(mainGhostPrefix, contact)
}

func ghostWithPrefix(prefix string, contact jid.JID) id.UserID {
	return stacktest.Ghost(prefix, contact)
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

// buddy is an XMPP user on a separate client (internal/xmppbuddy), with
// the tests' waits: waitFor reads its record in order, from where the last
// waitFor stopped.
type buddy struct {
	*xmppbuddy.Buddy
	t      *testing.T
	jid    jid.JID
	client *xmppad.Client

	mu   sync.Mutex // guards next
	next int        // record position after waitFor's last match
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
	cfg := st.full.BuddyConfig(account, pass, resource)
	cfg.ReconnectMin, cfg.ReconnectMax = 100*time.Millisecond, time.Second
	bd, err := xmppbuddy.Start(ctxFor(t), cfg)
	if err != nil {
		t.Fatalf("buddy %s connect: %v", account, err)
	}
	t.Cleanup(func() { _ = bd.Close() })
	return &buddy{Buddy: bd, t: t, jid: account, client: bd.Client()}
}

// The buddy's recorded events as waitFor hands them out, besides *xmppad.Message.
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

// asWaited is the value waitFor matches for a recorded event.
func asWaited(ev xmppbuddy.Event) any {
	switch ev.Kind {
	case xmppbuddy.Message:
		return ev.Message
	case xmppbuddy.Receipt:
		return receiptEvt{ev.From, ev.ID}
	case xmppbuddy.ChatState:
		return chatStateEvt{ev.From, ev.State}
	}
	return nil
}

// waitFor returns the first recorded event of type T (*xmppad.Message,
// receiptEvt, chatStateEvt) matching pred after the previous waitFor's
// match; it fails t after the step deadline.
func waitFor[T any](t *testing.T, b *buddy, pred func(T) bool) T {
	t.Helper()
	b.mu.Lock()
	from := b.next
	b.mu.Unlock()
	var got T
	_, at, err := b.Wait(ctxFor(t), from, func(ev xmppbuddy.Event) bool {
		v, ok := asWaited(ev).(T)
		if ok && pred(v) {
			got = v
			return true
		}
		return false
	})
	if err != nil {
		t.Fatalf("buddy %s: no %T: %v", b.jid, got, err)
	}
	b.mu.Lock()
	b.next = max(b.next, at+1)
	b.mu.Unlock()
	return got
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
	id, err := b.Send(ctxFor(t), out)
	if err != nil {
		t.Fatalf("buddy %s send: %v", b.jid, err)
	}
	return id
}

// waitFrom waits, in any room, for a timeline message from sender with the
// given body, and returns it (its RoomID is the portal).
func (mu *matrixUser) waitFrom(t *testing.T, sender id.UserID, body string) *event.Event {
	t.Helper()
	evt, err := stacktest.WaitText(ctxFor(t), mu.User, 0, "", sender, body)
	if err != nil {
		t.Fatal(err)
	}
	return evt
}
