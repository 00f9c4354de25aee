package otr

import (
	"testing"
	"time"
)

// TestCoarseClockOnlyWithTheSystemClock: the per-message times come from
// the coarse clock when the Manager runs its loop on the system clock, and
// from the configured clock otherwise (tests' fake clocks stay exact).
func TestCoarseClockOnlyWithTheSystemClock(t *testing.T) {
	m := NewManager(Config{ExpireInterval: time.Hour})
	t.Cleanup(func() { _ = m.Close() })
	if m.coarse == nil || m.activity != m.coarse {
		t.Fatal("no coarse clock with the system clock")
	}
	before := time.Now()
	m.coarse.tick()
	if got := m.activity.Now(); got.Before(before) || got.After(time.Now()) {
		t.Fatalf("coarse time %v not the time of its tick", got)
	}

	fake := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	for _, cfg := range []Config{{ExpireInterval: time.Hour, Clock: fake}, {ExpireInterval: -1}} {
		m := NewManager(cfg)
		t.Cleanup(func() { _ = m.Close() })
		if m.coarse != nil || m.activity != m.cfg.Clock {
			t.Fatalf("%+v: coarse clock in use", cfg)
		}
	}
}
