package otr

import (
	"sync"
	"time"
)

// akeLimiter counts key exchanges started by each peer in a sliding minute.
type akeLimiter struct {
	mu    sync.Mutex
	max   int
	times map[sessionKey][]time.Time // guarded by mu
}

// allow records an attempt at now and says whether it is within the limit.
func (l *akeLimiter) allow(k sessionKey, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := prune(l.times[k], now)
	if len(ts) >= l.max {
		l.times[k] = ts
		return false
	}
	l.times[k] = append(ts, now)
	return true
}

// sweep forgets peers with no attempt in the last minute.
func (l *akeLimiter) sweep(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, ts := range l.times {
		if ts = prune(ts, now); len(ts) == 0 {
			delete(l.times, k)
		} else {
			l.times[k] = ts
		}
	}
}

func prune(ts []time.Time, now time.Time) []time.Time {
	cut := 0
	for cut < len(ts) && now.Sub(ts[cut]) >= time.Minute {
		cut++
	}
	return ts[cut:]
}
