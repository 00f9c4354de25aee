package otr

import (
	"fmt"
	"strings"
	"testing"
)

// oneWayMessages is how many messages each side sends without an answer.
const oneWayMessages = 1000

// maxWireGrowth bounds how much a 100-byte message may grow on the wire
// over a session's first: a few revealed MAC keys (27 bytes each in base64).
const maxWireGrowth = 200

// TestInteropOneWayWireSize: 1,000 messages from us to libotr, then 1,000
// from libotr to us, then one more from us. Every MAC key is revealed once,
// so neither the 1,000th message nor the one after the peer's answers is
// much bigger than the first (otr3 as published revealed each MAC key once
// per message sent or received with it: ~27 KB after 1,000).
func TestInteropOneWayWireSize(t *testing.T) {
	h := newInterop(t, Config{})
	p := h.peer(bob)
	h.secure(p)
	text := func(i int) string { return fmt.Sprintf("%04d %s", i, strings.Repeat("x", 95)) }

	ours := make([]int, 0, oneWayMessages+1)
	send := func(i int) {
		h.wiresMu.Lock()
		n := len(h.ourWires)
		h.wiresMu.Unlock()
		if err := h.m.Send(alice, bob, []byte(text(i))); err != nil {
			t.Fatal(err)
		}
		h.wiresMu.Lock()
		size := 0
		for _, w := range h.ourWires[n:] {
			size += len(w)
		}
		h.wiresMu.Unlock()
		ours = append(ours, size)
	}
	for i := range oneWayMessages {
		send(i)
	}
	for i := range oneWayMessages {
		if got := h.peerEvent("msg", ""); got.Data != text(i) || !got.Encrypted {
			t.Fatalf("libotr got %q (encrypted %v), want message %d", got.Data, got.Encrypted, i)
		}
	}

	h.wiresMu.Lock()
	n := len(h.peerWires)
	h.wiresMu.Unlock()
	for i := range oneWayMessages {
		if err := p.Send(alice, text(i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range oneWayMessages {
		if in := h.received(); string(in.Plaintext) != text(i) || !in.Encrypted {
			t.Fatalf("we got %q (encrypted %v), want message %d", in.Plaintext, in.Encrypted, i)
		}
	}
	h.wiresMu.Lock()
	theirs := h.peerWires[n:]
	h.wiresMu.Unlock()

	send(oneWayMessages)
	if got := h.peerEvent("msg", ""); got.Data != text(oneWayMessages) || !got.Encrypted {
		t.Fatalf("libotr got %q, want the message after its answers", got.Data)
	}

	first, last, after := ours[0], ours[oneWayMessages-1], ours[oneWayMessages]
	t.Logf("our wire bytes: message 1 %d, message %d %d, after the peer's answers %d; libotr's: 1 %d, %d %d",
		first, oneWayMessages, last, after, len(theirs[0]), oneWayMessages, len(theirs[len(theirs)-1]))
	if last > first+maxWireGrowth || after > first+maxWireGrowth {
		t.Fatalf("100-byte message grew on the wire: %d bytes first, %d at %d, %d after the answers (bound +%d)",
			first, last, oneWayMessages, after, maxWireGrowth)
	}
	if len(theirs) != oneWayMessages {
		t.Fatalf("libotr sent %d wire texts for %d messages", len(theirs), oneWayMessages)
	}
}
