package otr

import (
	"sync/atomic"
	"time"
)

// coarseClock is the system clock as read at its last tick: for the times
// noted on every message (a session's last activity, otr3's heartbeat
// times), which need no finer time than a second. Reading the system clock
// costs ~80-100 ns on a virtual machine, and each message read it four
// times (twice on each side).
type coarseClock struct {
	now atomic.Pointer[time.Time]
}

// coarseResolution is how often the Manager's loop ticks the coarse clock.
const coarseResolution = time.Second

func newCoarseClock() *coarseClock {
	c := &coarseClock{}
	c.tick()
	return c
}

// tick reads the system clock.
func (c *coarseClock) tick() {
	t := time.Now()
	c.now.Store(&t)
}

// Now returns the system time of the last tick: up to coarseResolution old.
func (c *coarseClock) Now() time.Time { return *c.now.Load() }
