package xmpp

import (
	"context"
	"errors"

	"mellium.im/xmpp/jid"
)

// SendDisplayed sends a XEP-0333 displayed marker for id; like Send it is queued while disconnected.
func (c *Client) SendDisplayed(ctx context.Context, to jid.JID, id string) error {
	if id == "" {
		return errors.New("xmpp: a displayed marker needs the id of the message")
	}
	return c.enqueueWire(ctx, &wireOut{ID: randomID(), To: to.String(), Type: "chat", Displayed: &idElem{ID: id}})
}
