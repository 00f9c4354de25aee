package otr

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coyim/otr3"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// pair links two Managers in memory: alice's wire goes to bob's Receive and back.
type pair struct {
	clock  *fakeClock
	a, b   *Manager
	aev    chan Event
	bev    chan Event
	aWires []string
	mu     sync.Mutex
	cut    bool // drop wire text (a dead peer)
}

func newPair(t *testing.T, acfg, bcfg Config) *pair {
	t.Helper()
	p := &pair{clock: &fakeClock{now: time.Unix(1_700_000_000, 0)}, aev: make(chan Event, 1000), bev: make(chan Event, 1000)}
	for _, c := range []*Config{&acfg, &bcfg} {
		c.Clock = p.clock
		c.ExpireInterval = -1
	}
	acfg.OnEvent = func(ev Event) { p.aev <- ev }
	bcfg.OnEvent = func(ev Event) { p.bev <- ev }
	acfg.Send = func(_, _, wire string) {
		p.mu.Lock()
		p.aWires = append(p.aWires, wire)
		cut := p.cut
		p.mu.Unlock()
		if !cut {
			_, _ = p.b.Receive(bob, alice, wire)
		}
	}
	bcfg.Send = func(_, _, wire string) {
		p.mu.Lock()
		cut := p.cut
		p.mu.Unlock()
		if !cut {
			_, _ = p.a.Receive(alice, bob, wire)
		}
	}
	p.a, p.b = NewManager(acfg), NewManager(bcfg)
	t.Cleanup(func() { _ = p.a.Close(); _ = p.b.Close() })
	return p
}

func expectEvent(t *testing.T, ch chan Event, kind EventKind) Event {
	t.Helper()
	for {
		select {
		case ev := <-ch:
			if ev.Kind == kind {
				return ev
			}
		default:
			t.Fatalf("no %v event", kind)
		}
	}
}

func TestPendingTimeoutDeclines(t *testing.T) {
	p := newPair(t, Config{}, Config{})
	if err := p.b.Start(bob, alice); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, p.aev, EventPendingAcceptance)
	p.clock.add(4 * time.Minute)
	p.a.Expire()
	if st := p.a.Status(alice, bob); st.State != StatePending {
		t.Fatalf("state %v before the timeout", st.State)
	}
	p.clock.add(time.Minute)
	p.a.Expire()
	expectEvent(t, p.aev, EventTimeout)
	expectEvent(t, p.aev, EventDeclined)
	if st := p.a.Status(alice, bob); st.State != StatePlaintext {
		t.Fatalf("state %v", st.State)
	}
}

func TestStartTimeoutDropsHeld(t *testing.T) {
	p := newPair(t, Config{}, Config{})
	p.cut = true
	if err := p.a.Start(alice, bob); err != nil {
		t.Fatal(err)
	}
	if err := p.a.Send(alice, bob, []byte("secret words")); err != nil {
		t.Fatal(err)
	}
	p.clock.add(time.Minute)
	p.a.Expire()
	expectEvent(t, p.aev, EventTimeout)
	expectEvent(t, p.aev, EventDiscarded)
	for _, w := range p.aWires {
		if strings.Contains(w, "secret words") {
			t.Fatal("held message sent in plaintext")
		}
	}
}

func TestPolicyAlwaysRefuses(t *testing.T) {
	p := newPair(t, Config{Policy: PolicyAlways}, Config{Policy: PolicyAlways})
	p.cut = true
	err := p.a.Send(alice, bob, []byte("no plaintext"))
	if !errors.Is(err, ErrEncryptionRequired) {
		t.Fatalf("err %v", err)
	}
	ev := expectEvent(t, p.aev, EventRefused)
	if ev.Text == "" || strings.Contains(ev.Text, "no plaintext") {
		t.Fatalf("event text %q", ev.Text)
	}
	if len(p.aWires) != 1 || classify([]byte(p.aWires[0])) != kindQuery {
		t.Fatalf("wires %q, want one query", p.aWires)
	}
	p.cut = false
	if err := p.a.Start(alice, bob); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, p.aev, EventSecure)
	expectEvent(t, p.bev, EventSecure)
}

func TestOpportunisticWhitespace(t *testing.T) {
	p := newPair(t, Config{Policy: PolicyOpportunistic}, Config{Policy: PolicyOpportunistic})
	if err := p.a.Send(alice, bob, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, p.aev, EventSecure)
	expectEvent(t, p.bev, EventSecure)
}

func TestManualWhitespacePending(t *testing.T) {
	p := newPair(t, Config{Policy: PolicyOpportunistic}, Config{})
	if err := p.a.Send(alice, bob, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, p.bev, EventPendingAcceptance)
	if err := p.b.Accept(bob, alice); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, p.bev, EventSecure)
}

// TestWipeOnEndAndIdle checks that key material is wiped and the session
// forgotten after End and after idle expiry.
func TestWipeOnEndAndIdle(t *testing.T) {
	for _, how := range []string{"end", "idle", "logout", "close"} {
		t.Run(how, func(t *testing.T) {
			p := newPair(t, Config{}, Config{Policy: PolicyOpportunistic})
			if err := p.a.Start(alice, bob); err != nil {
				t.Fatal(err)
			}
			expectEvent(t, p.aev, EventSecure)
			p.a.mu.Lock()
			s := p.a.sessions[sessionKey{alice, bob}]
			p.a.mu.Unlock()
			s.mu.Lock()
			key, conv := s.ownKey, s.conv
			x := key.X
			s.mu.Unlock()
			if x.Sign() == 0 || !conv.IsEncrypted() {
				t.Fatal("no key before the end")
			}
			switch how {
			case "end":
				if err := p.a.End(alice, bob); err != nil {
					t.Fatal(err)
				}
			case "idle":
				p.clock.add(31 * time.Minute)
				p.a.Expire()
				expectEvent(t, p.aev, EventTimeout)
			case "logout":
				p.a.EndAll(alice)
			case "close":
				_ = p.a.Close()
			}
			expectEvent(t, p.aev, EventEnded)
			expectEvent(t, p.bev, EventFinished)
			s.mu.Lock()
			defer s.mu.Unlock()
			if x.Sign() != 0 || key.X != nil || key.PrivateKey.Y != nil {
				t.Fatal("identity key not wiped")
			}
			for _, w := range x.Bits() {
				if w != 0 {
					t.Fatal("private exponent words not zeroed")
				}
			}
			if conv.IsEncrypted() || conv.GetOurKeys() != nil {
				t.Fatal("conversation still holds keys")
			}
			if !s.gone || p.a.Sessions() != 0 {
				t.Fatalf("session still in the manager (%d)", p.a.Sessions())
			}
		})
	}
}

func TestKeyPerAccountStable(t *testing.T) {
	m := NewManager(Config{KeyMode: KeyPerAccount, ExpireInterval: -1})
	defer m.Close()
	_ = m.Start(alice, "p1")
	_ = m.Start(alice, "p2")
	a, b := m.Status(alice, "p1").OwnFingerprint, m.Status(alice, "p2").OwnFingerprint
	if a == "" || a != b {
		t.Fatalf("fingerprints %q %q, want one per account", a, b)
	}
	m2 := NewManager(Config{ExpireInterval: -1})
	defer m2.Close()
	_ = m2.Start(alice, "p1")
	_ = m2.Start(alice, "p2")
	if m2.Status(alice, "p1").OwnFingerprint == m2.Status(alice, "p2").OwnFingerprint {
		t.Fatal("per-session keys are shared")
	}
}

func TestLimits(t *testing.T) {
	var mu sync.Mutex
	var evs []Event
	m := NewManager(Config{ExpireInterval: -1, Limits: Limits{MaxSessionsPerAccount: 2, MaxSessions: 3,
		MaxAKEPerMinute: 2, MaxMessageSize: 2000, MaxFragments: 4},
		OnEvent: func(ev Event) { mu.Lock(); evs = append(evs, ev); mu.Unlock() }})
	defer m.Close()
	q := "?OTRv3?"
	for i, want := range []error{nil, nil, ErrTooManySessions} {
		if _, err := m.Receive(alice, "p"+string(rune('0'+i)), q); !errors.Is(err, want) {
			t.Fatalf("session %d: %v, want %v", i, err, want)
		}
	}
	if _, err := m.Receive("carol", "p0", q); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Receive("dave", "p0", q); !errors.Is(err, ErrTooManySessions) {
		t.Fatalf("overall limit: %v", err)
	}
	// AKE rate: p0 already asked once.
	if _, err := m.Receive(alice, "p0", q); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Receive(alice, "p0", q); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("rate: %v", err)
	}
	if _, err := m.Receive(alice, "p0", "?OTR:"+strings.Repeat("A", 2001)+"."); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("size: %v", err)
	}
	// Plain text is not OTR's to limit: the XMPP server's limits apply.
	if in, err := m.Receive(alice, "p0", strings.Repeat("x", 2001)); err != nil || len(in.Plaintext) != 2001 || in.OTR {
		t.Fatalf("plain over the OTR limit: %d bytes, otr %v, %v", len(in.Plaintext), in.OTR, err)
	}
	if _, err := m.Receive(alice, "p0", "?OTR|00000101|00000000,00001,00005,AAAA,"); !errors.Is(err, ErrTooManyFragments) {
		t.Fatalf("fragments: %v", err)
	}
	piece := strings.Repeat("A", 1500)
	if _, err := m.Receive(alice, "p0", "?OTR|00000101|00000000,00001,00003,"+piece+","); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Receive(alice, "p0", "?OTR|00000101|00000000,00002,00003,"+piece+","); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("reassembly: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, ev := range evs {
		if ev.Kind == EventLimitExceeded {
			n++
		}
	}
	if n != 6 {
		t.Fatalf("%d limit events, want 6", n)
	}
}

func TestFinishedRefusesUntilEnd(t *testing.T) {
	p := newPair(t, Config{}, Config{Policy: PolicyOpportunistic})
	_ = p.a.Start(alice, bob)
	expectEvent(t, p.aev, EventSecure)
	if err := p.b.End(bob, alice); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, p.aev, EventFinished)
	if err := p.a.Send(alice, bob, []byte("x")); !errors.Is(err, ErrFinished) {
		t.Fatalf("%v", err)
	}
	if err := p.a.Start(alice, bob); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, p.aev, EventSecure)
}

func TestEventsCarryNoSecrets(t *testing.T) {
	p := newPair(t, Config{}, Config{})
	_ = p.a.Start(alice, bob)
	if err := p.b.Accept(bob, alice); err != nil {
		t.Fatal(err)
	}
	_ = p.a.Send(alice, bob, []byte("TOPSECRET-PLAINTEXT"))
	_ = p.b.Send(bob, alice, []byte("TOPSECRET-PLAINTEXT"))
	_ = p.b.AskSMP(bob, alice, "TOPSECRET-QUESTION", []byte("TOPSECRET-ANSWER"))
	_ = p.a.AnswerSMP(alice, bob, []byte("TOPSECRET-ANSWER"))
	n := 0
	for _, ch := range []chan Event{p.aev, p.bev} {
	drain:
		for {
			select {
			case ev := <-ch:
				n++
				if strings.Contains(ev.Text, "TOPSECRET") {
					t.Fatalf("event %v carries secret text", ev.Kind)
				}
				if ev.Kind == EventSMPSucceeded && !ev.Verified {
					t.Fatal("SMP success without verified")
				}
			default:
				break drain
			}
		}
	}
	if n < 8 {
		t.Fatalf("only %d events", n)
	}
}

func TestFingerprintFormat(t *testing.T) {
	fp := make([]byte, 20)
	for i := range fp {
		fp[i] = byte(i * 13)
	}
	got := FormatFingerprint(fp)
	if len(got) != 44 || len(strings.Fields(got)) != 5 || got != strings.ToUpper(got) {
		t.Fatalf("%q", got)
	}
	var k otr3.PublicKey
	if fingerprintOf(k) != "" {
		t.Fatal("nil key")
	}
}
