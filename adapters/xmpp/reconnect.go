package xmpp

import (
	"context"
	"errors"
	"time"
)

// Run keeps the session up until ctx is done or Close is called: it connects if Connect was not called
// (or failed), and after a lost connection it reconnects with exponential backoff (the first attempt at
// once when the session can be resumed, XEP-0198). It returns at once
// if Run is already active. A refused login (ErrAuth) ends Run with StateLoggedOut.
func (c *Client) Run(ctx context.Context) {
	c.mu.Lock()
	if c.running || c.closed {
		c.mu.Unlock()
		return
	}
	c.running = true
	runDone := make(chan struct{})
	c.runDone = runDone
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.running = false
		c.mu.Unlock()
		close(runDone)
	}()
	log := c.log.With().Str("loop", "run").Logger()
	// Close also ends a connection attempt under way (instead of waiting for its timeout).
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-c.closeCh:
			cancel()
		case <-ctx.Done():
		}
	}()

	attempt := 0
	var last error
	for {
		c.mu.Lock()
		s := c.cur
		c.mu.Unlock()

		if s == nil {
			if attempt > 0 {
				d := c.backoff(attempt)
				c.state(StateReconnecting, &ReconnectError{Attempt: attempt, After: d, Err: last})
				log.Info().Int("attempt", attempt).Dur("after", d).Msg("Reconnecting")
				if !c.sleep(ctx, d) {
					c.stopRun(ctx)
					return
				}
			}
			c.state(StateConnecting, nil)
			err := c.connect(ctx)
			switch {
			case err == nil:
				attempt = 0
				continue
			case errors.Is(err, ErrAuth):
				log.Warn().Err(err).Msg("Login refused; giving up")
				c.state(StateLoggedOut, err)
				return
			case errors.Is(err, ErrClosed), c.isClosed(), ctx.Err() != nil:
				c.stopRun(ctx)
				return
			}
			log.Warn().Err(err).Int("attempt", attempt+1).Msg("Connecting failed")
			c.state(StateDisconnected, err)
			last = err
			attempt++
			continue
		}

		select {
		case <-s.done:
			err := s.cause()
			resumable := s.sm.Load().resumable()
			c.mu.Lock()
			if c.cur == s {
				c.cur, c.online = nil, false
				if !resumable {
					c.presences = map[string]map[string]Presence{}
				}
			}
			c.mu.Unlock()
			log.Warn().Err(err).Bool("resumable", resumable).Msg("Connection lost")
			c.state(StateDisconnected, err)
			last = err
			attempt = 1
			if resumable && time.Since(s.started) >= c.cfg.ReconnectMin {
				// Resume at once, while the server still holds the session (XEP-0198 §5); a session
				// that keeps dropping right away waits like any other.
				attempt = 0
			}
		case <-c.closeCh:
			return // Close hangs up
		case <-ctx.Done():
			c.stopRun(ctx)
			return
		}
	}
}

// stopRun hangs up when Run ends because of its context (Close does its own hang-up).
func (c *Client) stopRun(ctx context.Context) {
	if c.isClosed() {
		return
	}
	if c.hangUp(true) {
		c.state(StateDisconnected, ctx.Err())
	}
}

// sleep waits d; it reports false when ctx ended or the client was closed first.
func (c *Client) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-c.closeCh:
		return false
	}
}

// backoff is the wait before reconnect attempt n (1-based): ReconnectMin doubled n-1 times, capped at
// ReconnectMax, with ±20% jitter (never above the cap).
func (c *Client) backoff(n int) time.Duration {
	d := c.cfg.ReconnectMin
	for i := 1; i < n && d < c.cfg.ReconnectMax; i++ {
		d *= 2
	}
	if d > c.cfg.ReconnectMax {
		d = c.cfg.ReconnectMax
	}
	d = time.Duration(float64(d) * (0.8 + 0.4*c.jitter()))
	if d > c.cfg.ReconnectMax {
		d = c.cfg.ReconnectMax
	}
	return d
}
