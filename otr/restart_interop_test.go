package otr

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/offrecord/offrecord/internal/libotrpeer"
)

// TestInteropLostAfterRestart: our process restarts mid-session (a new
// Manager, keys and instance tag gone). libotr's next data message gets an
// OTR error back, and an ErrNotInPrivate event tells the local user.
func TestInteropLostAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("interop with libotr skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := libotrpeer.Start(ctx, bob)
	if err != nil {
		t.Fatalf("start libotr peer: %v", err)
	}
	defer p.Close()
	var cur atomic.Pointer[Manager]
	events := make(chan Event, 100)
	sent := make(chan string, 100)
	newManager := func() *Manager {
		m := NewManager(Config{ExpireInterval: -1,
			Send: func(account, peer, wire string) {
				sent <- wire
				_ = p.Receive(account, wire)
			},
			OnEvent: func(ev Event) { events <- ev }})
		t.Cleanup(func() { _ = m.Close() })
		return m
	}
	cur.Store(newManager())
	errs := make(chan error, 100)
	go func() {
		for ev := range p.Events() {
			if ev.Kind == "inject" {
				if _, err := cur.Load().Receive(ev.Peer, bob, ev.Data); err != nil {
					errs <- err
				}
			}
		}
	}()
	waitEvent := func(kind EventKind) Event {
		t.Helper()
		for {
			select {
			case ev := <-events:
				if ev.Kind == kind {
					return ev
				}
			case <-ctx.Done():
				t.Fatalf("no %s event", kind)
			}
		}
	}
	if err := cur.Load().Start(alice, bob); err != nil {
		t.Fatal(err)
	}
	waitEvent(EventSecure)

	cur.Store(newManager()) // the restart: nothing of the old session survives
	for len(sent) > 0 {
		<-sent
	}
	if err := p.Send(alice, "are you there?"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		if !errors.Is(err, ErrNotInPrivate) {
			t.Fatalf("receive error %v, want ErrNotInPrivate", err)
		}
	case <-ctx.Done():
		t.Fatal("the stale data message was dropped silently")
	}
	if ev := waitEvent(EventError); !errors.Is(ev.Err, ErrNotInPrivate) {
		t.Fatalf("event error %v", ev.Err)
	}
	select {
	case wire := <-sent:
		if !strings.HasPrefix(wire, "?OTR Error:") {
			t.Fatalf("sent %.30q, want an OTR error", wire)
		}
	case <-ctx.Done():
		t.Fatal("libotr was not told")
	}
}
