package otr

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/offrecord/offrecord/internal/libotrpeer"
)

const (
	alice = "alice@bridge.example"
	bob   = "bob@xmpp.example"
)

// interop wires a Manager (account alice) to libotr peers over pipes.
type interop struct {
	t  *testing.T
	m  *Manager
	mu sync.Mutex
	// peers by account; every wire text for an account reaches all its processes.
	peers map[string][]*libotrpeer.Peer

	mev    chan Event
	pev    chan libotrpeer.Event
	got    chan Incoming
	gotErr chan error

	closing atomic.Bool // set when peers shut down: sends may fail then

	wiresMu   sync.Mutex
	peerWires []string // wire texts the peers sent to us
	ourWires  []string // wire texts we sent
}

func newInterop(t *testing.T, cfg Config) *interop {
	t.Helper()
	if testing.Short() {
		t.Skip("interop with libotr skipped in -short mode")
	}
	h := &interop{t: t, peers: map[string][]*libotrpeer.Peer{},
		mev: make(chan Event, 1000), pev: make(chan libotrpeer.Event, 1000),
		got: make(chan Incoming, 1000), gotErr: make(chan error, 1000)}
	cfg.ExpireInterval = -1
	cfg.Send = func(account, peer, wire string) {
		h.wiresMu.Lock()
		h.ourWires = append(h.ourWires, wire)
		h.wiresMu.Unlock()
		h.mu.Lock()
		ps := h.peers[peer]
		h.mu.Unlock()
		for _, p := range ps {
			if err := p.Receive(account, wire); err != nil && !h.closing.Load() {
				t.Errorf("libotr peer receive: %v", err)
			}
		}
	}
	cfg.OnEvent = func(ev Event) { h.mev <- ev }
	h.m = NewManager(cfg)
	t.Cleanup(func() { _ = h.m.Close() })
	return h
}

// peer starts a libotr process for account and pumps its output.
func (h *interop) peer(account string) *libotrpeer.Peer {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p, err := libotrpeer.Start(ctx, account)
	if err != nil {
		cancel()
		h.t.Fatalf("start libotr peer (libotr 4.1 with pkg-config is required; use -short to skip): %v", err)
	}
	h.mu.Lock()
	h.peers[account] = append(h.peers[account], p)
	h.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range p.Events() {
			if ev.Kind == "inject" {
				h.wiresMu.Lock()
				h.peerWires = append(h.peerWires, ev.Data)
				h.wiresMu.Unlock()
				in, err := h.m.Receive(ev.Peer, account, ev.Data)
				if err != nil {
					h.gotErr <- err
				} else if in.Plaintext != nil {
					h.got <- in
				}
				continue
			}
			h.pev <- ev
		}
	}()
	h.t.Cleanup(func() {
		h.closing.Store(true)
		_ = p.Close()
		cancel()
		<-done
	})
	return p
}

const wait = 30 * time.Second

// event waits for a Manager event of kind, skipping others.
func (h *interop) event(kind EventKind) Event {
	h.t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case ev := <-h.mev:
			if ev.Kind == kind {
				return ev
			}
		case <-timeout:
			h.t.Fatalf("no %v event", kind)
		}
	}
}

// peerEvent waits for a libotr line of kind (and detail, if given).
func (h *interop) peerEvent(kind, detail string) libotrpeer.Event {
	h.t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case ev := <-h.pev:
			if ev.Kind == kind && (detail == "" || ev.Detail == detail) {
				return ev
			}
		case <-timeout:
			h.t.Fatalf("no libotr %s %s line", kind, detail)
		}
	}
}

// received waits for plaintext the Manager returned from Receive.
func (h *interop) received() Incoming {
	h.t.Helper()
	select {
	case in := <-h.got:
		return in
	case err := <-h.gotErr:
		h.t.Fatalf("receive error: %v", err)
	case <-time.After(wait):
		h.t.Fatal("nothing received")
	}
	return Incoming{}
}

func (h *interop) receiveErr() error {
	h.t.Helper()
	select {
	case err := <-h.gotErr:
		return err
	case <-time.After(wait):
		h.t.Fatal("no receive error")
	}
	return nil
}

// secure starts OTR from our side and waits for both ends to be secure.
func (h *interop) secure(p *libotrpeer.Peer) (Event, libotrpeer.Event) {
	h.t.Helper()
	if err := h.m.Start(alice, p.Account); err != nil {
		h.t.Fatal(err)
	}
	ev := h.event(EventSecure)
	pe := h.peerEvent("secure", "")
	return ev, pe
}

// roundTrip checks a message each way.
func (h *interop) roundTrip(p *libotrpeer.Peer, ours, theirs string) {
	h.t.Helper()
	if err := h.m.Send(alice, p.Account, []byte(ours)); err != nil {
		h.t.Fatal(err)
	}
	if got := h.peerEvent("msg", ""); got.Data != ours || !got.Encrypted {
		h.t.Fatalf("libotr got %q (encrypted %v), want %q encrypted", got.Data, got.Encrypted, ours)
	}
	if err := p.Send(alice, theirs); err != nil {
		h.t.Fatal(err)
	}
	if in := h.received(); string(in.Plaintext) != theirs || !in.Encrypted || !in.OTR {
		h.t.Fatalf("we got %q (encrypted %v, otr %v), want %q encrypted", in.Plaintext, in.Encrypted, in.OTR, theirs)
	}
}
