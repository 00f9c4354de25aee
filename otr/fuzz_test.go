package otr

import (
	"bytes"
	"testing"
)

// FuzzParseFragment: the fragment parser never panics, and what it accepts
// is a well-formed fragment.
func FuzzParseFragment(f *testing.F) {
	f.Add([]byte("?OTR|00000101|00000000,00001,00002,AAAA,"))
	f.Add([]byte("?OTR,1,1,piece,"))
	f.Add([]byte("?OTR|1|2,3,2,x,"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, ok := parseFragment(b)
		if !ok {
			return
		}
		if fr.k < 1 || fr.k > fr.n || bytes.IndexByte(fr.piece, ',') >= 0 {
			t.Fatalf("accepted bad fragment %+v", fr)
		}
		var r reassembly
		_, _ = r.add(fr, 1<<16, 256)
	})
}

// FuzzClassify: classification never panics and is stable.
func FuzzClassify(f *testing.F) {
	f.Add([]byte("?OTRv23?"))
	f.Add([]byte("?OTR:AAMCAAAB"))
	f.Add([]byte("hi \t  \t\t\t\t \t \t \t    \t\t  \t\t"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if classify(b) != classify(bytes.Clone(b)) {
			t.Fatal("unstable")
		}
		_ = stripTag(b)
	})
}

// FuzzReceive feeds arbitrary wire text to a Manager in each session state
// (fresh, pending, encrypted with another Manager): it must not panic, and
// an encrypted session must survive the input.
func FuzzReceive(f *testing.F) {
	for _, s := range []string{
		"?OTRv3?", "?OTRv2?", "?OTR?", "?OTR Error: x", "plain",
		"?OTR:AAMDAAABAAAAAgAAAAA.", "?OTR:AAMCAAABAAAAAAAAAAA=.",
		"?OTR|00000101|00000000,00001,00001,?OTR:AAMD,",
		"?OTR,00001,00002,?OTR:AA,", "x \t  \t\t\t\t \t \t \t    \t\t  \t\t",
	} {
		f.Add(uint8(0), []byte(s))
		f.Add(uint8(2), []byte(s))
	}
	// Managers shared by all inputs: key exchanges and domain parameters once, not per input.
	p := newFuzzPair(f)
	m := NewManager(Config{ExpireInterval: -1, Limits: Limits{MaxAKEPerMinute: 1 << 30}})
	f.Cleanup(func() { _ = m.Close() })
	f.Fuzz(func(t *testing.T, state uint8, wire []byte) {
		switch state % 3 {
		case 0:
			_, _ = m.Receive(alice, "fresh", string(wire))
			_ = m.Status(alice, "fresh")
			_ = m.End(alice, "fresh")
		case 1:
			_, _ = m.Receive(alice, "pending", "?OTRv3?")
			_, _ = m.Receive(alice, "pending", string(wire))
			_ = m.Deny(alice, "pending")
			_ = m.End(alice, "pending")
		case 2:
			_, _ = p.a.Receive(alice, bob, string(wire))
			if st := p.a.Status(alice, bob); st.State != StateEncrypted && st.State != StateRefreshing {
				t.Fatalf("encrypted session left in state %v by peer input", st.State)
			}
			if err := p.a.Send(alice, bob, []byte("ping")); err != nil {
				t.Fatalf("session broken by input: %v", err)
			}
		}
	})
}

func newFuzzPair(f *testing.F) *pair {
	p := &pair{clock: &fakeClock{}, aev: make(chan Event, 1<<16), bev: make(chan Event, 1<<16)}
	lim := Limits{MaxAKEPerMinute: 1 << 30}
	acfg := Config{Clock: p.clock, ExpireInterval: -1, Limits: lim}
	bcfg := Config{Clock: p.clock, ExpireInterval: -1, Policy: PolicyOpportunistic, Limits: lim}
	acfg.Send = func(_, _, w string) { _, _ = p.b.Receive(bob, alice, w) }
	bcfg.Send = func(_, _, w string) { _, _ = p.a.Receive(alice, bob, w) }
	p.a, p.b = NewManager(acfg), NewManager(bcfg)
	f.Cleanup(func() { _ = p.a.Close(); _ = p.b.Close() })
	if err := p.a.Start(alice, bob); err != nil {
		f.Fatal(err)
	}
	if p.a.Status(alice, bob).State != StateEncrypted {
		f.Fatal("fuzz pair not encrypted")
	}
	return p
}
