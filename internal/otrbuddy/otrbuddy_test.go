package otrbuddy

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/offrecord/offrecord/internal/prosodytest"
)

// TestTwoBuddies runs OTR between two libotr buddies over prosody, read
// from the Events and Wire channels (e2e covers the record and the rest):
// query, a message each way, end.
func TestTwoBuddies(t *testing.T) {
	xs := prosodytest.Start(t, prosodytest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := func(user string) *Buddy {
		if err := xs.Register(user, user+"-pw"); err != nil {
			t.Fatal(err)
		}
		b, err := Start(ctx, Config{JID: user + "@" + xs.Domain(), Password: user + "-pw", Server: xs.Addr(), CAFile: xs.CAFile()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = b.Close() })
		return b
	}
	alice, bob := start("alice"), start("bob")
	aliceJID, bobJID := alice.JID().Bare(), bob.JID().Bare()

	if err := alice.Query(ctx, bobJID); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ctx, alice, Secure); ev.Fingerprint != bob.Fingerprint() || ev.Version != 3 {
		t.Errorf("alice: secure with %s v%d, want bob's %s v3", ev.Fingerprint, ev.Version, bob.Fingerprint())
	}
	next(t, ctx, bob, Secure)

	if err := bob.Say(ctx, aliceJID, "hello off the record"); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ctx, alice, Message); ev.Text != "hello off the record" || !ev.Encrypted || !ev.Peer.Equal(bobJID) {
		t.Errorf("alice got %+v", ev)
	}
	if !sawWire(ctx, alice, "?OTR:AAMD") {
		t.Error("alice received no OTR v3 data message on the wire")
	}
	if err := alice.Say(ctx, bobJID, "hi bob"); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ctx, bob, Message); ev.Text != "hi bob" || !ev.Encrypted {
		t.Errorf("bob got %+v", ev)
	}

	if err := alice.End(ctx, bobJID); err != nil {
		t.Fatal(err)
	}
	next(t, ctx, bob, Finished)
}

// next returns b's next event of kind, failing t on timeout.
func next(t *testing.T, ctx context.Context, b *Buddy, kind Kind) Event {
	t.Helper()
	for {
		select {
		case ev := <-b.Events():
			if ev.Kind == kind {
				return ev
			}
			if ev.Kind == Error {
				t.Logf("%s: %v", b.JID(), ev.Err)
			}
		case <-ctx.Done():
			t.Fatalf("%s: no %s event: %v", b.JID(), kind, ctx.Err())
		}
	}
}

// sawWire reports whether a body starting with prefix has been received.
func sawWire(ctx context.Context, b *Buddy, prefix string) bool {
	for {
		select {
		case w := <-b.Wire():
			if strings.HasPrefix(w, prefix) {
				return true
			}
		case <-ctx.Done():
			return false
		}
	}
}
