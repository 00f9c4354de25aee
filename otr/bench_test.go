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
