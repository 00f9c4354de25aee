package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

	"github.com/offrecord/offrecord/bridge"
	"github.com/offrecord/offrecord/internal/dendritetest"
	"github.com/offrecord/offrecord/internal/otrbuddy"
	"github.com/offrecord/offrecord/internal/stacktest"
)

// otrKeyPrefix starts the Matrix body of every decrypted OTR message.
const otrKeyPrefix = "🔑 "

// otrPeer is the OTR side of the on/off benchmark: a libotr buddy (policy
// manual) with a secure OTR session to alice's bridge account, in its own
// portal. Its events and wire bodies are drained into buffered channels by
// two goroutines, the wire bodies stamped on arrival.
type otrPeer struct {
	buddy  *otrbuddy.Buddy
	jid    jid.JID
	portal id.RoomID
	ghost  id.UserID
	pid    int // the buddy's libotrpeer process
	events chan otrbuddy.Event
	wire   chan arrival
}

var (
	otrOnce sync.Once
	theOTR  *otrPeer
	otrErr  error
)

// otrFor sets the OTR buddy and its secure session up once (untimed).
func otrFor(b *testing.B, f *fixture, c *chat) *otrPeer {
	b.Helper()
	otrOnce.Do(func() { theOTR, otrErr = setupOTR(f, c) })
	if otrErr != nil {
		b.Fatalf("bench: setting up the OTR chat: %v", otrErr)
	}
	return theOTR
}

// setupOTR follows the demo's OTR acts: start the libotr buddy (approving
// subscriptions), open its portal with start-chat, wait for the approval and
// a plain hello, then `!xmpp otr start` until the bot's "secure" notice and
// libotr's secure event; one OTR message each way warms both paths.
func setupOTR(f *fixture, c *chat) (*otrPeer, error) {
	ctx, cancel := stepCtx()
	defer cancel()
	account, pass, err := f.xmppAccount("otrbob")
	if err != nil {
		return nil, err
	}
	cfg := f.st.OTRBuddyConfig(account, pass, "bench-otr")
	cfg.ApproveSubscriptions = true
	bd, err := otrbuddy.Start(ctx, cfg)
	if err != nil {
		return nil, err
	}
	f.onClose(func() { _ = bd.Close() })
	o := &otrPeer{buddy: bd, jid: account, ghost: stacktest.Ghost(msgGhostPrefix, account),
		events: make(chan otrbuddy.Event, 1<<16), wire: make(chan arrival, 1<<16)}
	go func() {
		for ev := range bd.Events() {
			o.events <- ev
		}
	}()
	go func() {
		for body := range bd.Wire() {
			o.wire <- arrival{body: body, at: time.Now()}
		}
	}()
	o.pid = bd.PID()

	cursor := c.alice.Cursor()
	if _, err := c.alice.SendText(ctx, c.mgmt, "start-chat "+account.String()); err != nil {
		return nil, err
	}
	invite, err := c.alice.WaitEventFrom(ctx, cursor, "", func(e *event.Event) bool {
		return e.Type == event.StateMember && e.GetStateKey() == c.alice.UserID.String() &&
			e.Content.AsMember().Membership == event.MembershipInvite &&
			e.RoomID != c.mgmt && e.RoomID != c.portal && e.RoomID != c.baseRoom
	})
	if err != nil {
		return nil, fmt.Errorf("no portal invite after start-chat: %w", err)
	}
	o.portal = invite.RoomID
	if err := c.alice.WaitJoined(ctx, o.portal, c.alice.UserID); err != nil {
		return nil, err
	}
	if _, err := o.waitEvent(ctx, func(e otrbuddy.Event) bool { return e.Kind == otrbuddy.Subscribed }); err != nil {
		return nil, fmt.Errorf("the bridge account never asked for the buddy's presence: %w", err)
	}
	cursor = c.alice.Cursor()
	if err := bd.Say(ctx, c.aliceJID, "hello in plaintext"); err != nil {
		return nil, err
	}
	if _, err := waitMatrix(ctx, c.alice, cursor, o.portal, o.ghost, "hello in plaintext"); err != nil {
		return nil, fmt.Errorf("the buddy's plain hello: %w", err)
	}

	cursor = c.alice.Cursor()
	if _, err := c.alice.SendText(ctx, o.portal, "!xmpp otr start"); err != nil {
		return nil, err
	}
	bot := f.bridge.BotMXID(dendritetest.ServerName)
	if _, err := c.alice.WaitEventFrom(ctx, cursor, o.portal, func(e *event.Event) bool {
		if e.Sender != bot || e.Type != event.EventMessage || e.Content.AsMessage().MsgType != event.MsgNotice {
			return false
		}
		n, _ := bridge.ParseNotice(e.Content.Raw)
		return n.Event == "secure"
	}); err != nil {
		return nil, fmt.Errorf("no secure OTR notice: %w", err)
	}
	if _, err := o.waitEvent(ctx, func(e otrbuddy.Event) bool { return e.Kind == otrbuddy.Secure }); err != nil {
		return nil, fmt.Errorf("libotr never went secure: %w", err)
	}

	// Warm-up, one OTR message each way.
	if _, err := o.say(ctx, c, "otr warm-up"); err != nil {
		return nil, err
	}
	if _, err := waitMatrix(ctx, c.alice, cursor, o.portal, o.ghost, otrKeyPrefix+"otr warm-up"); err != nil {
		return nil, fmt.Errorf("first OTR message to Matrix: %w", err)
	}
	t0 := time.Now()
	if _, err := c.alice.SendText(ctx, o.portal, "otr warm-up back"); err != nil {
		return nil, err
	}
	if _, _, err := o.waitDecrypted(ctx, t0, "otr warm-up back"); err != nil {
		return nil, err
	}
	return o, nil
}

// cpuTime is the CPU time a process's threads have run so far: the sum of
// /proc/PID/task/*/schedstat (nanoseconds; /proc/PID/stat counts 10 ms
// ticks, too coarse for libotr's microseconds per message). Time of threads
// that already exited is not counted; Go seldom ends threads.
func cpuTime(pid int) (time.Duration, error) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0, err
	}
	var total time.Duration
	for _, t := range tasks {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, t.Name()))
		if err != nil {
			continue // the thread ended meanwhile
		}
		f := strings.Fields(string(data))
		if len(f) == 0 {
			return 0, errors.New("bench: empty schedstat")
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, err
		}
		total += time.Duration(ns)
	}
	return total, nil
}

// waitEvent returns the next buddy event matching pred, dropping others; an
// XMPP error event fails the wait.
func (o *otrPeer) waitEvent(ctx context.Context, pred func(otrbuddy.Event) bool) (otrbuddy.Event, error) {
	for {
		select {
		case ev := <-o.events:
			if ev.Kind == otrbuddy.Error {
				return ev, fmt.Errorf("otr buddy: %w", ev.Err)
			}
			if pred(ev) {
				return ev, nil
			}
		case <-ctx.Done():
			return otrbuddy.Event{}, fmt.Errorf("otr buddy: waiting for an event: %w", ctx.Err())
		}
	}
}

// say has the buddy type text and returns when libotr's encrypted output
// for it was ready to go over XMPP (the Sent event's time, taken before the
// XMPP write).
func (o *otrPeer) say(ctx context.Context, c *chat, text string) (time.Time, error) {
	t0 := time.Now()
	if err := o.buddy.Say(ctx, c.aliceJID, text); err != nil {
		return time.Time{}, err
	}
	ev, err := o.waitEvent(ctx, func(e otrbuddy.Event) bool { return e.Kind == otrbuddy.Sent && !e.At.Before(t0) })
	if err != nil {
		return time.Time{}, err
	}
	if !strings.HasPrefix(ev.Text, "?OTR:") {
		return time.Time{}, fmt.Errorf("libotr sent %.20q…, not an OTR data message: the session is not secure", ev.Text)
	}
	return ev.At, nil
}

// waitDecrypted waits for libotr to hand over text decrypted and returns
// when the OTR stanza reached the buddy's client and when libotr's
// plaintext was out. A plaintext arrival fails: OTR is not on.
func (o *otrPeer) waitDecrypted(ctx context.Context, since time.Time, text string) (wireAt, at time.Time, err error) {
	ev, err := o.waitEvent(ctx, func(e otrbuddy.Event) bool { return e.Kind == otrbuddy.Message && e.Text == text })
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if !ev.Encrypted {
		return time.Time{}, time.Time{}, fmt.Errorf("otr buddy: %q arrived in plaintext", text)
	}
	// The wire body was queued before libotr got it, so it is here already.
	for {
		select {
		case a := <-o.wire:
			if !a.at.Before(since) && strings.HasPrefix(a.body, "?OTR:") {
				return a.at, ev.At, nil
			}
		case <-ctx.Done():
			return time.Time{}, time.Time{}, ctx.Err()
		}
	}
}

// waitDecryptedCount waits for n decrypted messages starting with prefix
// and returns when libotr handed over the last.
func (o *otrPeer) waitDecryptedCount(ctx context.Context, prefix string, n int) (time.Time, error) {
	got := 0
	ev, err := o.waitEvent(ctx, func(e otrbuddy.Event) bool {
		if e.Kind == otrbuddy.Message && strings.HasPrefix(e.Text, prefix) {
			if !e.Encrypted {
				return true // reported below
			}
			got++
		}
		return got == n
	})
	if err == nil && !ev.Encrypted {
		err = fmt.Errorf("otr buddy: %q arrived in plaintext", ev.Text)
	}
	return ev.At, err
}

// drainWire drops the stamped wire bodies received so far.
func (o *otrPeer) drainWire() {
	for {
		select {
		case <-o.wire:
		default:
			return
		}
	}
}

// onOff holds one direction's samples for OTR off (the plain portal) and
// on (the OTR portal), taken alternately in the same run.
type onOff struct {
	off, on sample
	// libotr is the buddy's libotr share of each OTR message: Say to
	// encrypted output (XMPP->Matrix), stanza in to plaintext out (Matrix->XMPP).
	libotr []time.Duration
}

// sample is one mode's figures.
type sample struct {
	e2e          []time.Duration
	starts, ends []time.Time
	ids          []string // stanza ids (OTR off) for the log's per-id figures
	burst        time.Duration
	bridgeCPU    time.Duration // bridge process CPU during the burst
	libotrCPU    time.Duration // libotrpeer CPU during the burst (OTR on)
	originTS     []time.Time   // XMPP->Matrix: the Matrix event's origin_server_ts
}

// burstCPU runs burst and returns the CPU time the bridge and the libotr
// buddy used meanwhile.
func burstCPU(bridgePID, otrPID int, burst func() error) (bridge, libotr time.Duration, err error) {
	b0, err1 := cpuTime(bridgePID)
	o0, err2 := cpuTime(otrPID)
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, err
	}
	if err := burst(); err != nil {
		return 0, 0, err
	}
	b1, err1 := cpuTime(bridgePID)
	o1, err2 := cpuTime(otrPID)
	return b1 - b0, o1 - o0, errors.Join(err1, err2)
}

// BenchmarkOTROnOffXMPPToMatrix: the same n messages through the bridge
// with OTR off (the plain buddy's portal) and on (the libotr buddy's portal,
// session secure), alternating one at a time, then a burst of n each.
// Latency runs from the buddy's send call (libotr's encryption included) to
// alice's /sync showing the message.
func BenchmarkOTROnOffXMPPToMatrix(b *testing.B) {
	f := stackFor(b)
	n := envInt(b, "OFFRECORD_BENCH_OTR_MESSAGES", 100)
	c := chatFor(b, f)
	o := otrFor(b, f, c)
	bridgePID := f.bridge.PID()
	var fg onOff
	b.ResetTimer()
	for round := 0; round < b.N; round++ {
		tag := fmt.Sprintf("ox2m-%d-%d", time.Now().UnixNano(), round)
		ctx, cancel := stepCtx()
		for i := range n {
			body := fmt.Sprintf("%s-off-%d", tag, i)
			cursor := c.alice.Cursor()
			t0 := time.Now()
			sid, err := c.bob.send(ctx, c.aliceJID, body)
			if err != nil {
				b.Fatal(err)
			}
			evt, err := waitMatrix(ctx, c.alice, cursor, c.portal, c.bobGhost, body)
			if err != nil {
				b.Fatal(err)
			}
			fg.off.add(t0, time.Now(), sid)
			fg.off.originTS = append(fg.off.originTS, time.UnixMilli(evt.Timestamp))

			body = fmt.Sprintf("%s-on-%d", tag, i)
			cursor = c.alice.Cursor()
			t0 = time.Now()
			out, err := o.say(ctx, c, body)
			if err != nil {
				b.Fatal(err)
			}
			evt, err = waitMatrix(ctx, c.alice, cursor, o.portal, o.ghost, otrKeyPrefix+body)
			if err != nil {
				b.Fatal(err)
			}
			fg.on.add(t0, time.Now(), "")
			fg.on.originTS = append(fg.on.originTS, time.UnixMilli(evt.Timestamp))
			fg.libotr = append(fg.libotr, out.Sub(t0))
		}

		// Bursts, OTR off and on; the order alternates between rounds so that
		// neither mode pays for the other's garbage or warms its caches.
		offBurst := func() {
			prefix, cursor := tag+"-offburst-", c.alice.Cursor()
			fg.measureBurst(b, false, bridgePID, o.pid, n, func() (time.Time, error) {
				for i := range n {
					if _, err := c.bob.send(ctx, c.aliceJID, fmt.Sprintf("%s%d", prefix, i)); err != nil {
						return time.Time{}, err
					}
				}
				return waitMatrixCount(ctx, c.alice, cursor, c.portal, c.bobGhost, prefix, n)
			})
		}
		onBurst := func() {
			prefix, cursor := tag+"-onburst-", c.alice.Cursor()
			fg.measureBurst(b, true, bridgePID, o.pid, n, func() (time.Time, error) {
				for i := range n {
					if err := o.buddy.Say(ctx, c.aliceJID, fmt.Sprintf("%s%d", prefix, i)); err != nil {
						return time.Time{}, err
					}
				}
				return waitMatrixCount(ctx, c.alice, cursor, o.portal, o.ghost, otrKeyPrefix+prefix, n)
			})
		}
		inOrder(round, offBurst, onBurst)
		cancel()
	}
	b.StopTimer()
	fg.report(b, n, dirX2M, f.bridge.LogPath(), c.bob.jid, o.jid)
}

// BenchmarkOTROnOffMatrixToXMPP: as BenchmarkOTROnOffXMPPToMatrix the
// other way. Latency runs from alice's SendText call to the plain buddy's
// handler getting the stanza (OTR off) or to libotr handing the decrypted
// text over (OTR on). Bursts are sent with matrixSenders requests in flight.
func BenchmarkOTROnOffMatrixToXMPP(b *testing.B) {
	f := stackFor(b)
	n := envInt(b, "OFFRECORD_BENCH_OTR_MESSAGES", 100)
	c := chatFor(b, f)
	o := otrFor(b, f, c)
	bridgePID := f.bridge.PID()
	var fg onOff
	b.ResetTimer()
	for round := 0; round < b.N; round++ {
		tag := fmt.Sprintf("om2x-%d-%d", time.Now().UnixNano(), round)
		ctx, cancel := stepCtx()
		o.drainWire()
		for i := range n {
			body := fmt.Sprintf("%s-off-%d", tag, i)
			t0 := time.Now()
			if _, err := c.alice.SendText(ctx, c.portal, body); err != nil {
				b.Fatal(err)
			}
			a, err := c.bob.wait(ctx, body)
			if err != nil {
				b.Fatal(err)
			}
			fg.off.add(t0, a.at, a.id)

			body = fmt.Sprintf("%s-on-%d", tag, i)
			t0 = time.Now()
			if _, err := c.alice.SendText(ctx, o.portal, body); err != nil {
				b.Fatal(err)
			}
			wireAt, at, err := o.waitDecrypted(ctx, t0, body)
			if err != nil {
				b.Fatal(err)
			}
			fg.on.add(t0, at, "")
			fg.libotr = append(fg.libotr, at.Sub(wireAt))
		}

		// Bursts, OTR off and on, in alternating order (as above).
		offBurst := func() {
			prefix := tag + "-offburst-"
			fg.measureBurst(b, false, bridgePID, o.pid, n, func() (time.Time, error) {
				if err := sendMatrixBurst(ctx, c.alice, c.portal, prefix, n); err != nil {
					return time.Time{}, err
				}
				return c.bob.waitCount(ctx, prefix, n)
			})
		}
		onBurst := func() {
			prefix := tag + "-onburst-"
			fg.measureBurst(b, true, bridgePID, o.pid, n, func() (time.Time, error) {
				if err := sendMatrixBurst(ctx, c.alice, o.portal, prefix, n); err != nil {
					return time.Time{}, err
				}
				return o.waitDecryptedCount(ctx, prefix, n)
			})
		}
		inOrder(round, offBurst, onBurst)
		cancel()
	}
	b.StopTimer()
	fg.report(b, n, dirM2X, f.bridge.LogPath(), c.bob.jid, o.jid)
}

// inOrder runs the off and on bursts of a round: off first in even rounds,
// on first in odd ones.
func inOrder(round int, off, on func()) {
	if round%2 == 0 {
		off()
		on()
		return
	}
	on()
	off()
}

// measureBurst runs one burst of n messages with OTR on or off (burst sends
// them and returns when the last one arrived) and adds its duration and the
// CPU used meanwhile to that mode's sample. Each burst's bridge CPU is also
// logged, so the rounds' spread can be read beside the totals.
func (fg *onOff) measureBurst(b *testing.B, on bool, bridgePID, otrPID, n int, burst func() (last time.Time, err error)) {
	s, mode := &fg.off, "off"
	if on {
		s, mode = &fg.on, "on"
	}
	var start, last time.Time
	bcpu, ocpu, err := burstCPU(bridgePID, otrPID, func() error {
		start = time.Now()
		var err error
		last, err = burst()
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	s.burst += last.Sub(start)
	s.bridgeCPU += bcpu
	if on {
		s.libotrCPU += ocpu
	}
	b.Logf("burst, OTR %s: bridge CPU %.3f ms/msg", mode, ms(bcpu)/float64(n))
}

func (s *sample) add(start, end time.Time, id string) {
	s.e2e = append(s.e2e, end.Sub(start))
	s.starts, s.ends = append(s.starts, start), append(s.ends, end)
	s.ids = append(s.ids, id)
}

// report turns both modes' samples into metrics: off-*, on-* and the
// OTR differences (otr-*).
func (fg *onOff) report(b *testing.B, n int, dir, logPath string, plain, otrJID jid.JID) {
	marks, err := readMarks(logPath)
	if err != nil {
		b.Fatal(err)
	}
	msgs := float64(n * b.N)
	p := func(ds []time.Duration, q float64) float64 { return ms(percentile(ds, q)) }

	// The bridge's own time per message, from its log, matched by time window
	// (one message in flight): XMPP->Matrix stanza in -> (OTR off) Matrix
	// send done; Matrix->XMPP transaction in -> stanza out.
	var offBridge, onBridge, offIn, onIn []time.Duration // onIn/offIn: stanza in the bridge -> seen in Matrix (X2M)
	var onStamp []time.Duration
	var offBefore, offAfter, onBefore, onAfter []time.Duration // Matrix->XMPP: start -> transaction, stanza out -> end
	if dir == dirX2M {
		for i := range fg.off.e2e {
			in, ok := marks.received(plain, fg.off.starts[i], fg.off.ends[i])
			if !ok {
				b.Fatalf("bench: OTR-off message %d not found in the bridge log", i)
			}
			out, ok := marks.partOut[fg.off.ids[i]]
			if !ok {
				b.Fatalf("bench: stanza %s not found in the bridge log", fg.off.ids[i])
			}
			offBridge = append(offBridge, out.Sub(in))
			offIn = append(offIn, fg.off.ends[i].Sub(in))
		}
		for i := range fg.on.e2e {
			in, ok := marks.received(otrJID, fg.on.starts[i], fg.on.ends[i])
			if !ok {
				b.Fatalf("bench: OTR-on message %d not found in the bridge log", i)
			}
			onIn = append(onIn, fg.on.ends[i].Sub(in))
			onStamp = append(onStamp, fg.on.originTS[i].Sub(in))
		}
	} else {
		var err error
		if offBridge, offBefore, offAfter, err = marks.sendSpans(plain, fg.off.starts, fg.off.ends); err != nil {
			b.Fatal(err)
		}
		if onBridge, onBefore, onAfter, err = marks.sendSpans(otrJID, fg.on.starts, fg.on.ends); err != nil {
			b.Fatal(err)
		}
	}

	offRate, onRate := msgs/fg.off.burst.Seconds(), msgs/fg.on.burst.Seconds()
	b.ReportMetric(offRate, "off-msgs/s")
	b.ReportMetric(onRate, "on-msgs/s")
	b.ReportMetric(p(fg.off.e2e, 0.5), "off-p50-ms")
	b.ReportMetric(p(fg.off.e2e, 0.99), "off-p99-ms")
	b.ReportMetric(p(fg.on.e2e, 0.5), "on-p50-ms")
	b.ReportMetric(p(fg.on.e2e, 0.99), "on-p99-ms")
	b.ReportMetric(p(fg.on.e2e, 0.5)-p(fg.off.e2e, 0.5), "otr-added-p50-ms")
	b.ReportMetric(p(fg.on.e2e, 0.99)-p(fg.off.e2e, 0.99), "otr-added-p99-ms")
	b.ReportMetric(p(fg.libotr, 0.5), "libotr-p50-ms")
	b.ReportMetric(p(fg.libotr, 0.99), "libotr-p99-ms")
	perMsg := func(d time.Duration) float64 { return ms(d) / msgs }
	b.ReportMetric(perMsg(fg.off.bridgeCPU), "off-bridge-cpu-ms/msg")
	b.ReportMetric(perMsg(fg.on.bridgeCPU), "on-bridge-cpu-ms/msg")
	b.ReportMetric(perMsg(fg.on.libotrCPU), "libotr-cpu-ms/msg")
	if dir == dirM2X {
		b.ReportMetric(p(offBridge, 0.5), "off-bridge-p50-ms")
		b.ReportMetric(p(offBridge, 0.99), "off-bridge-p99-ms")
		b.ReportMetric(p(onBridge, 0.5), "on-bridge-p50-ms")
		b.ReportMetric(p(onBridge, 0.99), "on-bridge-p99-ms")
	} else {
		b.ReportMetric(p(offBridge, 0.5), "off-bridge-p50-ms")
		b.ReportMetric(p(offBridge, 0.99), "off-bridge-p99-ms")
		b.ReportMetric(p(offIn, 0.5), "off-after-in-p50-ms")
		b.ReportMetric(p(offIn, 0.99), "off-after-in-p99-ms")
		b.ReportMetric(p(onIn, 0.5), "on-after-in-p50-ms")
		b.ReportMetric(p(onIn, 0.99), "on-after-in-p99-ms")
		b.ReportMetric(p(onStamp, 0.5), "on-in-to-hs-p50-ms")
		b.ReportMetric(p(onStamp, 0.99), "on-in-to-hs-p99-ms")
	}
	b.Logf("%s, %d messages each, OTR off | on: burst %.1f | %.1f msgs/s; e2e p50 %.1f | %.1f ms, p99 %.1f | %.1f ms; "+
		"libotr (buddy) p50 %.2f p99 %.2f ms; bridge CPU %.2f | %.2f ms/msg, libotr CPU %.2f ms/msg (bursts)",
		dir, n, offRate, onRate, p(fg.off.e2e, 0.5), p(fg.on.e2e, 0.5), p(fg.off.e2e, 0.99), p(fg.on.e2e, 0.99),
		p(fg.libotr, 0.5), p(fg.libotr, 0.99), perMsg(fg.off.bridgeCPU), perMsg(fg.on.bridgeCPU), perMsg(fg.on.libotrCPU))
	if dir == dirM2X {
		b.Logf("%s in the bridge (transaction in -> stanza out), OTR off | on: p50 %.2f | %.2f ms, p99 %.2f | %.2f ms",
			dir, p(offBridge, 0.5), p(onBridge, 0.5), p(offBridge, 0.99), p(onBridge, 0.99))
		b.Logf("%s path split p50 (p99) ms, OTR off | on: SendText -> transaction %.1f (%.1f) | %.1f (%.1f); "+
			"in the bridge %.2f (%.2f) | %.2f (%.2f); stanza out -> buddy's text %.2f (%.2f) | %.2f (%.2f)",
			dir, p(offBefore, 0.5), p(offBefore, 0.99), p(onBefore, 0.5), p(onBefore, 0.99),
			p(offBridge, 0.5), p(offBridge, 0.99), p(onBridge, 0.5), p(onBridge, 0.99),
			p(offAfter, 0.5), p(offAfter, 0.99), p(onAfter, 0.5), p(onAfter, 0.99))
	} else {
		b.Logf("%s OTR off: in the bridge (stanza in -> Matrix send done) p50 %.2f p99 %.2f ms; stanza in -> seen in Matrix, off | on: p50 %.2f | %.2f ms, p99 %.2f | %.2f ms; "+
			"OTR on: stanza in -> the event's origin_server_ts (ms) p50 %.1f p99 %.1f ms",
			dir, p(offBridge, 0.5), p(offBridge, 0.99), p(offIn, 0.5), p(onIn, 0.5), p(offIn, 0.99), p(onIn, 0.99),
			p(onStamp, 0.5), p(onStamp, 0.99))
	}
}

// logMarks are the bridge log lines the on/off benchmark matches by time.
type logMarks struct {
	recv    []peerMark           // "Received message", by sender
	send    []peerMark           // "Sending message" with a body, by recipient
	txns    []time.Time          // "Starting handling of transaction"
	partOut map[string]time.Time // "Sent message part to Matrix", by stanza id
}

type peerMark struct {
	at   time.Time
	peer string // bare JID
}

// markLine is a bridge log line as readMarks reads it.
type markLine struct {
	logLine
	From    string `json:"from"`
	To      string `json:"to"`
	BodyLen int    `json:"body_len"`
}

// readMarks parses the bridge log for the on/off benchmark.
func readMarks(path string) (*logMarks, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := &logMarks{partOut: map[string]time.Time{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var l markLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			continue
		}
		switch {
		case l.Message == "Received message" && l.From != "":
			m.recv = append(m.recv, peerMark{l.Time, bareOf(l.From)})
		case l.Message == "Sending message" && l.BodyLen > 0:
			m.send = append(m.send, peerMark{l.Time, bareOf(l.To)})
		case l.Message == "Starting handling of transaction":
			m.txns = append(m.txns, l.Time)
		case l.Message == "Sent message part to Matrix" && l.StanzaID != "":
			m.partOut[l.StanzaID] = l.Time
		}
	}
	// Lines from concurrent goroutines may be a little out of order.
	byTime := func(a, b peerMark) int { return a.at.Compare(b.at) }
	slices.SortStableFunc(m.recv, byTime)
	slices.SortStableFunc(m.send, byTime)
	slices.SortFunc(m.txns, time.Time.Compare)
	return m, sc.Err()
}

func bareOf(s string) string {
	bare, _, _ := strings.Cut(s, "/")
	return bare
}

// received is when the bridge's adapter logged the first message from peer
// between start and end.
func (m *logMarks) received(peer jid.JID, start, end time.Time) (time.Time, bool) {
	return first(m.recv, peer.Bare().String(), start, end)
}

func first(marks []peerMark, peer string, start, end time.Time) (time.Time, bool) {
	i, _ := slices.BinarySearchFunc(marks, start, func(pm peerMark, t time.Time) int { return pm.at.Compare(t) })
	for ; i < len(marks) && !marks[i].at.After(end); i++ {
		if marks[i].peer == peer {
			return marks[i].at, true
		}
	}
	return time.Time{}, false
}

// sendSpans returns, per message, the time from the last appservice
// transaction before the bridge's first stanza to peer in [start, end] to
// that stanza.
// before and after are the rest of each message's path: its start to the
// transaction, and the stanza to its end.
func (m *logMarks) sendSpans(peer jid.JID, starts, ends []time.Time) (out, before, after []time.Duration, err error) {
	for i := range starts {
		sent, ok := first(m.send, peer.Bare().String(), starts[i], ends[i])
		if !ok {
			return nil, nil, nil, fmt.Errorf("bench: message %d to %s not found in the bridge log", i, peer)
		}
		j, _ := slices.BinarySearchFunc(m.txns, sent, func(t, s time.Time) int { return t.Compare(s) })
		if j == 0 || m.txns[j-1].Before(starts[i]) {
			return nil, nil, nil, fmt.Errorf("bench: no transaction before message %d to %s", i, peer)
		}
		out = append(out, sent.Sub(m.txns[j-1]))
		before = append(before, m.txns[j-1].Sub(starts[i]))
		after = append(after, ends[i].Sub(sent))
	}
	return out, before, after, nil
}

// stormBuddy is one libotr buddy of the AKE storm, with its portal.
type stormBuddy struct {
	buddy  *otrbuddy.Buddy
	jid    jid.JID
	portal id.RoomID
	events chan otrbuddy.Event
}

var (
	stormOnce sync.Once
	theStorm  []*stormBuddy
	stormErr  error
)

// stormFor sets n libotr buddies up once (untimed), each with a portal and
// no OTR session.
func stormFor(b *testing.B, f *fixture, c *chat, n int) []*stormBuddy {
	b.Helper()
	stormOnce.Do(func() { theStorm, stormErr = setupStorm(f, c, n) })
	if stormErr != nil {
		b.Fatalf("bench: setting up the AKE storm buddies: %v", stormErr)
	}
	return theStorm
}

// setupStorm starts the buddies (libotr key generation included) eight at a
// time, then opens their portals one by one as setupOTR does: start-chat,
// the portal invite, the buddy approving the bridge's presence subscription
// (the bridge starts or accepts OTR only with a buddy it sees online).
func setupStorm(f *fixture, c *chat, n int) ([]*stormBuddy, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	out := make([]*stormBuddy, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i], errs[i] = startStormBuddy(ctx, f)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	seen := map[id.RoomID]bool{c.mgmt: true, c.portal: true, c.baseRoom: true}
	for _, s := range out {
		if err := openStormPortal(ctx, c, s, seen); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func startStormBuddy(ctx context.Context, f *fixture) (*stormBuddy, error) {
	account, pass, err := f.xmppAccount("storm")
	if err != nil {
		return nil, err
	}
	bd, err := otrbuddy.Start(ctx, otrbuddy.Config{
		JID: account.String(), Password: pass, Resource: "bench-storm",
		Server: f.prosody.Addr(), CAFile: f.prosody.CAFile(), ApproveSubscriptions: true,
	})
	if err != nil {
		return nil, err
	}
	f.onClose(func() { _ = bd.Close() })
	s := &stormBuddy{buddy: bd, jid: account, events: make(chan otrbuddy.Event, 1<<10)}
	go func() {
		for ev := range bd.Events() {
			s.events <- ev
		}
	}()
	return s, nil
}

// openStormPortal opens s's portal with start-chat; seen holds the rooms
// already known, so that the new invite is this buddy's.
func openStormPortal(ctx context.Context, c *chat, s *stormBuddy, seen map[id.RoomID]bool) error {
	cursor := c.alice.Cursor()
	if _, err := c.alice.SendText(ctx, c.mgmt, "start-chat "+s.jid.String()); err != nil {
		return err
	}
	invite, err := c.alice.WaitEventFrom(ctx, cursor, "", func(e *event.Event) bool {
		return e.Type == event.StateMember && e.GetStateKey() == c.alice.UserID.String() &&
			e.Content.AsMember().Membership == event.MembershipInvite && !seen[e.RoomID]
	})
	if err != nil {
		return fmt.Errorf("storm buddy %s: no portal invite after start-chat: %w", s.jid, err)
	}
	s.portal = invite.RoomID
	seen[s.portal] = true
	if err := c.alice.WaitJoined(ctx, s.portal, c.alice.UserID); err != nil {
		return err
	}
	if err := s.waitEvent(ctx, func(e otrbuddy.Event) bool { return e.Kind == otrbuddy.Subscribed }); err != nil {
		return fmt.Errorf("the bridge account never asked for %s's presence: %w", s.jid, err)
	}
	return nil
}

// waitEvent returns the buddy's next event matching pred; an XMPP error fails it.
func (s *stormBuddy) waitEvent(ctx context.Context, pred func(otrbuddy.Event) bool) error {
	for {
		select {
		case ev := <-s.events:
			if ev.Kind == otrbuddy.Error {
				return fmt.Errorf("storm buddy %s: %w", s.jid, ev.Err)
			}
			if pred(ev) {
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("storm buddy %s: %w", s.jid, ctx.Err())
		}
	}
}

// waitOTRNotice waits in room, after cursor, for the bot's OTR notice of kind.
func waitOTRNotice(ctx context.Context, c *chat, bot id.UserID, room id.RoomID, cursor int, kind string) error {
	_, err := c.alice.WaitEventFrom(ctx, cursor, room, func(e *event.Event) bool {
		if e.Sender != bot || e.Type != event.EventMessage {
			return false
		}
		n, _ := bridge.ParseNotice(e.Content.Raw)
		return n.Event == kind
	})
	return err
}

// BenchmarkOTRAKEStorm: OFFRECORD_BENCH_STORM (default 100) libotr buddies,
// each with a portal, ask alice's one bridge account for OTR at the same
// moment. The bridge's policy is manual, so alice answers each request
// (`!xmpp otr accept`) as its notice arrives. Reported: the time from the
// first query until every buddy's libotr is secure, each buddy's own time to
// secure (p50, p99), and the bridge's CPU meanwhile (total and per AKE; it
// includes the notices and commands around each AKE). After each round every
// session is ended (untimed). Run with -benchtime=1x.
func BenchmarkOTRAKEStorm(b *testing.B) {
	f := stackFor(b)
	n := envInt(b, "OFFRECORD_BENCH_STORM", 100)
	c := chatFor(b, f)
	buddies := stormFor(b, f, c, n)
	bot := f.bridge.BotMXID(dendritetest.ServerName)
	bridgePID := f.bridge.PID()
	var total, cpu time.Duration
	var each, notice, accepted []time.Duration // to secure; query to the pending notice; accept to secure
	b.ResetTimer()
	for round := 0; round < b.N; round++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		cursor := c.alice.Cursor()
		cpu0, err := cpuTime(bridgePID)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		done := make([]time.Duration, len(buddies))
		noticed := make([]time.Duration, len(buddies))
		acceptedAt := make([]time.Duration, len(buddies))
		errs := make([]error, len(buddies))
		var wg sync.WaitGroup
		for i, s := range buddies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = func() error {
					if err := s.buddy.Query(ctx, c.aliceJID); err != nil {
						return err
					}
					if err := waitOTRNotice(ctx, c, bot, s.portal, cursor, "pending_acceptance"); err != nil {
						return fmt.Errorf("no pending notice for %s: %w", s.jid, err)
					}
					noticed[i] = time.Since(start)
					if _, err := c.alice.SendText(ctx, s.portal, "!xmpp otr accept"); err != nil {
						return err
					}
					acceptedAt[i] = time.Since(start)
					return s.waitEvent(ctx, func(e otrbuddy.Event) bool { return e.Kind == otrbuddy.Secure })
				}()
				done[i] = time.Since(start)
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		cpu1, err := cpuTime(bridgePID)
		if err := errors.Join(append(errs, err)...); err != nil {
			b.Fatal(err)
		}
		total += elapsed
		cpu += cpu1 - cpu0
		each = append(each, done...)
		notice = append(notice, noticed...)
		for i := range done {
			accepted = append(accepted, done[i]-acceptedAt[i])
		}

		// Untimed: every session ends, so that the next round (or the next
		// run of this function, which Go's benchmark driver makes) starts
		// from plaintext.
		b.StopTimer()
		if err := endStorm(ctx, c, bot, buddies); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		cancel()
	}
	b.StopTimer()
	rounds := float64(b.N)
	b.ReportMetric(total.Seconds()/rounds, "all-secure-s")
	b.ReportMetric(ms(percentile(each, 0.5)), "secure-p50-ms")
	b.ReportMetric(ms(percentile(each, 0.99)), "secure-p99-ms")
	b.ReportMetric(ms(percentile(notice, 0.5)), "notice-p50-ms")
	b.ReportMetric(ms(percentile(accepted, 0.5)), "accept-to-secure-p50-ms")
	b.ReportMetric(cpu.Seconds()/rounds, "bridge-cpu-s")
	b.ReportMetric(ms(cpu)/(rounds*float64(len(buddies))), "bridge-cpu-ms/ake")
	b.Logf("AKE storm, %d buddies: all secure after %.2f s (p50 %.0f ms, p99 %.0f ms per buddy; query to pending notice p50 %.0f ms, "+
		"accept sent to secure p50 %.0f ms); bridge CPU %.2f s (%.1f ms per AKE)",
		len(buddies), total.Seconds()/rounds, ms(percentile(each, 0.5)), ms(percentile(each, 0.99)),
		ms(percentile(notice, 0.5)), ms(percentile(accepted, 0.5)), cpu.Seconds()/rounds, ms(cpu)/(rounds*float64(len(buddies))))
}

// endStorm ends every storm session: the buddy ends, alice ends in the
// portal, and both sides are back to plaintext.
func endStorm(ctx context.Context, c *chat, bot id.UserID, buddies []*stormBuddy) error {
	cursor := c.alice.Cursor()
	errs := make([]error, len(buddies))
	var wg sync.WaitGroup
	for i, s := range buddies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = func() error {
				if err := s.buddy.End(ctx, c.aliceJID); err != nil {
					return err
				}
				if err := waitOTRNotice(ctx, c, bot, s.portal, cursor, "finished"); err != nil {
					return fmt.Errorf("no finished notice for %s: %w", s.jid, err)
				}
				if _, err := c.alice.SendText(ctx, s.portal, "!xmpp otr end"); err != nil {
					return err
				}
				return waitOTRNotice(ctx, c, bot, s.portal, cursor, "ended")
			}()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
