package xmpp

import (
	"context"
	"errors"
	"net"
	"testing"
	"testing/synctest"
	"time"
)

// The tests run in a synctest bubble: synctest.Wait shows that AwaitFirstConnect is blocked, and the
// bubble's clock shows whether (and how long) it waited.

// gatedClient is a pipe client (pipe_test.go) whose dials wait for a value on gate: nil lets the
// dial through to the fake server, an error fails it. Close ends a waiting dial.
func gatedClient(t *testing.T) (*Client, *recorder, *fakeServer, chan<- error) {
	t.Helper()
	c, rec, f, _ := newPipeClient(t, func(cfg *Config) { cfg.ConnectTimeout = 10 * time.Second }, nil)
	dial := c.dialHook
	gate := make(chan error)
	c.dialHook = func(ctx context.Context) (net.Conn, error) {
		select {
		case err := <-gate:
			if err != nil {
				return nil, err
			}
			return dial(ctx)
		case <-c.closeCh:
			return nil, ErrClosed
		}
	}
	return c, rec, f, gate
}

// awaitAsync runs AwaitFirstConnect in a goroutine.
func awaitAsync(ctx context.Context, c *Client) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- c.AwaitFirstConnect(ctx) }()
	return ch
}

// blocked fails the test unless the call behind ch is still waiting once the bubble is idle.
func blocked(t *testing.T, ch <-chan error) {
	t.Helper()
	synctest.Wait()
	select {
	case err := <-ch:
		t.Fatalf("AwaitFirstConnect returned %v during the first attempt", err)
	default:
	}
}

// downAtOnce fails the test unless AwaitFirstConnect answers ErrNotConnected without waiting; when
// names the case.
func downAtOnce(t *testing.T, c *Client, when string) {
	t.Helper()
	start := time.Now()
	wantErr(t, c.AwaitFirstConnect(t.Context()), ErrNotConnected)
	if d := time.Since(start); d != 0 {
		t.Fatalf("waited %v %s", d, when)
	}
}

func TestAwaitFirstConnectWaitsForTheAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _, _, gate := gatedClient(t)
		go c.Run(t.Context())
		res := awaitAsync(t.Context(), c)
		blocked(t, res)
		gate <- nil
		if err := <-res; err != nil {
			t.Fatalf("after connecting: %v, want nil", err)
		}
		if !c.Connected() {
			t.Fatal("AwaitFirstConnect returned nil but the client is not connected")
		}
	})
}

func TestAwaitFirstConnectFailedAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, rec, _, gate := gatedClient(t)
		go c.Run(t.Context())
		res := awaitAsync(t.Context(), c)
		blocked(t, res)
		gate <- errors.New("connection refused")
		wantErr(t, <-res, ErrNotConnected)
		// Run retries; while its next dial waits, later calls answer at once.
		rec.awaitState(t, StateReconnecting)
		downAtOnce(t, c, "after the first attempt had failed")
	})
}

func TestAwaitFirstConnectContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _, _, _ := gatedClient(t)
		go c.Run(t.Context())
		ctx, cancel := context.WithCancel(t.Context())
		res := awaitAsync(ctx, c)
		blocked(t, res)
		cancel()
		wantErr(t, <-res, context.Canceled)
	})
}

func TestAwaitFirstConnectBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _, _, _ := gatedClient(t) // the dial never ends: a stuck attempt
		go c.Run(t.Context())
		start := time.Now()
		wantErr(t, c.AwaitFirstConnect(t.Context()), ErrNotConnected)
		if d := time.Since(start); d != c.cfg.ConnectTimeout {
			t.Fatalf("gave up after %v, want the connect timeout %v", d, c.cfg.ConnectTimeout)
		}
	})
}

func TestAwaitFirstConnectNotAfterOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, rec, f, gate := gatedClient(t)
		go c.Run(t.Context())
		gate <- nil
		rec.awaitState(t, StateConnected)
		if err := c.AwaitFirstConnect(t.Context()); err != nil {
			t.Fatalf("connected: %v, want nil", err)
		}
		_ = f.conn.Close() // the server goes away; Run's next dial waits on the gate
		rec.awaitState(t, StateReconnecting)
		downAtOnce(t, c, "during an outage after a connection")
	})
}

func TestAwaitFirstConnectClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _, _, _ := gatedClient(t)
		go c.Run(t.Context())
		res := awaitAsync(t.Context(), c)
		blocked(t, res)
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		wantErr(t, <-res, ErrClosed)
	})
}
