package xmpp

import (
	"context"
	"time"
)

// The first connection attempt: Run connects in the background, and the bridge tells
// the user "logged in" before the session is up. Calls that need the connection wait for that one
// attempt with AwaitFirstConnect instead of failing at once; later outages never wait.

// endFirstAttempt marks the client's first connection attempt as over (connected or failed).
func (c *Client) endFirstAttempt() {
	c.firstOnce.Do(func() { close(c.firstDone) })
}

// AwaitFirstConnect waits while the client's first connection attempt is under way: the client has
// never been connected and no attempt has failed yet (this includes the moment before Run starts
// it). The wait lasts at most Config.ConnectTimeout, the time the attempt itself is given, so the
// caller normally learns the attempt's outcome; it also ends with ctx or Close. Once an attempt has
// ended it returns at once.
//
// It returns nil when the client is connected (Connected is true), ErrNotConnected when it is not
// (the first attempt failed or outlasted the wait, or a connection made before was lost since),
// ErrClosed after Close, and ctx's error when ctx ended first.
func (c *Client) AwaitFirstConnect(ctx context.Context) error {
	select {
	case <-c.firstDone:
	default:
		c.log.Debug().Msg("Waiting for the first connection attempt")
		t := time.NewTimer(c.cfg.ConnectTimeout)
		defer t.Stop()
		select {
		case <-c.firstDone:
		case <-t.C:
		case <-c.closeCh:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return ErrClosed
	case !c.online:
		return ErrNotConnected
	}
	return nil
}
