package otrbuddy

import (
	"context"
	"strings"
	"testing"
	"time"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/internal/prosodytest"
)

// TestTwoBuddies runs OTR between two libotr buddies over prosody: query,
// a message each way, SMP, end.
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
	if ev := next(t, ctx, alice, Secure, ""); ev.Fingerprint != bob.Fingerprint() || ev.Version != 3 {
		t.Errorf("alice: secure with %s v%d, want bob's %s v3", ev.Fingerprint, ev.Version, bob.Fingerprint())
	}
	next(t, ctx, bob, Secure, "")

	if err := bob.Say(ctx, aliceJID, "hello off the record"); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ctx, alice, Message, ""); ev.Text != "hello off the record" || !ev.Encrypted || !ev.Peer.Equal(bobJID) {
		t.Errorf("alice got %+v", ev)
	}
	if !sawWire(ctx, alice, "?OTR:AAMD") {
		t.Error("alice received no OTR v3 data message on the wire")
	}
	data, err := alice.WaitMessage(ctx, 0, func(m xmppad.Message) bool { return strings.HasPrefix(m.Body, "?OTR:AAMD") })
	if err != nil {
		t.Fatal(err)
	}
	if data.EME != eme || !data.From.Bare().Equal(bobJID) || !data.To.Equal(alice.JID()) {
		t.Errorf("alice recorded the data message with EME %q from %s to %s, want %s from bob to %s", data.EME, data.From, data.To, eme, alice.JID())
	}
	if _, err := bob.WaitEvent(ctx, 0, func(ev Event) bool { return ev.Kind == Sent && strings.HasPrefix(ev.Text, "?OTR:AAMD") }); err != nil {
		t.Errorf("bob's record has no Sent data message: %v", err)
	}
	mark := alice.Mark()
	if err := alice.Status(ctx, bobJID); err != nil {
		t.Fatal(err)
	}
	if st, err := alice.WaitEvent(ctx, mark.Events, func(ev Event) bool { return ev.Kind == Status }); err != nil || st.Detail != "encrypted" || st.Version != 3 {
		t.Errorf("alice's status %+v (%v), want encrypted v3", st, err)
	}
	if err := alice.Say(ctx, bobJID, "hi bob"); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ctx, bob, Message, ""); ev.Text != "hi bob" || !ev.Encrypted {
		t.Errorf("bob got %+v", ev)
	}

	if err := alice.SMP(ctx, bobJID, "blue"); err != nil {
		t.Fatal(err)
	}
	next(t, ctx, bob, SMP, "askforsecret")
	if err := bob.SMPAnswer(ctx, aliceJID, "blue"); err != nil {
		t.Fatal(err)
	}
	next(t, ctx, alice, SMP, "success")
	next(t, ctx, bob, SMP, "success")

	if err := alice.End(ctx, bobJID); err != nil {
		t.Fatal(err)
	}
	next(t, ctx, bob, Finished, "")
}

// next returns b's next event of kind (and detail, if given), failing t on timeout.
func next(t *testing.T, ctx context.Context, b *Buddy, kind Kind, detail string) Event {
	t.Helper()
	for {
		select {
		case ev := <-b.Events():
			if ev.Kind == kind && (detail == "" || ev.Detail == detail) {
				return ev
			}
			if ev.Kind == Error {
				t.Logf("%s: %v", b.JID(), ev.Err)
			}
		case <-ctx.Done():
			t.Fatalf("%s: no %s %s event: %v", b.JID(), kind, detail, ctx.Err())
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
