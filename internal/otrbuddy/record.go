package otrbuddy

import (
	"context"
	"fmt"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/internal/record"
)

// Mark is a position in a buddy's record: how many events and received
// messages it held.
type Mark struct {
	Events   int
	Messages int
}

// Mark returns the end of the record now, for waits that must ignore what
// came before.
func (b *Buddy) Mark() Mark { return Mark{Events: b.log.Len(), Messages: b.msgs.Len()} }

// EventsSince returns the recorded events from index i on: everything the
// Events channel delivers, kept for the buddy's lifetime (also after Close).
func (b *Buddy) EventsSince(i int) []Event { return b.log.Since(i) }

// MessagesSince returns the recorded messages from index i on: every message
// stanza from someone else that the buddy's client received, carbons aside,
// with all its fields (also error stanzas and those without a body).
func (b *Buddy) MessagesSince(i int) []xmppad.Message { return b.msgs.Since(i) }

// WaitEvent returns the first recorded event at or after index i that
// matches pred, waiting for it until ctx is done.
func (b *Buddy) WaitEvent(ctx context.Context, i int, pred func(Event) bool) (Event, error) {
	return wait(ctx, b.log, i, pred)
}

// WaitMessage returns the first recorded message at or after index i that
// matches pred, waiting for it until ctx is done.
func (b *Buddy) WaitMessage(ctx context.Context, i int, pred func(xmppad.Message) bool) (xmppad.Message, error) {
	return wait(ctx, b.msgs, i, pred)
}

func wait[T any](ctx context.Context, l *record.Log[T], i int, pred func(T) bool) (T, error) {
	v, _, err := l.Wait(ctx, i, pred)
	if err != nil {
		return v, fmt.Errorf("otrbuddy: %w", err)
	}
	return v, nil
}
