package bench

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix/id"
	"mellium.im/xmpp/jid"

	"github.com/offrecord/offrecord/internal/dendritetest"
	"github.com/offrecord/offrecord/internal/stacktest"
)

// matrixSenders is how many Matrix messages are in flight at once in a burst:
// one client sending serially would measure its own HTTP round trips.
const matrixSenders = 4

// chat is the set-up for the message benchmarks: alice is a Matrix user
// logged into the bridge as alice@localhost; bob is her XMPP contact, with a
// portal between them. carol (Matrix) and dave (XMPP) give the baselines: the
// same hops without the bridge (alice<->carol in a Matrix DM, bob<->dave
// directly over prosody).
type chat struct {
	alice, carol *dendritetest.User
	aliceJID     jid.JID
	bob, dave    *buddy
	mgmt         id.RoomID // alice's management room with the bridge bot
	portal       id.RoomID // alice's portal with bob
	baseRoom     id.RoomID // alice's DM with carol
	bobGhost     id.UserID
}

var (
	chatOnce sync.Once
	theChat  *chat
	chatErr  error
)

// chatFor sets the chat up once (outside any timed region).
func chatFor(b *testing.B, f *fixture) *chat {
	b.Helper()
	chatOnce.Do(func() { theChat, chatErr = setupChat(f) })
	if chatErr != nil {
		b.Fatalf("bench: setting up the chat: %v", chatErr)
	}
	return theChat
}

func setupChat(f *fixture) (*chat, error) {
	ctx, cancel := stepCtx()
	defer cancel()
	c := &chat{}
	var err error
	if c.alice, err = f.matrixUser(ctx, "alice"); err != nil {
		return nil, err
	}
	if c.carol, err = f.matrixUser(ctx, "carol"); err != nil {
		return nil, err
	}
	account, pass, err := f.xmppAccount("alice")
	if err != nil {
		return nil, err
	}
	c.aliceJID = account
	bot := f.bridge.BotMXID(dendritetest.ServerName)
	mgmt, cursor, err := stacktest.Login(ctx, c.alice, bot, account, pass)
	if err != nil {
		return nil, err
	}
	c.mgmt = mgmt
	if err := stacktest.WaitBridgeState(ctx, c.alice, bot, mgmt, cursor, "CONNECTED"); err != nil {
		return nil, err
	}
	if c.bob, err = f.newBuddy(ctx, "bob"); err != nil {
		return nil, err
	}
	if c.dave, err = f.newBuddy(ctx, "dave"); err != nil {
		return nil, err
	}
	c.bobGhost = stacktest.Ghost(msgGhostPrefix, c.bob.jid)

	// The first message creates the portal; one each way warms both paths.
	if _, err := c.bob.send(ctx, account, "warm-up"); err != nil {
		return nil, err
	}
	evt, err := waitMatrix(ctx, c.alice, 0, "", c.bobGhost, "warm-up")
	if err != nil {
		return nil, fmt.Errorf("first message to Matrix: %w", err)
	}
	c.portal = evt.RoomID
	if _, err := c.alice.SendText(ctx, c.portal, "warm-up back"); err != nil {
		return nil, err
	}
	if _, err := c.bob.wait(ctx, "warm-up back"); err != nil {
		return nil, err
	}

	// Baseline room and XMPP pair, warmed the same way.
	if c.baseRoom, err = c.alice.CreateDM(ctx, c.carol.UserID, false); err != nil {
		return nil, err
	}
	if err := c.alice.WaitJoined(ctx, c.baseRoom, c.carol.UserID); err != nil {
		return nil, err
	}
	if _, err := c.carol.SendText(ctx, c.baseRoom, "warm-up"); err != nil {
		return nil, err
	}
	if _, err := waitMatrix(ctx, c.alice, 0, c.baseRoom, c.carol.UserID, "warm-up"); err != nil {
		return nil, err
	}
	if _, err := c.bob.send(ctx, c.dave.jid, "warm-up"); err != nil {
		return nil, err
	}
	if _, err := c.dave.wait(ctx, "warm-up"); err != nil {
		return nil, err
	}
	return c, nil
}

// figures are one direction's measurements.
type figures struct {
	e2e, xmppBase, matrixBase []time.Duration // per-message latencies
	ids                       []string        // stanza ids of the e2e messages
	starts, ends              []time.Time     // wall-clock ends of the e2e messages
	burst, xmppBurst, mxBurst time.Duration   // time to move one burst of n
	bursts                    int             // bursts per kind
}

// report turns figures into metrics. The baseline of a message is an XMPP
// hop plus a Matrix hop; pairing the i-th samples of the two independent
// series draws from the distribution of that sum.
//
// The bridge's own time per message comes from its log (see bridgeTimes);
// for XMPP->Matrix it includes the homeserver's handling of the send, which
// is also reported apart ("hs-put").
func (fg *figures) report(b *testing.B, n int, dir, logPath string) {
	bt, err := readBridgeLog(logPath)
	if err != nil {
		b.Fatal(err)
	}
	var own, put, before, after []time.Duration
	if dir == dirX2M {
		before, after = segments(bt.x2mIn, bt.x2mOut, fg.ids, fg.starts, fg.ends)
		if own, err = pick(bt.x2m, fg.ids); err != nil {
			b.Fatal(err)
		}
		if put, err = pick(bt.x2mPut, fg.ids); err != nil {
			b.Fatal(err)
		}
	} else {
		if own, err = pick(bt.m2x, fg.ids); err != nil {
			b.Fatal(err)
		}
		before, after = segments(bt.m2xIn, bt.m2xOut, fg.ids, fg.starts, fg.ends)
	}
	base := make([]time.Duration, len(fg.e2e))
	for i := range base {
		base[i] = fg.xmppBase[i] + fg.matrixBase[i]
	}
	msgs := float64(n * fg.bursts)
	rate := msgs / fg.burst.Seconds()
	// The slower of the two hops limits an unbridged pipeline.
	baseRate := msgs / max(fg.xmppBurst, fg.mxBurst).Seconds()
	p50, p99 := percentile(fg.e2e, 0.50), percentile(fg.e2e, 0.99)
	b50, b99 := percentile(base, 0.50), percentile(base, 0.99)
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(baseRate, "base-msgs/s")
	b.ReportMetric(ms(p50), "e2e-p50-ms")
	b.ReportMetric(ms(p99), "e2e-p99-ms")
	b.ReportMetric(ms(b50), "base-p50-ms")
	b.ReportMetric(ms(b99), "base-p99-ms")
	b.ReportMetric(ms(p50-b50), "added-p50-ms")
	b.ReportMetric(ms(p99-b99), "added-p99-ms")
	b.ReportMetric(ms(percentile(own, 0.50)), "bridge-p50-ms")
	b.ReportMetric(ms(percentile(own, 0.99)), "bridge-p99-ms")
	if put != nil {
		net := make([]time.Duration, len(own))
		for i := range own {
			net[i] = own[i] - put[i]
		}
		b.ReportMetric(ms(percentile(put, 0.50)), "hs-put-p50-ms")
		b.ReportMetric(ms(percentile(put, 0.99)), "hs-put-p99-ms")
		b.ReportMetric(ms(percentile(net, 0.50)), "bridge-exclput-p50-ms")
		b.ReportMetric(ms(percentile(net, 0.99)), "bridge-exclput-p99-ms")
	}
	b.Logf("%s: path split at the bridge's log marks, p50/p99 ms: before the bridge %.1f/%.1f, in the bridge %.1f/%.1f, after the bridge %.1f/%.1f",
		dir, ms(percentile(before, 0.5)), ms(percentile(before, 0.99)), ms(percentile(own, 0.5)), ms(percentile(own, 0.99)),
		ms(percentile(after, 0.5)), ms(percentile(after, 0.99)))
	b.Logf("%s: %d messages/phase; e2e p50 %.1f ms p99 %.1f ms; XMPP hop p50 %.1f p99 %.1f ms; Matrix hop p50 %.1f p99 %.1f ms; "+
		"burst bridged %.0f msgs/s, XMPP alone %.0f msgs/s, Matrix alone %.0f msgs/s",
		dir, n, ms(p50), ms(p99),
		ms(percentile(fg.xmppBase, 0.5)), ms(percentile(fg.xmppBase, 0.99)),
		ms(percentile(fg.matrixBase, 0.5)), ms(percentile(fg.matrixBase, 0.99)),
		rate, msgs/fg.xmppBurst.Seconds(), msgs/fg.mxBurst.Seconds())
}

// Directions, as named in reports.
const (
	dirX2M = "XMPP->Matrix"
	dirM2X = "Matrix->XMPP"
)

// BenchmarkXMPPToMatrix sends messages from an XMPP contact through prosody
// and the bridge into a Matrix portal. Timed: n messages one at a time (each
// from the contact's Send returning to the Matrix user's sync seeing it),
// then a burst of n (msgs/s). Untimed: the same hops without the bridge
// (contact to another XMPP account; Matrix user to Matrix user).
func BenchmarkXMPPToMatrix(b *testing.B) {
	f := stackFor(b)
	n := envInt(b, "OFFRECORD_BENCH_MESSAGES", 200)
	c := chatFor(b, f)
	var fg figures
	b.ResetTimer()
	for round := 0; round < b.N; round++ {
		tag := fmt.Sprintf("x2m-%d-%d", time.Now().UnixNano(), round)
		ctx, cancel := stepCtx()
		// Latency, one message at a time.
		for i := range n {
			body := fmt.Sprintf("%s-seq-%d", tag, i)
			cursor := c.alice.Cursor()
			sid, err := c.bob.send(ctx, c.aliceJID, body)
			if err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			fg.ids = append(fg.ids, sid)
			if _, err := waitMatrix(ctx, c.alice, cursor, c.portal, c.bobGhost, body); err != nil {
				b.Fatal(err)
			}
			end := time.Now()
			fg.e2e = append(fg.e2e, end.Sub(t0))
			fg.starts, fg.ends = append(fg.starts, t0), append(fg.ends, end)
		}
		// Throughput, a burst.
		prefix := tag + "-burst-"
		cursor := c.alice.Cursor()
		start := time.Now()
		for i := range n {
			if _, err := c.bob.send(ctx, c.aliceJID, fmt.Sprintf("%s%d", prefix, i)); err != nil {
				b.Fatal(err)
			}
		}
		last, err := waitMatrixCount(ctx, c.alice, cursor, c.portal, c.bobGhost, prefix, n)
		if err != nil {
			b.Fatal(err)
		}
		fg.burst += last.Sub(start)

		b.StopTimer()
		xmppBaseline(b, ctx, c.bob, c.dave, tag, n, &fg)
		matrixBaseline(b, ctx, c.carol, c.alice, c.baseRoom, tag, n, &fg)
		fg.bursts++
		cancel()
		b.StartTimer()
	}
	b.StopTimer()
	fg.report(b, n, dirX2M, f.bridge.LogPath())
}

// BenchmarkMatrixToXMPP sends messages from the Matrix user into the portal
// and through the bridge and prosody to the XMPP contact. Timed: n messages
// one at a time (from SendText being called to the contact's handler getting
// the stanza), then a burst of n sent by matrixSenders concurrent requests.
// Untimed: the same hops without the bridge.
func BenchmarkMatrixToXMPP(b *testing.B) {
	f := stackFor(b)
	n := envInt(b, "OFFRECORD_BENCH_MESSAGES", 200)
	c := chatFor(b, f)
	var fg figures
	b.ResetTimer()
	for round := 0; round < b.N; round++ {
		tag := fmt.Sprintf("m2x-%d-%d", time.Now().UnixNano(), round)
		ctx, cancel := stepCtx()
		for i := range n {
			body := fmt.Sprintf("%s-seq-%d", tag, i)
			t0 := time.Now()
			if _, err := c.alice.SendText(ctx, c.portal, body); err != nil {
				b.Fatal(err)
			}
			a, err := c.bob.wait(ctx, body)
			if err != nil {
				b.Fatal(err)
			}
			fg.e2e = append(fg.e2e, a.at.Sub(t0))
			fg.ids = append(fg.ids, a.id)
			fg.starts, fg.ends = append(fg.starts, t0), append(fg.ends, a.at)
		}
		prefix := tag + "-burst-"
		start := time.Now()
		if err := sendMatrixBurst(ctx, c.alice, c.portal, prefix, n); err != nil {
			b.Fatal(err)
		}
		last, err := c.bob.waitCount(ctx, prefix, n)
		if err != nil {
			b.Fatal(err)
		}
		fg.burst += last.Sub(start)

		b.StopTimer()
		xmppBaseline(b, ctx, c.dave, c.bob, tag, n, &fg)
		matrixBaseline(b, ctx, c.alice, c.carol, c.baseRoom, tag, n, &fg)
		fg.bursts++
		cancel()
		b.StartTimer()
	}
	b.StopTimer()
	fg.report(b, n, dirM2X, f.bridge.LogPath())
}

// xmppBaseline measures from -> to directly over prosody: n messages one at
// a time (Send returning to the handler), then a burst of n.
func xmppBaseline(b *testing.B, ctx context.Context, from, to *buddy, tag string, n int, fg *figures) {
	b.Helper()
	for i := range n {
		body := fmt.Sprintf("%s-xbase-%d", tag, i)
		if _, err := from.send(ctx, to.jid, body); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		a, err := to.wait(ctx, body)
		if err != nil {
			b.Fatal(err)
		}
		fg.xmppBase = append(fg.xmppBase, a.at.Sub(t0))
	}
	prefix := tag + "-xburst-"
	start := time.Now()
	for i := range n {
		if _, err := from.send(ctx, to.jid, fmt.Sprintf("%s%d", prefix, i)); err != nil {
			b.Fatal(err)
		}
	}
	last, err := to.waitCount(ctx, prefix, n)
	if err != nil {
		b.Fatal(err)
	}
	fg.xmppBurst += last.Sub(start)
}

// matrixBaseline measures from -> to in a Matrix DM: n messages one at a
// time (SendText called to the receiver's sync seeing it), then a burst.
func matrixBaseline(b *testing.B, ctx context.Context, from, to *dendritetest.User, room id.RoomID, tag string, n int, fg *figures) {
	b.Helper()
	for i := range n {
		body := fmt.Sprintf("%s-mbase-%d", tag, i)
		cursor := to.Cursor()
		t0 := time.Now()
		if _, err := from.SendText(ctx, room, body); err != nil {
			b.Fatal(err)
		}
		if _, err := waitMatrix(ctx, to, cursor, room, from.UserID, body); err != nil {
			b.Fatal(err)
		}
		fg.matrixBase = append(fg.matrixBase, time.Since(t0))
	}
	prefix := tag + "-mburst-"
	cursor := to.Cursor()
	start := time.Now()
	if err := sendMatrixBurst(ctx, from, room, prefix, n); err != nil {
		b.Fatal(err)
	}
	last, err := waitMatrixCount(ctx, to, cursor, room, from.UserID, prefix, n)
	if err != nil {
		b.Fatal(err)
	}
	fg.mxBurst += last.Sub(start)
}

// sendMatrixBurst sends n messages prefix0..prefix(n-1) to room with
// matrixSenders requests in flight.
func sendMatrixBurst(ctx context.Context, u *dendritetest.User, room id.RoomID, prefix string, n int) error {
	next := make(chan int)
	errs := make(chan error, matrixSenders)
	var wg sync.WaitGroup
	for range matrixSenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := u.SendText(ctx, room, fmt.Sprintf("%s%d", prefix, i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case err := <-errs:
			close(next)
			wg.Wait()
			return err
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}

// accountFigures is the memory benchmark's result, measured once per process.
type accountFigures struct {
	n                   int
	idleKiB, afterKiB   int64
	hwmKiB              int64
	loginTime, regsTime time.Duration
}

var (
	accountsOnce sync.Once
	accounts     accountFigures
	accountsErr  error
)

// BenchmarkAccountsRSS logs OFFRECORD_BENCH_ACCOUNTS (100) XMPP accounts,
// one per Matrix user, into a freshly started second bridge process and
// reports its resident memory: idle (started, no logins) and the growth per
// logged-in account. Each login counts once it is CONNECTED (the bridge
// state notice). The measurement runs once per process; it does not scale
// with b.N.
func BenchmarkAccountsRSS(b *testing.B) {
	f := stackFor(b)
	n := envInt(b, "OFFRECORD_BENCH_ACCOUNTS", 100)
	accountsOnce.Do(func() { accounts, accountsErr = measureAccounts(f, n) })
	if accountsErr != nil {
		b.Fatal(accountsErr)
	}
	a := accounts
	const mib = 1024.0
	perAccount := float64(a.afterKiB-a.idleKiB) / float64(a.n) / mib
	b.ReportMetric(float64(a.idleKiB)/mib, "idle-MiB")
	b.ReportMetric(float64(a.afterKiB)/mib, "loaded-MiB")
	b.ReportMetric(perAccount, "MiB/account")
	b.ReportMetric(float64(a.n)/a.loginTime.Seconds(), "logins/s")
	b.Logf("%d accounts: VmRSS idle %d KiB, after %d KiB, VmHWM %d KiB; %.1f KiB/account; logins took %s (XMPP registration %s, untimed)",
		a.n, a.idleKiB, a.afterKiB, a.hwmKiB, float64(a.afterKiB-a.idleKiB)/float64(a.n), a.loginTime.Round(time.Millisecond), a.regsTime.Round(time.Millisecond))
}

// loginWorkers bounds the logins in flight.
const loginWorkers = 8

func measureAccounts(f *fixture, n int) (accountFigures, error) {
	out := accountFigures{n: n}
	type cred struct {
		jid  jid.JID
		pass string
	}
	creds := make([]cred, n)
	regStart := time.Now()
	if err := parallel(n, 4, func(i int) error {
		j, p, err := f.xmppAccount("load")
		creds[i] = cred{j, p}
		return err
	}); err != nil {
		return out, err
	}
	out.regsTime = time.Since(regStart)

	if err := f.rss.Start(); err != nil {
		return out, err
	}
	pid := f.rss.PID()
	var err error
	if out.idleKiB, err = statusKiB(pid, "VmRSS"); err != nil {
		return out, err
	}
	bot := f.rss.BotMXID(dendritetest.ServerName)
	start := time.Now()
	err = parallel(n, loginWorkers, func(i int) error {
		ctx, cancel := stepCtx()
		defer cancel()
		u, err := f.hs.StartUser(ctx, f.name("load"), dendritetest.UserOptions{AutoJoin: true})
		if err != nil {
			return err
		}
		defer u.Close() // the login lives on in the bridge
		mgmt, cursor, err := stacktest.Login(ctx, u, bot, creds[i].jid, creds[i].pass)
		if err != nil {
			return err
		}
		if err := stacktest.WaitBridgeState(ctx, u, bot, mgmt, cursor, "CONNECTED"); err != nil {
			return fmt.Errorf("%s never CONNECTED: %w", creds[i].jid, err)
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	out.loginTime = time.Since(start)
	if out.afterKiB, err = statusKiB(pid, "VmRSS"); err != nil {
		return out, err
	}
	out.hwmKiB, err = statusKiB(pid, "VmHWM")
	return out, err
}

// parallel runs fn(0..n-1) on workers goroutines and returns the first error.
func parallel(n, workers int, fn func(i int) error) error {
	next := make(chan int)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []string
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					mu.Lock()
					errs = append(errs, err.Error())
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d failed; first: %s", len(errs), n, strings.Join(errs[:1], ""))
	}
	return nil
}
