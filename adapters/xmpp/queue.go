package xmpp

import (
	"context"
)

// Send sends m, or queues it while disconnected; it returns the stanza id (generated if m.ID is empty).
// Queued messages are sent in order after reconnecting, before any newer one. Beyond Config.QueueLimit
// queued messages Send returns ErrQueueFull; after Close, ErrClosed. A message whose write fails because
// the connection broke is queued again (as XMPP without stream management cannot tell whether the server
// got it, it may in rare cases arrive twice).
func (c *Client) Send(ctx context.Context, m Outgoing) (id string, err error) {
	if m.ID == "" {
		m.ID = randomID()
	}
	w, err := m.build()
	if err != nil {
		return "", err
	}
	c.log.Debug().Str("id", m.ID).Str("to", m.To.String()).Int("body_len", len(m.Body)).Msg("Sending message")
	if err := c.enqueue(ctx, w); err != nil {
		return "", err
	}
	return m.ID, nil
}

// enqueue writes w now when online, else queues it.
func (c *Client) enqueue(ctx context.Context, w *wireOut) error {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	s, online := c.cur, c.online
	if !online {
		defer c.mu.Unlock()
		if len(c.queue) >= c.cfg.QueueLimit {
			return ErrQueueFull
		}
		c.queue = append(c.queue, w)
		return nil
	}
	c.mu.Unlock()

	err := s.encode(ctx, w)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		// Not written, or cut halfway (then encode ended the session): the caller gets the error.
		return ctx.Err()
	}
	// The connection broke (encode ended the session): send w again after reconnecting.
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == s {
		c.online = false
	}
	c.queue = append(c.queue, w)
	return nil
}

// flush writes the queue in order on a new session and then lets Send write directly.
func (c *Client) flush(ctx context.Context, s *session) error {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	n := 0
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			if c.cur == s {
				c.online = true
			}
			c.queue = nil
			c.mu.Unlock()
			if n > 0 {
				c.log.Info().Int("count", n).Msg("Sent queued messages")
			}
			return nil
		}
		w := c.queue[0]
		c.mu.Unlock()
		if err := s.encode(ctx, w); err != nil {
			return err
		}
		c.mu.Lock()
		c.queue[0] = nil
		c.queue = c.queue[1:]
		c.mu.Unlock()
		n++
	}
}

// Queued returns how many stanzas wait for a connection.
func (c *Client) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue)
}

// current returns the session when online.
func (c *Client) current() (*session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return nil, ErrClosed
	case c.cur == nil:
		return nil, ErrNotConnected
	}
	return c.cur, nil
}
