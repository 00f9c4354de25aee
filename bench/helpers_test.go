package bench

import (
	"context"
	"fmt"
	"math"
	"os"
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
	"github.com/offrecord/offrecord/internal/stacktest"
	"github.com/offrecord/offrecord/internal/xmppbuddy"
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
	st      *stacktest.Stack
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
	closeHistoryStack()
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

// startFixture brings the stack up (internal/stacktest): prosody, Dendrite
// with both bridges registered, the message bridge started.
func startFixture() (f *fixture, err error) {
	dir, err := os.MkdirTemp("", "offrecord-bench-")
	if err != nil {
		return nil, err
	}
	f = &fixture{dir: dir}
	s, err := stacktest.Start(dir, stacktest.Options{Bridges: []stacktest.BridgeSpec{
		{Name: "bridge", Options: bridgetest.Options{
			LogLevel: "debug",
			// Logins are waited for by their CONNECTED state notice.
			Extra: map[string]any{"bridge.bridge_status_notices": "all"},
			// OTR is allowed (policy manual: only where a Matrix user starts
			// it), for the OTR on/off benchmark; plain portals stay plain.
			// Portals are not Megolm-encrypted (the benchmark's Matrix client
			// has no E2EE), so the figure is OTR's cost alone.
			Network: map[string]any{"otr.enabled": true, "otr.require_encrypted_portal": false, "otr.encrypt_portals": false},
		}},
		// The memory bridge keeps the default (OTR off); only its benchmark
		// starts it, so its idle figure is clean.
		{Name: "bridge-rss", Lazy: true, Options: bridgetest.Options{
			LogLevel: "debug",
			Extra: map[string]any{
				"appservice.id":                "offrecord-rss",
				"appservice.bot.username":      "xmpprssbot",
				"appservice.username_template": rssGhostPrefix + "{{.}}",
				"bridge.bridge_status_notices": "all",
			},
		}},
	}})
	if err != nil {
		f.close()
		return nil, err
	}
	f.onClose(s.Close)
	f.st, f.prosody, f.hs, f.bridge, f.rss = s, s.Prosody, s.HS, s.Bridge("bridge"), s.Bridge("bridge-rss")
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
	return f.st.XMPPAccount(f.name(prefix))
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

// arrival is a message a buddy received and when its handler saw it.
type arrival struct {
	from jid.JID
	id   string // stanza id as received
	body string
	at   time.Time
}

// buddy is an XMPP client outside the bridge (internal/xmppbuddy, whose
// record stamps every stanza on arrival). Its waits read the record in
// order from where the previous wait stopped.
type buddy struct {
	*xmppbuddy.Buddy
	jid jid.JID

	mu   sync.Mutex // guards next
	next int        // record position after the last wait's match
}

// newBuddy registers and connects an XMPP account (closed with the stack).
func (f *fixture) newBuddy(ctx context.Context, prefix string) (*buddy, error) {
	account, pass, err := f.xmppAccount(prefix)
	if err != nil {
		return nil, err
	}
	bd, err := xmppbuddy.Start(ctx, f.st.BuddyConfig(account, pass, "bench"))
	if err != nil {
		return nil, err
	}
	f.onClose(func() { _ = bd.Close() })
	return &buddy{Buddy: bd, jid: account}, nil
}

// waitNext returns the first message after the previous wait's match for
// which pred is true, and moves past it.
func (bd *buddy) waitNext(ctx context.Context, pred func(*xmppad.Message) bool) (arrival, error) {
	bd.mu.Lock()
	from := bd.next
	bd.mu.Unlock()
	ev, at, err := bd.Wait(ctx, from, func(ev xmppbuddy.Event) bool { return ev.Kind == xmppbuddy.Message && pred(ev.Message) })
	if err != nil {
		return arrival{}, err
	}
	bd.mu.Lock()
	bd.next = max(bd.next, at+1)
	bd.mu.Unlock()
	return arrival{from: ev.From, id: ev.Message.ID, body: ev.Message.Body, at: ev.At}, nil
}

// wait returns the next received message whose body is body, skipping others.
func (bd *buddy) wait(ctx context.Context, body string) (arrival, error) {
	a, err := bd.waitNext(ctx, func(m *xmppad.Message) bool { return m.Body == body })
	if err != nil {
		return a, fmt.Errorf("waiting for %q: %w", body, err)
	}
	return a, nil
}

// waitCount waits until n messages whose body starts with prefix arrived
// and returns when the last one did.
func (bd *buddy) waitCount(ctx context.Context, prefix string, n int) (time.Time, error) {
	got := 0
	a, err := bd.waitNext(ctx, func(m *xmppad.Message) bool {
		if strings.HasPrefix(m.Body, prefix) {
			got++
		}
		return got == n
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("%d of %d %q messages: %w", got, n, prefix, err)
	}
	return a.at, nil
}

// send sends a plain chat message.
func (bd *buddy) send(ctx context.Context, to jid.JID, body string) (string, error) {
	return bd.Send(ctx, xmppad.Outgoing{To: to, Body: body})
}

// waitMatrix waits in room for an m.room.message from sender with body,
// looking only at events after cursor.
func waitMatrix(ctx context.Context, u *dendritetest.User, cursor int, room id.RoomID, sender id.UserID, body string) (*event.Event, error) {
	return stacktest.WaitText(ctx, u, cursor, room, sender, body)
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
