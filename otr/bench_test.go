package otr

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/offrecord/offrecord/internal/libotrpeer"
)

// The benchmarks run side by side with libotr: BenchmarkLibotr builds and
// runs csrc/bench.c and reports its figures as metrics of the same run.
// OFFRECORD_BENCH_SESSIONS sets the session count of the memory benchmarks
// (default 10000).

func benchSessions() int {
	if n, err := strconv.Atoi(os.Getenv("OFFRECORD_BENCH_SESSIONS")); err == nil && n > 0 {
		return n
	}
	return 10000
}

func BenchmarkKeyGen(b *testing.B) {
	b.Run("shared-parameters", func(b *testing.B) {
		ks := &keySource{rand: Config{}.withDefaults().Rand}
		if _, err := ks.newKey(); err != nil { // parameters once, outside the loop
			b.Fatal(err)
		}
		b.ResetTimer()
		for b.Loop() {
			k, err := ks.newKey()
			if err != nil {
				b.Fatal(err)
			}
			wipeKey(k)
		}
	})
	b.Run("otr3-fresh-parameters", func(b *testing.B) {
		ks := &keySource{rand: Config{}.withDefaults().Rand, fresh: true}
		for b.Loop() {
			k, err := ks.newKey()
			if err != nil {
				b.Fatal(err)
			}
			wipeKey(k)
		}
	})
}

// bridgeExpireInterval is the bridge's Config.ExpireInterval (bridge/otr.go):
// the message benchmarks run the Managers as the bridge does, expire loop
// (and coarse clock) included.
const bridgeExpireInterval = time.Second

// benchPair is two Managers wired back to back, b accepting by policy,
// with the given Config.ExpireInterval.
func benchPair(b *testing.B, expire time.Duration) (*Manager, *Manager) {
	var ma, mb *Manager
	lim := Limits{MaxAKEPerMinute: 1 << 30, MaxSessions: 1 << 30, MaxSessionsPerAccount: 1 << 30}
	ma = NewManager(Config{ExpireInterval: expire, Limits: lim,
		Send: func(_, peer, w string) { _, _ = mb.Receive(peer, alice, w) }})
	mb = NewManager(Config{ExpireInterval: expire, Limits: lim, Policy: PolicyOpportunistic,
		Send: func(account, _, w string) { _, _ = ma.Receive(alice, account, w) }})
	b.Cleanup(func() { _ = ma.Close(); _ = mb.Close() })
	return ma, mb
}

// BenchmarkAKE: a full AKE, both sides, including the per-session key.
func BenchmarkAKE(b *testing.B) {
	ma, mb := benchPair(b, bridgeExpireInterval)
	_ = ma.Start(alice, "warm")
	i := 0
	for b.Loop() {
		peer := "bob" + strconv.Itoa(i)
		i++
		if err := ma.Start(alice, peer); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if ma.Status(alice, peer).State != StateEncrypted {
			b.Fatal("not encrypted")
		}
		_ = ma.End(alice, peer)
		_ = mb.End(peer, alice)
		b.StartTimer()
	}
}

// BenchmarkMessage: one message encrypted and decrypted, alternating direction.
func BenchmarkMessage(b *testing.B) {
	for _, size := range []int{100, 4096} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			ma, mb := benchPair(b, bridgeExpireInterval)
			_ = ma.Start(alice, bob)
			msg := bytes.Repeat([]byte("x"), size)
			i := 0
			for b.Loop() {
				var err error
				if i%2 == 0 {
					err = ma.Send(alice, bob, msg)
				} else {
					err = mb.Send(bob, alice, msg)
				}
				i++
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMessageOneWay: 100-byte messages from alice to bob only, after one
// message each way (as libotroneway.c does): no key rotation between them.
// It also reports the wire size of the last message against the first, which
// grows when revealed MAC keys pile up.
func BenchmarkMessageOneWay(b *testing.B) {
	var ma, mb *Manager
	var wire, last, back int // bytes of alice's current message (all fragments), her last one, bob's
	lim := Limits{MaxAKEPerMinute: 1 << 30, MaxSessions: 1 << 30, MaxSessionsPerAccount: 1 << 30}
	ma = NewManager(Config{ExpireInterval: bridgeExpireInterval, Limits: lim,
		Send: func(_, peer, w string) { wire += len(w); _, _ = mb.Receive(peer, alice, w) }})
	mb = NewManager(Config{ExpireInterval: bridgeExpireInterval, Limits: lim, Policy: PolicyOpportunistic,
		Send: func(account, _, w string) { back += len(w); _, _ = ma.Receive(alice, account, w) }})
	b.Cleanup(func() { _ = ma.Close(); _ = mb.Close() })
	_ = ma.Start(alice, bob)
	if err := ma.Send(alice, bob, []byte("hello")); err != nil {
		b.Fatal(err)
	}
	if err := mb.Send(bob, alice, []byte("hi")); err != nil {
		b.Fatal(err)
	}
	msg := bytes.Repeat([]byte("x"), 100)
	first := 0
	cpu0, n := processCPU(), 0
	for b.Loop() {
		wire = 0
		if err := ma.Send(alice, bob, msg); err != nil {
			b.Fatal(err)
		}
		last = wire
		if first == 0 {
			first = last
		}
		n++
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu0)/float64(n), "cpu-ns/op")
	// Bob answers, then alice writes again: the MAC keys revealed now are
	// those of all the messages above.
	back = 0
	if err := mb.Send(bob, alice, msg); err != nil {
		b.Fatal(err)
	}
	wire = 0
	if err := ma.Send(alice, bob, msg); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(first), "first-wire-bytes")
	b.ReportMetric(float64(last), "last-wire-bytes")
	b.ReportMetric(float64(back), "reply-wire-bytes")
	b.ReportMetric(float64(wire), "next-wire-bytes")
}

// BenchmarkSessionMemory establishes N sessions and reports the heap per
// session on one side (both Managers are measured; the sides are symmetric).
func BenchmarkSessionMemory(b *testing.B) {
	n := benchSessions()
	for b.Loop() {
		ma, mb := benchPair(b, -1) // no expire loop touching the sessions measured
		_ = ma.Start(alice, "warm")
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		for i := range n {
			peer := "bob" + strconv.Itoa(i)
			if err := ma.Start(alice, peer); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&m1)
		if ma.Sessions() != n+1 || mb.Sessions() != n+1 {
			b.Fatalf("sessions %d/%d", ma.Sessions(), mb.Sessions())
		}
		perSide := float64(m1.HeapAlloc-m0.HeapAlloc) / float64(2*n)
		b.ReportMetric(perSide, "bytes/session")
		b.ReportMetric(perSide*float64(n)/(1<<20), "MiB/side")
		b.ReportMetric(float64(n), "sessions")
		// Then a message each way on every session: the session keys, AES
		// and HMAC states and buffers kept once both sides have written.
		msg := bytes.Repeat([]byte("x"), 100)
		for i := range n {
			peer := "bob" + strconv.Itoa(i)
			if err := ma.Send(alice, peer, msg); err != nil {
				b.Fatal(err)
			}
			if err := mb.Send(peer, alice, msg); err != nil {
				b.Fatal(err)
			}
		}
		var m2 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m2)
		b.ReportMetric(float64(m2.HeapAlloc-m0.HeapAlloc)/float64(2*n), "bytes/session-after-messages")
		runtime.KeepAlive(ma)
		runtime.KeepAlive(mb)
	}
}

// BenchmarkLibotrOneWay builds and runs testdata/libotroneway.c (N 100-byte
// messages one way, N = b.N but at least minOneWay) and reports its figures
// as this benchmark's: libotr's side of BenchmarkMessageOneWay, in
// libotr-ns/op (its own ns/op is the whole program's run, key generation
// included; it lets the default -benchtime settle instead of growing b.N
// towards 10^9 as a stopped timer did).
func BenchmarkLibotrOneWay(b *testing.B) {
	b.StopTimer()
	oneWayOnce.Do(func() { oneWayBin, oneWayErr = buildOneWay() })
	bin, err := oneWayBin, oneWayErr
	if err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	out, err := exec.Command(bin, strconv.Itoa(max(b.N, minOneWay))).Output()
	if err != nil {
		b.Fatalf("libotroneway: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "oneway100":
			b.ReportMetric(v, "libotr-ns/op")
		case "oneway100_cpu":
			b.ReportMetric(v, "libotr-cpu-ns/op")
		case "oneway255":
			b.ReportMetric(v, "libotr255-ns/op")
		case "oneway255_cpu":
			b.ReportMetric(v, "libotr255-cpu-ns/op")
		case "oneway255_wire":
			b.ReportMetric(v, "libotr255-wire-bytes")
		case "first_wire":
			b.ReportMetric(v, "first-wire-bytes")
		case "last_wire":
			b.ReportMetric(v, "last-wire-bytes")
		case "reply_wire":
			b.ReportMetric(v, "reply-wire-bytes")
		case "next_wire":
			b.ReportMetric(v, "next-wire-bytes")
		}
	}
}

// processCPU is the CPU time the process has used (user and system, all
// threads: the garbage collector's included). Per message, it is steadier
// than the elapsed time on a machine shared with other work.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// minOneWay is the fewest messages libotroneway.c is asked for: a short
// loop's time swings with the machine's load.
const minOneWay = 20000

var (
	oneWayOnce sync.Once
	oneWayBin  string
	oneWayErr  error
)

// buildOneWay compiles testdata/libotroneway.c.
func buildOneWay() (string, error) { return buildLibotrProgram("libotroneway") }

// buildLibotrProgram compiles testdata/name.c with libotr and libgcrypt
// (cc, pkg-config) into a temporary directory.
func buildLibotrProgram(name string) (string, error) {
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "libotr").Output()
	if err != nil {
		return "", fmt.Errorf("%w (pkg-config: %v)", libotrpeer.ErrNoLibotr, err)
	}
	dir, err := os.MkdirTemp("", name)
	if err != nil {
		return "", err
	}
	bin := dir + "/" + name
	args := append([]string{"-O2", "-Wall", "-o", bin, "testdata/" + name + ".c"}, strings.Fields(string(flags))...)
	args = append(args, "-lgcrypt")
	if out, err := exec.Command("cc", args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("cc %s.c: %v\n%s", name, err, out)
	}
	return bin, nil
}

// BenchmarkLibotrPrimitives runs testdata/libotrprims.c: what libotr's
// base64, HMAC-SHA1 and AES-CTR calls cost per data message, at libotr's
// and at otr3's (padded) sizes, as ns metrics (the Go standard library's
// side: BenchmarkPrimitives in third_party/otr3). Each iteration runs the
// whole program: use -benchtime=1x.
func BenchmarkLibotrPrimitives(b *testing.B) {
	bin, err := buildLibotrProgram("libotrprims")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		out, err := exec.Command(bin, "200000").Output()
		if err != nil {
			b.Fatalf("libotrprims: %v", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 3 {
				v, _ := strconv.ParseFloat(f[1], 64)
				b.ReportMetric(v, f[0]+"-ns")
			}
		}
	}
}

// BenchmarkLibotr runs the libotr benchmark program once and reports its figures.
func BenchmarkLibotr(b *testing.B) {
	bin, err := libotrpeer.BuildBench()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		out, err := exec.Command(bin, strconv.Itoa(benchSessions())).Output()
		if err != nil {
			b.Fatalf("libotrbench: %v", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) != 3 {
				continue
			}
			v, _ := strconv.ParseFloat(f[1], 64)
			unit := f[2]
			if unit == "ns" {
				unit = "ns/" + f[0]
			} else if unit == "bytes" {
				unit = "bytes/session"
			} else {
				unit = f[0]
			}
			b.ReportMetric(v, unit)
		}
	}
}
