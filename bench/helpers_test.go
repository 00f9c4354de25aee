package bench

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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

// stepTimeout bounds one wait (a message, a login) so a broken stack fails
// the benchmark instead of hanging it.
const stepTimeout = 2 * time.Minute

// Ghost localpart prefixes of the two bridges.
const (
	msgGhostPrefix = "xmpp_"
	rssGhostPrefix = "xmpprss_"
)

// fixture is the real stack shared by the package's benchmarks. It starts on
// the first call of stackFor and is closed by TestMain, so plain `go test`
// (no -bench) starts nothing.
type fixture struct {
	dir     string
	prosody *prosodytest.Server
	hs      *dendritetest.Server
	// bridge carries the message benchmarks; rss is a second bridge process
	// that only the memory benchmark starts, so its idle figure is clean.
	bridge, rss *bridgetest.Bridge

	mu      sync.Mutex // guards closers and seq
	closers []func()
	seq     int
}

var (
	fxOnce sync.Once
	fx     *fixture
	fxErr  error
)

// TestMain closes the stack, if a benchmark started it.
func TestMain(m *testing.M) {
	code := m.Run()
	if fx != nil {
		fx.close()
	}
	os.Exit(code)
}

// stackFor returns the shared stack, starting it on first use. It skips the
// benchmark in -short mode.
func stackFor(b *testing.B) *fixture {
	b.Helper()
	if testing.Short() {
		b.Skip("bench: real-stack benchmarks are skipped in -short mode")
	}
	fxOnce.Do(func() { fx, fxErr = startFixture() })
	if fxErr != nil {
		b.Fatalf("bench: starting the stack: %v", fxErr)
	}
	return fx
}

// startFixture brings the stack up: prosody, then both bridges' configs
// (Dendrite needs their registrations at start), Dendrite, the message bridge.
func startFixture() (f *fixture, err error) {
	dir, err := os.MkdirTemp("", "offrecord-bench-")
	if err != nil {
		return nil, err
	}
	f = &fixture{dir: dir}
	defer func() {
		if err != nil {
			f.close()
			f = nil
		}
	}()
	if f.prosody, err = prosodytest.StartDir(filepath.Join(dir, "prosody"), prosodytest.Options{}); err != nil {
		return nil, err
	}
	f.onClose(func() { _ = f.prosody.Close() })
	bin, err := bridgetest.Build()
	if err != nil {
		return nil, err
	}
	hsPort, err := bridgetest.FreePort()
	if err != nil {
		return nil, err
	}
	opts := bridgetest.Options{
		HomeserverURL: fmt.Sprintf("http://127.0.0.1:%d", hsPort),
		Domain:        dendritetest.ServerName,
		LogLevel:      "debug",
		// Logins are waited for by their CONNECTED state notice.
		Extra: map[string]any{"bridge.bridge_status_notices": "all"},
		XMPP: map[string]any{
			"tls":     "required",
			"ca_file": f.prosody.CAFile(),
			"server":  f.prosody.Addr(),
		},
		// OTR is allowed (policy manual: only where a Matrix user starts it),
		// for the OTR on/off benchmark; plain portals stay plain.
		Network: map[string]any{"otr.enabled": true},
	}
	if f.bridge, err = bridgetest.Prepare(bin, filepath.Join(dir, "bridge"), opts); err != nil {
		return nil, err
	}
	opts.Network = nil // the memory bridge keeps the default (OTR off)
	opts.Extra = map[string]any{
		"appservice.id":                "offrecord-rss",
		"appservice.bot.username":      "xmpprssbot",
		"appservice.username_template": rssGhostPrefix + "{{.}}",
		"bridge.bridge_status_notices": "all",
	}
	if f.rss, err = bridgetest.Prepare(bin, filepath.Join(dir, "bridge-rss"), opts); err != nil {
		return nil, err
	}
	f.hs, err = dendritetest.StartDir(filepath.Join(dir, "dendrite"), dendritetest.Options{
		Port:                    hsPort,
		AppserviceRegistrations: []string{f.bridge.RegistrationPath(), f.rss.RegistrationPath()},
	})
	if err != nil {
		return nil, err
	}
	f.onClose(func() { _ = f.hs.Close() })
	if err := f.bridge.Start(); err != nil {
		return nil, err
	}
	f.onClose(func() { _ = f.bridge.Stop() })
	f.onClose(func() { _ = f.rss.Stop() })
	return f, nil
}

// onClose registers cleanup, run in reverse order by close.
func (f *fixture) onClose(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closers = append(f.closers, fn)
}

// close stops everything and removes the folder unless OFFRECORD_BENCH_KEEP is set.
func (f *fixture) close() {
	f.mu.Lock()
	closers := f.closers
	f.closers = nil
	f.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
	if os.Getenv("OFFRECORD_BENCH_KEEP") != "" {
		fmt.Fprintln(os.Stderr, "bench: stack folder kept:", f.dir)
		return
	}
	_ = os.RemoveAll(f.dir)
}

// name returns a fresh account name with the given prefix.
func (f *fixture) name(prefix string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	return fmt.Sprintf("%s%d", prefix, f.seq)
}

// xmppAccount registers a fresh XMPP account.
func (f *fixture) xmppAccount(prefix string) (jid.JID, string, error) {
	name := f.name(prefix)
	pass := "pw-" + name
	if err := f.prosody.Register(name, pass); err != nil {
		return jid.JID{}, "", err
	}
	return jid.MustParse(name + "@" + f.prosody.Domain()), pass, nil
}

// matrixUser starts a syncing Matrix user (closed with the stack).
func (f *fixture) matrixUser(ctx context.Context, prefix string) (*dendritetest.User, error) {
	u, err := f.hs.StartUser(ctx, f.name(prefix), dendritetest.UserOptions{AutoJoin: true})
	if err != nil {
		return nil, err
	}
	f.onClose(u.Close)
	return u, nil
}

// login makes u log the bridge whose bot is bot in as account, in a fresh
// management room, and returns that room and the event cursor from before
// the command (bridge state notices after it follow that cursor).
func login(ctx context.Context, u *dendritetest.User, bot id.UserID, account jid.JID, pass string) (id.RoomID, int, error) {
	mgmt, err := u.CreateDM(ctx, bot, false)
	if err != nil {
		return "", 0, fmt.Errorf("management room: %w", err)
	}
	if err := u.WaitJoined(ctx, mgmt, bot); err != nil {
		return "", 0, fmt.Errorf("bot join: %w", err)
	}
	cursor := u.Cursor()
	if _, err := u.SendText(ctx, mgmt, "login password "+account.String()+" "+pass); err != nil {
		return "", 0, err
	}
	reply, err := u.WaitEventFrom(ctx, cursor, mgmt, func(e *event.Event) bool {
		return e.Sender == bot && e.Type == event.EventMessage && e.Content.AsMessage().MsgType == event.MsgNotice &&
			e.Content.Raw["fi.mau.bridge_state"] == nil
	})
	if err != nil {
		return "", 0, fmt.Errorf("login reply: %w", err)
	}
	if body := reply.Content.AsMessage().Body; !strings.Contains(body, "Logged in as "+account.String()) {
		return "", 0, fmt.Errorf("login of %s refused: %q", account, body)
	}
	return mgmt, cursor, nil
}

// waitConnected waits for the CONNECTED bridge state notice in mgmt after cursor.
func waitConnected(ctx context.Context, u *dendritetest.User, bot id.UserID, mgmt id.RoomID, cursor int) error {
	_, err := u.WaitEventFrom(ctx, cursor, mgmt, func(e *event.Event) bool {
		bs, _ := e.Content.Raw["fi.mau.bridge_state"].(map[string]any)
		return e.Sender == bot && bs != nil && bs["state_event"] == "CONNECTED"
	})
	return err
}

// ghost is the Matrix ID of contact's ghost for a bridge's ghost prefix.
func ghost(prefix string, contact jid.JID) id.UserID {
	return id.NewUserID(prefix+id.EncodeUserLocalpart(contact.Bare().String()), dendritetest.ServerName)
}

// arrival is a message a buddy received and when its handler saw it.
type arrival struct {
	from jid.JID
	id   string // stanza id as received
	body string
	at   time.Time
}

// buddy is an XMPP client outside the bridge. Its handler timestamps every
// chat message on arrival and queues it.
type buddy struct {
	jid    jid.JID
	client *xmppad.Client
	in     chan arrival
}

// newBuddy registers and connects an XMPP account (closed with the stack).
func (f *fixture) newBuddy(ctx context.Context, prefix string) (*buddy, error) {
	account, pass, err := f.xmppAccount(prefix)
	if err != nil {
		return nil, err
	}
	bd := &buddy{jid: account, in: make(chan arrival, 1<<16)}
	c, err := xmppad.New(xmppad.Config{
		JID:      account.String(),
		Password: pass,
		Resource: "bench",
		Server:   f.prosody.Addr(),
		TLS:      xmppad.TLSRequired,
		CAFile:   f.prosody.CAFile(),
	}, bd)
	if err != nil {
		return nil, err
	}
	if err := c.Connect(ctx); err != nil {
		return nil, fmt.Errorf("buddy %s connect: %w", account, err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	go c.Run(runCtx)
	f.onClose(func() { _ = c.Close(); cancel() })
	bd.client = c
	return bd, nil
}

// HandleMessage timestamps and queues a received message.
func (bd *buddy) HandleMessage(m *xmppad.Message) {
	a := arrival{from: m.From, id: m.ID, body: m.Body, at: time.Now()}
	select {
	case bd.in <- a:
	default: // a full queue means the benchmark is broken; the wait times out
	}
}

// The rest of xmppad.Handler is not needed here.
func (*buddy) HandleChatState(jid.JID, xmppad.ChatState, xmppad.Carbon) {}
func (*buddy) HandleReceipt(jid.JID, string)                            {}
func (*buddy) HandleDisplayed(jid.JID, string, xmppad.Carbon)           {}
func (*buddy) HandlePresence(*xmppad.Presence)                          {}
func (*buddy) HandleRoster([]xmppad.RosterItem, bool)                   {}
func (*buddy) HandleConnState(xmppad.ConnState, error)                  {}
func (*buddy) HandleError(error)                                        {}

// wait returns the next received message whose body is body, dropping others.
func (bd *buddy) wait(ctx context.Context, body string) (arrival, error) {
	for {
		select {
		case a := <-bd.in:
			if a.body == body {
				return a, nil
			}
		case <-ctx.Done():
			return arrival{}, fmt.Errorf("buddy %s: waiting for %q: %w", bd.jid, body, ctx.Err())
		}
	}
}

// waitCount waits until n messages whose body starts with prefix arrived
// and returns when the last one did.
func (bd *buddy) waitCount(ctx context.Context, prefix string, n int) (time.Time, error) {
	for got := 0; ; {
		select {
		case a := <-bd.in:
			if strings.HasPrefix(a.body, prefix) {
				if got++; got == n {
					return a.at, nil
				}
			}
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("buddy %s: %d of %d %q messages: %w", bd.jid, got, n, prefix, ctx.Err())
		}
	}
}

// send sends a plain chat message.
func (bd *buddy) send(ctx context.Context, to jid.JID, body string) (string, error) {
	return bd.client.Send(ctx, xmppad.Outgoing{To: to, Body: body})
}

// waitMatrix waits in room for an m.room.message from sender with body,
// looking only at events after cursor.
func waitMatrix(ctx context.Context, u *dendritetest.User, cursor int, room id.RoomID, sender id.UserID, body string) (*event.Event, error) {
	return u.WaitEventFrom(ctx, cursor, room, func(e *event.Event) bool {
		return e.Sender == sender && e.Type == event.EventMessage && e.Mautrix.EventSource&event.SourceTimeline != 0 &&
			e.Content.AsMessage().Body == body
	})
}

// waitMatrixCount waits until n messages from sender whose body starts with
// prefix are in room after cursor, and returns when the last was seen.
func waitMatrixCount(ctx context.Context, u *dendritetest.User, cursor int, room id.RoomID, sender id.UserID, prefix string, n int) (time.Time, error) {
	got := 0
	_, err := u.WaitEventFrom(ctx, cursor, room, func(e *event.Event) bool {
		if e.Sender == sender && e.Type == event.EventMessage && strings.HasPrefix(e.Content.AsMessage().Body, prefix) {
			got++
		}
		return got == n
	})
	return time.Now(), err
}

// envInt reads a positive integer from the environment, or def.
func envInt(b *testing.B, name string, def int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("bench: %s=%q is not a positive integer", name, v)
	}
	return n
}

// stepCtx is a context bounded by stepTimeout.
func stepCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), stepTimeout)
}

// percentile returns the nearest-rank q-quantile (0 < q <= 1) of ds.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(i, 0)]
}

// ms converts a duration to float milliseconds for ReportMetric.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// statusKiB reads a kB field (VmRSS, VmHWM) of /proc/PID/status.
func statusKiB(pid int, field string) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("bench: no %s in /proc/%d/status", field, pid)
}
