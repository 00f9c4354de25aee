package otrbuddy

import (
	"context"
	"fmt"
	"slices"
	"sync"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// Mark is a position in a buddy's record (Config.Record): how many events
// and received messages it held.
type Mark struct {
	Events   int
	Messages int
}

// Mark returns the end of the record now, for waits that must ignore what
// came before. Without Config.Record it is the zero Mark.
func (b *Buddy) Mark() Mark { return Mark{Events: b.log.len(), Messages: b.msgs.len()} }

// EventsSince returns the recorded events from index i on: everything the
// Events channel delivers, kept for the buddy's lifetime (also after Close).
func (b *Buddy) EventsSince(i int) []Event { return b.log.since(i) }

// MessagesSince returns the recorded messages from index i on: every message
// stanza from someone else that the buddy's client received, carbons aside,
// with all its fields (also error stanzas and those without a body).
func (b *Buddy) MessagesSince(i int) []xmppad.Message { return b.msgs.since(i) }

// WaitEvent returns the first recorded event at or after index i that
// matches pred, waiting for it until ctx is done.
func (b *Buddy) WaitEvent(ctx context.Context, i int, pred func(Event) bool) (Event, error) {
	return b.log.wait(ctx, i, pred)
}

// WaitMessage returns the first recorded message at or after index i that
// matches pred, waiting for it until ctx is done.
func (b *Buddy) WaitMessage(ctx context.Context, i int, pred func(xmppad.Message) bool) (xmppad.Message, error) {
	return b.msgs.wait(ctx, i, pred)
}

// record is an append-only log whose growth can be waited for. A nil record
// (Config.Record off) holds nothing and refuses waits.
type record[T any] struct {
	mu      sync.Mutex
	items   []T           // guarded by mu; items are never changed once added
	changed chan struct{} // closed and replaced by every add; guarded by mu
}

func newRecord[T any]() *record[T] { return &record[T]{changed: make(chan struct{})} }

func (r *record[T]) add(v T) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items = append(r.items, v)
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *record[T]) len() int {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.items)
}

func (r *record[T]) since(i int) []T {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.items[min(max(i, 0), len(r.items)):])
}

func (r *record[T]) wait(ctx context.Context, i int, pred func(T) bool) (T, error) {
	var zero T
	if r == nil {
		return zero, ErrNotRecording
	}
	for i = max(i, 0); ; {
		r.mu.Lock()
		items, changed := r.items, r.changed
		r.mu.Unlock()
		for ; i < len(items); i++ {
			if pred(items[i]) {
				return items[i], nil
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return zero, fmt.Errorf("otrbuddy: waiting: %w", ctx.Err())
		}
	}
}
