package otr

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// TestTruncatedDataMessageRefused: a data message cut short in its MAC (the
// peer, or anyone able to put a stanza in the stream, can send one) is
// refused as malformed and the session goes on; otr3 panicked on it, which
// took the whole process down.
func TestTruncatedDataMessageRefused(t *testing.T) {
	p := newPair(t, Config{}, Config{Policy: PolicyOpportunistic})
	_ = p.a.Start(alice, bob)
	expectEvent(t, p.aev, EventSecure)
	p.mu.Lock()
	p.cut = true
	p.mu.Unlock()
	if err := p.a.Send(alice, bob, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	wire := p.aWires[len(p.aWires)-1]
	p.cut = false
	p.mu.Unlock()
	bin, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(strings.TrimPrefix(wire, "?OTR:"), "."))
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{5, 10, 24} {
		short := "?OTR:" + base64.StdEncoding.EncodeToString(bin[:len(bin)-cut]) + "."
		in, err := p.b.Receive(bob, alice, short)
		if !errors.Is(err, ErrMalformed) || len(in.Plaintext) > 0 {
			t.Fatalf("cut %d: %q, %v", cut, in.Plaintext, err)
		}
	}
	if in, err := p.b.Receive(bob, alice, wire); err != nil || string(in.Plaintext) != "hello" {
		t.Fatalf("the whole message: %q, %v", in.Plaintext, err)
	}
	if st := p.b.Status(bob, alice); st.State != StateEncrypted {
		t.Fatalf("state %v", st.State)
	}
}
