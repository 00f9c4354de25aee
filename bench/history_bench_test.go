package bench

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix"
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

// The history benchmarks run on a stack of their own: prosody with its
// message archive (mod_mam), which the message benchmarks' stack leaves out
// so that their figures stay comparable, and a bridge whose backfill limits
// take the whole archive (backfill.max_initial_messages and
// max_catchup_messages set to the message count).

// historyStack is the history benchmarks' stack, started on first use and
// closed by TestMain.
type historyStack struct {
	dir    string
	st     *stacktest.Stack
	bridge *bridgetest.Bridge
	bot    id.UserID

	mu      sync.Mutex // guards closers
	closers []func()
}

var (
	histOnce sync.Once
	hist     *historyStack
	histErr  error
)

// historyStackFor returns the history stack for n archived messages.
func historyStackFor(b *testing.B, n int) *historyStack {
	b.Helper()
	if testing.Short() {
		b.Skip("bench: real-stack benchmarks are skipped in -short mode")
	}
	histOnce.Do(func() { hist, histErr = startHistoryStack(n) })
	if histErr != nil {
		b.Fatalf("bench: starting the history stack: %v", histErr)
	}
	return hist
}

func startHistoryStack(n int) (*historyStack, error) {
	dir, err := os.MkdirTemp("", "offrecord-bench-history-")
	if err != nil {
		return nil, err
	}
	h := &historyStack{dir: dir}
	s, err := stacktest.Start(dir, stacktest.Options{
		Prosody: prosodytest.Options{MAM: true},
		Bridges: []stacktest.BridgeSpec{{Name: "bridge", Options: bridgetest.Options{
			LogLevel: "info",
			Extra: map[string]any{
				"bridge.bridge_status_notices":  "all",
				"backfill.enabled":              true,
				"backfill.max_initial_messages": n,
				// One more than a catch-up brings, so that it reaches where it stopped.
				"backfill.max_catchup_messages":   n + 1,
				"backfill.unread_hours_threshold": 0,
			},
		}}},
	})
	if err != nil {
		h.close()
		return nil, err
	}
	h.onClose(s.Close)
	h.st, h.bridge = s, s.Bridge("bridge")
	h.bot = h.bridge.BotMXID(dendritetest.ServerName)
	return h, nil
}

func (h *historyStack) onClose(fn func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closers = append(h.closers, fn)
}

// close stops the stack and removes its folder unless OFFRECORD_BENCH_KEEP is set.
func (h *historyStack) close() {
	h.mu.Lock()
	closers := h.closers
	h.closers = nil
	h.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
	if os.Getenv("OFFRECORD_BENCH_KEEP") != "" {
		fmt.Fprintln(os.Stderr, "bench: history stack folder kept:", h.dir)
		return
	}
	_ = os.RemoveAll(h.dir)
}

// closeHistoryStack closes the history stack if a benchmark started it.
func closeHistoryStack() {
	if hist != nil {
		hist.close()
	}
}

// historyChat is one account's archive of n messages with a contact: the
// contact bob, the user's other client phone, and a Matrix user to log in.
type historyChat struct {
	account  jid.JID
	pass     string
	bob      *buddy
	phone    *buddy
	alice    *dendritetest.User
	bobGhost id.UserID
	last     string // body of the archive's newest message
}

// newHistoryChat registers the accounts and connects bob and the phone.
func (h *historyStack) newHistoryChat(ctx context.Context, tag string) (*historyChat, error) {
	hc := &historyChat{}
	var err error
	if hc.account, hc.pass, err = h.st.XMPPAccount(tag + "alice"); err != nil {
		return nil, err
	}
	if hc.bob, err = h.buddy(ctx, tag+"bob"); err != nil {
		return nil, err
	}
	hc.bobGhost = stacktest.Ghost(msgGhostPrefix, hc.bob.jid)
	if hc.alice, err = h.st.HS.StartUser(ctx, tag+"matrix", dendritetest.UserOptions{AutoJoin: true}); err != nil {
		return nil, err
	}
	h.onClose(hc.alice.Close)
	return hc, nil
}

// buddy registers an XMPP account and connects a client for it.
func (h *historyStack) buddy(ctx context.Context, name string) (*buddy, error) {
	account, pass, err := h.st.XMPPAccount(name)
	if err != nil {
		return nil, err
	}
	bd, err := xmppbuddy.Start(ctx, h.st.BuddyConfig(account, pass, "bench"))
	if err != nil {
		return nil, err
	}
	h.onClose(func() { _ = bd.Close() })
	return &buddy{Buddy: bd, jid: account}, nil
}

// connectPhone connects the user's other client.
func (h *historyStack) connectPhone(ctx context.Context, hc *historyChat) error {
	cfg := h.st.BuddyConfig(hc.account, hc.pass, "phone")
	bd, err := xmppbuddy.Start(ctx, cfg)
	if err != nil {
		return err
	}
	h.onClose(func() { _ = bd.Close() })
	hc.phone = &buddy{Buddy: bd, jid: hc.account}
	return nil
}

// fill puts n messages into the archive while the bridge does not see them
// (the phone gets them): three of four from bob, one of four from the
// phone, sent as bursts, and last a message from bob sent once all others
// arrived, so that it is the newest.
func (hc *historyChat) fill(ctx context.Context, tag string, n int) error {
	fromBob, fromPhone := 0, 0
	for i := range n - 1 {
		body := fmt.Sprintf("%s history %d", tag, i)
		var err error
		if i%4 == 3 {
			_, err = hc.phone.send(ctx, hc.bob.jid, body)
			fromPhone++
		} else {
			_, err = hc.bob.send(ctx, hc.account, body)
			fromBob++
		}
		if err != nil {
			return err
		}
	}
	if _, err := hc.phone.waitCount(ctx, tag+" history ", fromBob); err != nil {
		return err
	}
	if _, err := hc.bob.waitCount(ctx, tag+" history ", fromPhone); err != nil {
		return err
	}
	hc.last = tag + " history end"
	if _, err := hc.bob.send(ctx, hc.account, hc.last); err != nil {
		return err
	}
	_, err := hc.phone.wait(ctx, hc.last)
	return err
}

// login logs the Matrix user in with the account and waits for CONNECTED.
func (h *historyStack) login(ctx context.Context, hc *historyChat) (id.RoomID, error) {
	mgmt, cursor, err := stacktest.Login(ctx, hc.alice, h.bot, hc.account, hc.pass)
	if err != nil {
		return "", err
	}
	return mgmt, stacktest.WaitBridgeState(ctx, hc.alice, h.bot, mgmt, cursor, "CONNECTED")
}

// countMessages reads the portal's messages from the homeserver.
func countMessages(ctx context.Context, u *dendritetest.User, room id.RoomID) (int, error) {
	n, from := 0, ""
	for {
		resp, err := u.Messages(ctx, room, from, "", mautrix.DirectionBackward, nil, 1000)
		if err != nil {
			return 0, err
		}
		for _, e := range resp.Chunk {
			if e.Type == event.EventMessage {
				n++
			}
		}
		if resp.End == "" || len(resp.Chunk) == 0 {
			return n, nil
		}
		from = resp.End
	}
}

// BenchmarkHistoryNewPortal: an archive of n messages (default 1,000,
// OFFRECORD_BENCH_HISTORY) between the user's other client and a contact;
// the user opens the portal with start-chat. Timed: from the command to the
// archive's newest message showing in the portal (bridgev2 forward backfill
// through FetchMessages: archive pages, conversion, one Matrix send each).
func BenchmarkHistoryNewPortal(b *testing.B) {
	n := envInt(b, "OFFRECORD_BENCH_HISTORY", 1000)
	h := historyStackFor(b, n)
	var total time.Duration
	for round := 0; round < b.N; round++ {
		b.StopTimer()
		ctx, cancel := context.WithTimeout(context.Background(), 2*stepTimeout)
		tag := fmt.Sprintf("np%d%d", time.Now().UnixNano()%100000, round)
		hc, err := h.newHistoryChat(ctx, tag)
		if err != nil {
			b.Fatal(err)
		}
		if err := h.connectPhone(ctx, hc); err != nil {
			b.Fatal(err)
		}
		if err := hc.fill(ctx, tag, n); err != nil {
			b.Fatal(err)
		}
		mgmt, err := h.login(ctx, hc)
		if err != nil {
			b.Fatal(err)
		}
		cursor := hc.alice.Cursor()
		b.StartTimer()
		start := time.Now()
		if _, err := hc.alice.SendText(ctx, mgmt, "start-chat "+hc.bob.jid.String()); err != nil {
			b.Fatal(err)
		}
		evt, err := waitMatrix(ctx, hc.alice, cursor, "", hc.bobGhost, hc.last)
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		b.StopTimer()
		total += took
		got, err := countMessages(ctx, hc.alice, evt.RoomID)
		if err != nil {
			b.Fatal(err)
		}
		if got != n {
			b.Fatalf("the portal shows %d messages, want the %d archived", got, n)
		}
		cancel()
		b.StartTimer()
	}
	b.StopTimer()
	per := total / time.Duration(b.N)
	b.ReportMetric(ms(per), "backfill-ms")
	b.ReportMetric(float64(n)/per.Seconds(), "msgs/s")
	b.Logf("new portal: %d archived messages in %.1f s (%.0f msgs/s)", n, per.Seconds(), float64(n)/per.Seconds())
}

// BenchmarkHistoryCatchUp: the bridge is stopped, n messages (default
// 1,000) go between the contact and the user's other client, the bridge
// starts. Timed: from the start (process launched) to the newest message
// showing in the existing portal (the catch-up: archive pages back to the
// saved position, each message replayed through the inbox). Also reported:
// the part after the bridge process answered (its start excluded).
func BenchmarkHistoryCatchUp(b *testing.B) {
	n := envInt(b, "OFFRECORD_BENCH_HISTORY", 1000)
	h := historyStackFor(b, n)
	var total, afterReady time.Duration
	for round := 0; round < b.N; round++ {
		b.StopTimer()
		ctx, cancel := context.WithTimeout(context.Background(), 2*stepTimeout)
		tag := fmt.Sprintf("cu%d%d", time.Now().UnixNano()%100000, round)
		hc, err := h.newHistoryChat(ctx, tag)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := h.login(ctx, hc); err != nil {
			b.Fatal(err)
		}
		if _, err := hc.bob.Send(ctx, xmppad.Outgoing{To: hc.account, Body: tag + " hello"}); err != nil {
			b.Fatal(err)
		}
		evt, err := waitMatrix(ctx, hc.alice, 0, "", hc.bobGhost, tag+" hello")
		if err != nil {
			b.Fatal(err)
		}
		portal := evt.RoomID
		if err := h.connectPhone(ctx, hc); err != nil {
			b.Fatal(err)
		}
		if err := h.bridge.Stop(); err != nil {
			b.Fatal(err)
		}
		if err := hc.fill(ctx, tag, n); err != nil {
			b.Fatal(err)
		}
		cursor := hc.alice.Cursor()
		b.StartTimer()
		start := time.Now()
		if err := h.bridge.Start(); err != nil {
			b.Fatal(err)
		}
		ready := time.Now()
		if _, err := waitMatrix(ctx, hc.alice, cursor, portal, hc.bobGhost, hc.last); err != nil {
			b.Fatal(err)
		}
		end := time.Now()
		b.StopTimer()
		total += end.Sub(start)
		afterReady += end.Sub(ready)
		got, err := countMessages(ctx, hc.alice, portal)
		if err != nil {
			b.Fatal(err)
		}
		if got != n+1 {
			b.Fatalf("the portal shows %d messages, want hello and the %d archived", got, n)
		}
		cancel()
		b.StartTimer()
	}
	b.StopTimer()
	per, perReady := total/time.Duration(b.N), afterReady/time.Duration(b.N)
	b.ReportMetric(ms(per), "catchup-ms")
	b.ReportMetric(ms(perReady), "after-ready-ms")
	b.ReportMetric(float64(n)/perReady.Seconds(), "msgs/s")
	b.Logf("catch-up: %d messages %.1f s after the start (%.1f s after the bridge answered; %.0f msgs/s)",
		n, per.Seconds(), perReady.Seconds(), float64(n)/perReady.Seconds())
}
