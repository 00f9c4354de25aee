package xmpp

import (
	"context"
	"testing"
	"time"
)

func TestNewValidates(t *testing.T) {
	for _, cfg := range []Config{
		{JID: "no-local-part"},
		{JID: "a@b", TLS: "sometimes"},
		{JID: "a@b", Server: "hostwithoutport"},
		{JID: "a@b", CAFile: "/nonexistent/ca.pem"},
	} {
		if _, err := New(cfg, newRecorder()); err == nil {
			t.Errorf("New(%+v) accepted a bad config", cfg)
		}
	}
	c, err := New(Config{JID: "a@b/res", TLS: TLSRequired, AllowPlainAuth: true}, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.bare.String() != "a@b" || c.cfg.AllowPlainAuth || c.cfg.Resource != DefaultResource {
		t.Fatalf("normalised config: bare %v plain %v resource %q", c.bare, c.cfg.AllowPlainAuth, c.cfg.Resource)
	}
}

func TestBackoffDoublesToCap(t *testing.T) {
	c, err := New(Config{JID: "a@b", ReconnectMin: time.Second, ReconnectMax: 10 * time.Second}, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.jitter = func() float64 { return 0.5 } // no jitter
	want := []time.Duration{1, 2, 4, 8, 10, 10, 10}
	for i, w := range want {
		if got := c.backoff(i + 1); got != w*time.Second {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w*time.Second)
		}
	}
	c.jitter = func() float64 { return 0 }
	if got := c.backoff(1); got != 800*time.Millisecond {
		t.Errorf("low jitter %v, want 800ms", got)
	}
	c.jitter = func() float64 { return 0.999 }
	if got := c.backoff(10); got != 10*time.Second {
		t.Errorf("high jitter at the cap gave %v, want the cap", got)
	}
}

func TestQueueLimitAndOffline(t *testing.T) {
	c, err := New(Config{JID: "a@b", QueueLimit: 2}, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	to := mustJID(t, "bob@b")
	for i := range 2 {
		if id, err := c.Send(ctx, Outgoing{To: to, Body: "x"}); err != nil || id == "" {
			t.Fatalf("queued send %d: %q %v", i, id, err)
		}
	}
	if _, err := c.Send(ctx, Outgoing{To: to, Body: "x"}); err != ErrQueueFull {
		t.Fatalf("third send: %v, want ErrQueueFull", err)
	}
	if id, _ := c.Send(ctx, Outgoing{To: to, Body: "x", ID: "mine"}); id != "" {
		t.Fatalf("full queue still returned id %q", id)
	}
	if err := c.SendChatState(ctx, to, ChatComposing); err != ErrNotConnected {
		t.Fatalf("offline chat state: %v, want ErrNotConnected", err)
	}
	if _, err := c.Send(ctx, Outgoing{To: to}); err == nil {
		t.Fatal("a message without body or attachment was accepted")
	}
	if err := c.SetPresence(ctx, "away", "lunch"); err != nil {
		t.Fatalf("offline SetPresence: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, Outgoing{To: to, Body: "x"}); err != ErrClosed {
		t.Fatalf("send after close: %v", err)
	}
	if err := c.Connect(ctx); err != ErrClosed {
		t.Fatalf("connect after close: %v", err)
	}
}
