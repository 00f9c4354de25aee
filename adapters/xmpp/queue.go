package xmpp

import (
	"context"
)

// Send sends m, or queues it while disconnected; it returns the stanza id (generated if m.ID is empty).
// Queued messages are sent in order after reconnecting, before any newer one. Beyond Config.QueueLimit
// queued messages Send returns ErrQueueFull; after Close, ErrClosed.
//
// With stream management (XEP-0198, when the server offers it) a message is kept until the server
// acknowledges it: after a dropped connection the resumed session gets exactly what the server missed,
// once and in order. Only when the session cannot be resumed (the server forgot it) is a message
// the server had not acknowledged sent again on the new session, and it may then arrive twice. Without
// stream management, a message whose write fails because the connection broke is queued again, and may
// likewise arrive twice. A message still unacknowledged or queued when the client is closed is reported
// to the Handler as an *UndeliveredError.
func (c *Client) Send(ctx context.Context, m Outgoing) (id string, err error) {
	if m.ID == "" {
		m.ID = randomID()
	}
	w, err := m.build()
	if err != nil {
		return "", err
	}
	o, err := newOutStanza(w, outMessage, w.ID, w.To)
	if err != nil {
		return "", err
	}
	c.log.Debug().Str("id", m.ID).Str("to", m.To.String()).Int("body_len", len(m.Body)).Msg("Sending message")
	if err := c.enqueue(ctx, o); err != nil {
		return "", err
	}
	return m.ID, nil
}

// enqueueWire marshals w and enqueues it as a queued kind (receipt, marker).
func (c *Client) enqueueWire(ctx context.Context, w *wireOut) error {
	o, err := newOutStanza(w, outQueued, w.ID, w.To)
	if err != nil {
		return err
	}
	return c.enqueue(ctx, o)
}

// enqueue writes o now when online, else queues it.
func (c *Client) enqueue(ctx context.Context, o *outStanza) error {
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
		c.queue = append(c.queue, o)
		return nil
	}
	c.mu.Unlock()

	kept, err := s.write(ctx, o, true)
	switch {
	case err == nil, kept:
		// Written, or held by stream management until the server has it.
		return nil
	case ctx.Err() != nil:
		// Not written, or cut halfway (then write ended the session): the caller gets the error.
		return ctx.Err()
	}
	// The connection broke (write ended the session): send o again after reconnecting.
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == s {
		c.online = false
	}
	c.queue = append(c.queue, o)
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
		o := c.queue[0]
		c.mu.Unlock()
		kept, err := s.write(ctx, o, true)
		if err == nil || kept {
			// Written, or now in the care of stream management: off the queue either way.
			c.mu.Lock()
			c.queue[0] = nil
			c.queue = c.queue[1:]
			c.mu.Unlock()
			n++
		}
		if err != nil {
			return err
		}
	}
}

// requeueLocked puts the messages, receipts and markers that the last stream-managed session wrote
// but the server never acknowledged at the front of the queue (they are older than anything queued
// since), drops the rest (presence, IQs, chat states), and forgets that session: it cannot be resumed.
// It returns how many were queued again. The caller holds c.mu and the last session is over.
func (c *Client) requeueLocked() int {
	sm := c.sm
	c.sm = nil
	if sm == nil {
		return 0
	}
	var again []*outStanza
	for _, o := range sm.takeUnacked() {
		if o.kind != outOther {
			again = append(again, o)
		}
	}
	if len(again) > 0 {
		c.queue = append(again, c.queue...)
	}
	return len(again)
}

// Queued returns how many stanzas wait for a connection.
func (c *Client) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue)
}

// Unacked returns how many stanzas were written but not yet acknowledged by the server (XEP-0198;
// always 0 without stream management).
func (c *Client) Unacked() int {
	c.mu.Lock()
	sm := c.sm
	c.mu.Unlock()
	if sm == nil {
		return 0
	}
	return sm.pending()
}

// Resumed reports whether the current (or last) session was a resumption of the one before
// (XEP-0198): then nothing sent to the account while the connection was down was lost, and no history
// needs fetching. False for a new session.
func (c *Client) Resumed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.resumed
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
