package otr

import (
	"errors"
	"strings"
	"testing"
)

func hexFP(s string) string { return strings.ReplaceAll(s, " ", "") }

func TestInteropWeStartV3(t *testing.T) {
	h := newInterop(t, Config{})
	p := h.peer(bob)
	ev, pe := h.secure(p)
	if ev.Version != 3 || pe.Version != 3 {
		t.Fatalf("versions: ours %d, libotr %d; want 3", ev.Version, pe.Version)
	}
	if hexFP(ev.PeerFingerprint) != p.Fingerprint {
		t.Fatalf("peer fingerprint %q, libotr's own %q", ev.PeerFingerprint, p.Fingerprint)
	}
	if hexFP(ev.OwnFingerprint) != pe.Fingerprint {
		t.Fatalf("our fingerprint %q, libotr saw %q", ev.OwnFingerprint, pe.Fingerprint)
	}
	if len(strings.Fields(ev.OwnFingerprint)) != 5 {
		t.Fatalf("fingerprint %q is not 5×8", ev.OwnFingerprint)
	}
	h.roundTrip(p, "hello from the bridge", "hello from libotr")
	st := h.m.Status(alice, bob)
	if st.State != StateEncrypted || st.Version != 3 || st.Verified || st.Trusted {
		t.Fatalf("status %+v", st)
	}
}

func TestInteropV2(t *testing.T) {
	h := newInterop(t, Config{})
	p := h.peer(bob)
	if err := p.Policy("v2only"); err != nil {
		t.Fatal(err)
	}
	ev, pe := h.secure(p)
	if ev.Version != 2 || pe.Version != 2 {
		t.Fatalf("versions: ours %d, libotr %d; want 2", ev.Version, pe.Version)
	}
	h.roundTrip(p, "v2 out", "v2 in")
}

func TestInteropV2Disallowed(t *testing.T) {
	h := newInterop(t, Config{DisallowV2: true})
	p := h.peer(bob)
	if err := p.Policy("v2only"); err != nil {
		t.Fatal(err)
	}
	if err := p.Query(alice); err != nil {
		t.Fatal(err)
	}
	// A v2-only query cannot start anything with a v3-only bridge.
	if err := h.receiveErr(); err == nil {
		t.Fatal("want an error for a v2 query when v2 is off")
	}
	if st := h.m.Status(alice, bob); st.State != StatePlaintext {
		t.Fatalf("state %v", st.State)
	}
}

func TestInteropPeerStartsWeAccept(t *testing.T) {
	h := newInterop(t, Config{})
	p := h.peer(bob)
	if err := p.Query(alice); err != nil {
		t.Fatal(err)
	}
	h.event(EventPendingAcceptance)
	if st := h.m.Status(alice, bob); st.State != StatePending {
		t.Fatalf("state %v, want pending", st.State)
	}
	// Sent while pending: held, then encrypted.
	if err := h.m.Send(alice, bob, []byte("held until accepted")); err != nil {
		t.Fatal(err)
	}
	if err := h.m.Accept(alice, bob); err != nil {
		t.Fatal(err)
	}
	h.event(EventSecure)
	h.peerEvent("secure", "")
	if got := h.peerEvent("msg", ""); got.Data != "held until accepted" || !got.Encrypted {
		t.Fatalf("held message arrived as %q encrypted=%v", got.Data, got.Encrypted)
	}
	h.roundTrip(p, "a", "b")
}

func TestInteropWeDeny(t *testing.T) {
	h := newInterop(t, Config{})
	p := h.peer(bob)
	if err := p.Query(alice); err != nil {
		t.Fatal(err)
	}
	h.event(EventPendingAcceptance)
	if err := h.m.Send(alice, bob, []byte("never in plaintext")); err != nil {
		t.Fatal(err)
	}
	if err := h.m.Deny(alice, bob); err != nil {
		t.Fatal(err)
	}
	h.event(EventDeclined)
	got := h.peerEvent("msg", "")
	if got.Encrypted || !strings.Contains(got.Data, "declined") {
		t.Fatalf("peer got %q encrypted=%v, want a plain decline notice", got.Data, got.Encrypted)
	}
	if st := h.m.Status(alice, bob); st.State != StatePlaintext {
		t.Fatalf("state %v", st.State)
	}
	if err := p.Status(alice); err != nil {
		t.Fatal(err)
	}
	if st := h.peerEvent("status", ""); st.Detail != "plaintext" {
		t.Fatalf("libotr state %s", st.Detail)
	}
	h.wiresMu.Lock()
	defer h.wiresMu.Unlock()
	for _, w := range h.ourWires {
		if strings.Contains(w, "never in plaintext") {
			t.Fatal("a held message went out in plaintext")
		}
	}
}

func TestInteropRefresh(t *testing.T) {
	h := newInterop(t, Config{})
	p := h.peer(bob)
	h.secure(p)
	h.roundTrip(p, "before", "before too")
	if err := h.m.Refresh(alice, bob); err != nil {
		t.Fatal(err)
	}
	h.event(EventRefreshing)
	if err := h.m.Send(alice, bob, []byte("during refresh")); err != nil {
		t.Fatal(err)
	}
	h.event(EventRefreshed)
	if got := h.peerEvent("msg", ""); got.Data != "during refresh" || !got.Encrypted {
		t.Fatalf("got %q encrypted=%v", got.Data, got.Encrypted)
	}
	h.roundTrip(p, "after", "after too")
	h.wiresMu.Lock()
	defer h.wiresMu.Unlock()
	for _, w := range h.ourWires {
		if strings.Contains(w, "during refresh") {
			t.Fatal("a message went out in plaintext during refresh")
		}
	}
}

func TestInteropWeEnd(t *testing.T) {
	h := newInterop(t, Config{})
	p := h.peer(bob)
	h.secure(p)
	if err := h.m.End(alice, bob); err != nil {
		t.Fatal(err)
	}
	h.event(EventEnded)
	h.peerEvent("finished", "")
	if err := p.Status(alice); err != nil {
		t.Fatal(err)
	}
	if st := h.peerEvent("status", ""); st.Detail != "finished" {
		t.Fatalf("libotr state %s, want finished", st.Detail)
	}
	if n := h.m.Sessions(); n != 0 {
		t.Fatalf("%d sessions after End", n)
	}
}

func TestInteropPeerEnds(t *testing.T) {
	h := newInterop(t, Config{})
	p := h.peer(bob)
	h.secure(p)
	if err := p.End(alice); err != nil {
		t.Fatal(err)
	}
	h.event(EventFinished)
	if st := h.m.Status(alice, bob); st.State != StateFinished {
		t.Fatalf("state %v, want finished", st.State)
	}
	if err := h.m.Send(alice, bob, []byte("refused")); !errors.Is(err, ErrFinished) {
		t.Fatalf("send after peer end: %v, want ErrFinished", err)
	}
	if err := h.m.End(alice, bob); err != nil {
		t.Fatal(err)
	}
	if st := h.m.Status(alice, bob); st.State != StatePlaintext {
		t.Fatalf("state %v after End", st.State)
	}
	// Plaintext again: a message now goes in the clear.
	if err := h.m.Send(alice, bob, []byte("clear again")); err != nil {
		t.Fatal(err)
	}
	if got := h.peerEvent("msg", ""); got.Data != "clear again" || got.Encrypted {
		t.Fatalf("got %q encrypted=%v", got.Data, got.Encrypted)
	}
}

func TestInteropFragments(t *testing.T) {
	h := newInterop(t, Config{})
	p := h.peer(bob)
	if err := p.FragmentSize(400); err != nil {
		t.Fatal(err)
	}
	h.secure(p)
	big1 := strings.Repeat("bridge→libotr ", 800) // ~12 KB, > 3 fragments of 4096
	big2 := strings.Repeat("libotr→bridge ", 800) // ~30+ fragments of 400
	h.roundTrip(p, big1, big2)
	h.wiresMu.Lock()
	defer h.wiresMu.Unlock()
	var ours, theirs int
	for _, w := range h.ourWires {
		if strings.HasPrefix(w, "?OTR|") {
			ours++
		}
		if len(w) > DefaultFragmentSize {
			t.Fatalf("sent %d bytes, over the fragment size", len(w))
		}
	}
	for _, w := range h.peerWires {
		if strings.HasPrefix(w, "?OTR|") {
			theirs++
		}
	}
	if ours < 3 || theirs < 20 {
		t.Fatalf("fragments: ours %d, theirs %d", ours, theirs)
	}
}

func TestInteropInstanceTags(t *testing.T) {
	h := newInterop(t, Config{})
	a := h.peer(bob)
	b := h.peer(bob) // the same account on a second device
	if a.InstanceTag == b.InstanceTag {
		t.Fatal("instances share a tag")
	}
	if err := a.Query(alice); err != nil {
		t.Fatal(err)
	}
	h.event(EventPendingAcceptance)
	if err := h.m.Accept(alice, bob); err != nil {
		t.Fatal(err)
	}
	h.event(EventSecure)
	first := h.peerEvent("secure", "")
	winner, other := a, b
	if first.Fingerprint != h.m.Status(alice, bob).OwnFingerprint && hexFP(h.m.Status(alice, bob).PeerFingerprint) == b.Fingerprint {
		winner, other = b, a
	}
	if hexFP(h.m.Status(alice, bob).PeerFingerprint) != winner.Fingerprint {
		t.Fatalf("secure with %q, want instance %08X", h.m.Status(alice, bob).PeerFingerprint, winner.InstanceTag)
	}
	// Both instances get every message; only the one in session reads it.
	if err := h.m.Send(alice, bob, []byte("for one instance")); err != nil {
		t.Fatal(err)
	}
	got := h.peerEvent("msg", "")
	if got.Data != "for one instance" || !got.Encrypted {
		t.Fatalf("got %q", got.Data)
	}
	for _, p := range []*struct {
		p    interface{ Status(string) error }
		want string
	}{{winner, "encrypted"}, {other, "plaintext"}} {
		if err := p.p.Status(alice); err != nil {
			t.Fatal(err)
		}
		if st := h.peerEvent("status", ""); st.Detail != p.want {
			t.Fatalf("instance state %s, want %s", st.Detail, p.want)
		}
	}
	if err := winner.Send(alice, "from the session's instance"); err != nil {
		t.Fatal(err)
	}
	if in := h.received(); string(in.Plaintext) != "from the session's instance" {
		t.Fatalf("got %q", in.Plaintext)
	}
}

func TestInteropReplayAndCorruption(t *testing.T) {
	h := newInterop(t, Config{})
	p := h.peer(bob)
	h.secure(p)
	if err := p.Send(alice, "original"); err != nil {
		t.Fatal(err)
	}
	h.received()
	h.wiresMu.Lock()
	data := h.peerWires[len(h.peerWires)-1]
	h.wiresMu.Unlock()
	if classify([]byte(data)) != kindData {
		t.Fatalf("last wire is not a data message: %.20q", data)
	}

	// Replayed: refused, peer told, session intact.
	in, err := h.m.Receive(alice, bob, data)
	if !errors.Is(err, ErrUnreadable) || in.Plaintext != nil {
		t.Fatalf("replay: %q, %v; want ErrUnreadable and nothing", in.Plaintext, err)
	}
	h.event(EventError)
	h.peerEvent("event", "rcvdmsg_general_err")

	// Corrupted on the wire: one base64 character changed in the ciphertext.
	if err := p.Send(alice, "to be corrupted"); err != nil {
		t.Fatal(err)
	}
	h.received()
	h.wiresMu.Lock()
	data = h.peerWires[len(h.peerWires)-1]
	h.wiresMu.Unlock()
	i := len(data) / 2
	c := byte('A')
	if data[i] == 'A' {
		c = 'B'
	}
	bad := data[:i] + string(c) + data[i+1:]
	if in, err = h.m.Receive(alice, bob, bad); err == nil || in.Plaintext != nil {
		t.Fatalf("corrupted: %q, %v; want an error and nothing", in.Plaintext, err)
	}
	if st := h.m.Status(alice, bob); st.State != StateEncrypted {
		t.Fatalf("state %v after bad input", st.State)
	}
	h.roundTrip(p, "still fine", "still fine too")
}
