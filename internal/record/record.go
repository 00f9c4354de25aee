// Package record is an append-only log whose growth can be waited for: the
// harnesses' record of what a client received (Matrix events, XMPP stanzas,
// libotr events), read and awaited by position, so that a wait sees exactly
// what came after the step it follows, however fast it came.
//
// A Log is safe for concurrent use.
package record

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// Log is the record; items are never changed once added.
type Log[T any] struct {
	mu      sync.Mutex
	items   []T           // guarded by mu
	changed chan struct{} // closed and replaced by every Add and by Close; guarded by mu
	closed  error         // set by Close; guarded by mu
}

// New returns an empty Log.
func New[T any]() *Log[T] { return &Log[T]{changed: make(chan struct{})} }

// Add appends v and wakes the waits.
func (l *Log[T]) Add(v T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = append(l.items, v)
	close(l.changed)
	l.changed = make(chan struct{})
}

// Close ends the record's growth: waits that reach its end fail with err.
func (l *Log[T]) Close(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed == nil {
		l.closed = err
		close(l.changed)
		l.changed = make(chan struct{})
	}
}

// Len is the number of items so far: the position of the next one.
func (l *Log[T]) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.items)
}

// Since returns a copy of the items from position i on.
func (l *Log[T]) Since(i int) []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.items[min(max(i, 0), len(l.items)):])
}

// Wait returns the first item at or after position i for which pred is
// true, and its position, waiting for it until ctx is done or the Log is
// closed. pred sees each item once, in order.
func (l *Log[T]) Wait(ctx context.Context, i int, pred func(T) bool) (T, int, error) {
	var zero T
	for i = max(i, 0); ; {
		l.mu.Lock()
		items, changed, closed := l.items, l.changed, l.closed
		l.mu.Unlock()
		for ; i < len(items); i++ {
			if pred(items[i]) {
				return items[i], i, nil
			}
		}
		if closed != nil {
			return zero, i, closed
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return zero, i, fmt.Errorf("waiting: %w", ctx.Err())
		}
	}
}

// Follow delivers every item, from the first on and in order, on the
// returned channel, however slowly it is read (adding never waits for the
// reader). The channel is closed after the last item once the Log is
// closed, or as soon as ctx is done (undelivered items are then dropped).
func (l *Log[T]) Follow(ctx context.Context) <-chan T {
	out := make(chan T)
	go func() {
		defer close(out)
		for i := 0; ; i++ {
			v, _, err := l.Wait(ctx, i, func(T) bool { return true })
			if err != nil {
				return
			}
			select {
			case out <- v:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
