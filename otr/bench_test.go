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
	"testing"

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

// benchPair is two Managers wired back to back, b accepting by policy.
func benchPair(b *testing.B) (*Manager, *Manager) {
	var ma, mb *Manager
	lim := Limits{MaxAKEPerMinute: 1 << 30, MaxSessions: 1 << 30, MaxSessionsPerAccount: 1 << 30}
	ma = NewManager(Config{ExpireInterval: -1, Limits: lim,
		Send: func(_, peer, w string) { _, _ = mb.Receive(peer, alice, w) }})
	mb = NewManager(Config{ExpireInterval: -1, Limits: lim, Policy: PolicyOpportunistic,
		Send: func(account, _, w string) { _, _ = ma.Receive(alice, account, w) }})
	b.Cleanup(func() { _ = ma.Close(); _ = mb.Close() })
	return ma, mb
}

// BenchmarkAKE: a full AKE, both sides, including the per-session key.
func BenchmarkAKE(b *testing.B) {
	ma, mb := benchPair(b)
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
			ma, mb := benchPair(b)
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
	ma = NewManager(Config{ExpireInterval: -1, Limits: lim,
		Send: func(_, peer, w string) { wire += len(w); _, _ = mb.Receive(peer, alice, w) }})
	mb = NewManager(Config{ExpireInterval: -1, Limits: lim, Policy: PolicyOpportunistic,
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
	for b.Loop() {
		wire = 0
		if err := ma.Send(alice, bob, msg); err != nil {
			b.Fatal(err)
		}
		last = wire
		if first == 0 {
			first = last
		}
	}
	b.StopTimer()
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
		ma, mb := benchPair(b)
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

// minOneWay is the fewest messages libotroneway.c is asked for: a short
// loop's time swings with the machine's load.
const minOneWay = 20000

var (
	oneWayOnce sync.Once
	oneWayBin  string
	oneWayErr  error
)

// buildOneWay compiles testdata/libotroneway.c with libotr (cc, pkg-config)
// into the test's temporary directory.
func buildOneWay() (string, error) {
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "libotr").Output()
	if err != nil {
		return "", fmt.Errorf("%w (pkg-config: %v)", libotrpeer.ErrNoLibotr, err)
	}
	dir, err := os.MkdirTemp("", "libotroneway")
	if err != nil {
		return "", err
	}
	bin := dir + "/libotroneway"
	args := append([]string{"-O2", "-Wall", "-o", bin, "testdata/libotroneway.c"}, strings.Fields(string(flags))...)
	if out, err := exec.Command("cc", args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("cc libotroneway.c: %v\n%s", err, out)
	}
	return bin, nil
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
