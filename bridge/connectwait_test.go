package bridge

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// The adapter's tests (adapters/xmpp/firstconnect_test.go) cover the wait
// for the first connection attempt; these cover the wait for Connect itself
// (bridge start-up), in a synctest bubble whose clock shows how long it was.

// unstarted is a Client that bridgev2 has not connected yet.
func unstarted() *Client {
	c := &Client{conn: &Connector{}, started: make(chan struct{})}
	c.conn.Config.XMPP.ConnectTimeout = 7 * time.Second
	return c
}

type awaited struct {
	xc *xmppad.Client
	up error
}

func awaitAsync(ctx context.Context, c *Client) <-chan awaited {
	ch := make(chan awaited, 1)
	go func() {
		xc, up := c.awaitXMPP(ctx)
		ch <- awaited{xc, up}
	}()
	return ch
}

func stillWaiting(t *testing.T, ch <-chan awaited) {
	t.Helper()
	synctest.Wait()
	select {
	case r := <-ch:
		t.Fatalf("awaitXMPP returned (%v, %v) before Connect", r.xc, r.up)
	default:
	}
}

func TestAwaitXMPPWaitsForConnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := unstarted()
		res := awaitAsync(t.Context(), c)
		stillWaiting(t, res)
		// Connect gives the login a session; this one is closed already, so
		// the adapter's wait answers at once.
		xc, err := xmppad.New(xmppad.Config{JID: "alice@localhost"}, xmppad.NopHandler{})
		if err != nil {
			t.Fatal(err)
		}
		_ = xc.Close()
		c.mu.Lock()
		c.xc = xc
		c.mu.Unlock()
		c.markStarted()
		r := <-res
		if r.xc != xc || !errors.Is(r.up, xmppad.ErrClosed) {
			t.Fatalf("after Connect: (%v, %v), want the session and the adapter's ErrClosed", r.xc, r.up)
		}
	})
}

func TestAwaitXMPPConnectWithoutSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := unstarted()
		res := awaitAsync(t.Context(), c)
		stillWaiting(t, res)
		c.markStarted() // Connect failed before making a session (e.g. a bad stored password)
		if r := <-res; r.xc != nil || !errors.Is(r.up, errNotConnected) {
			t.Fatalf("got (%v, %v), want errNotConnected", r.xc, r.up)
		}
		start := time.Now()
		if _, up := c.awaitXMPP(t.Context()); !errors.Is(up, errNotConnected) || time.Since(start) != 0 {
			t.Fatalf("after Connect: %v after %v, want errNotConnected at once", up, time.Since(start))
		}
	})
}

func TestAwaitXMPPContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := unstarted()
		ctx, cancel := context.WithCancel(t.Context())
		res := awaitAsync(ctx, c)
		stillWaiting(t, res)
		cancel()
		if r := <-res; !errors.Is(r.up, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", r.up)
		}
	})
}

func TestAwaitXMPPConnectNeverCalled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := unstarted()
		start := time.Now()
		_, up := c.awaitXMPP(t.Context())
		if !errors.Is(up, errNotConnected) || time.Since(start) != 7*time.Second {
			t.Fatalf("got %v after %v, want errNotConnected after the connect timeout 7s", up, time.Since(start))
		}
	})
}

func TestDownSentence(t *testing.T) {
	if got := userMessage(xmppad.ErrNotConnected); got != "The XMPP connection is down." {
		t.Fatalf("userMessage(ErrNotConnected) = %q", got)
	}
}
