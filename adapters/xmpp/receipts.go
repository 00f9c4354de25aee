package xmpp

import (
	"context"
	"errors"

	"mellium.im/xmpp/jid"
)

// SendReceipt sends a XEP-0184 receipt for id; like Send it is queued while disconnected.
func (c *Client) SendReceipt(ctx context.Context, to jid.JID, id string) error {
	if id == "" {
		return errors.New("xmpp: a receipt needs the id of the message")
	}
	return c.enqueueWire(ctx, &wireOut{ID: randomID(), To: to.String(), Type: "chat", Received: &idElem{ID: id}})
}
