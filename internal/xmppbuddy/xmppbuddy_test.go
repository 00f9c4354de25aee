package xmppbuddy

import (
	"context"
	"testing"
	"time"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/internal/prosodytest"
)

// TestRecord: two buddies over prosody; a message and its receipt are
// recorded, stamped, and found by waits from a mark taken before the step,
// also when they came before the wait started.
func TestRecord(t *testing.T) {
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
	am, bm := alice.Mark(), bob.Mark()
	sent := time.Now()
	id, err := alice.Send(ctx, xmppad.Outgoing{To: bob.Bare(), Body: "hello", RequestReceipt: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := bob.WaitBody(ctx, bm, "hello")
	if err != nil {
		t.Fatal(err)
	}
	if !got.From.Bare().Equal(alice.Bare()) || got.Message.ID != id || got.At.Before(sent) {
		t.Errorf("bob recorded %+v, want alice's %s stamped after %s", got, id, sent)
	}
	if err := bob.Client().SendReceipt(ctx, got.From, got.Message.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := alice.Wait(ctx, am, func(ev Event) bool { return ev.Kind == Receipt && ev.ID == id }); err != nil {
		t.Fatalf("alice got no receipt: %v", err)
	}
	// The message is in bob's record for good: a later wait from the old mark finds it.
	if _, err := bob.WaitBody(ctx, bm, "hello"); err != nil || len(bob.Since(bm)) == 0 {
		t.Errorf("bob's record from the mark: %v, %d events", err, len(bob.Since(bm)))
	}
}
