package xmpp

import (
	"context"
	"errors"

	"mellium.im/xmpp/jid"
)

// SendChatState sends a XEP-0085 chat state with a no-store hint; it is dropped (ErrNotConnected)
// when offline, since a stale "composing" is worse than none.
func (c *Client) SendChatState(ctx context.Context, to jid.JID, s ChatState) error {
	el, err := chatStateElem(s)
	if err != nil || el == nil {
		if err == nil {
			err = errNoState
		}
		return err
	}
	c.mu.Lock()
	sess, online := c.cur, c.online
	closed := c.closed
	c.mu.Unlock()
	switch {
	case closed:
		return ErrClosed
	case !online:
		return ErrNotConnected
	}
	id := randomID()
	return sess.encode(ctx, &wireOut{ID: id, To: to.String(), Type: "chat", ChatState: el, NoStore: &empty{}}, outOther, id, to.String())
}

var errNoState = errors.New("xmpp: no chat state given")
