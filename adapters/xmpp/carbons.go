package xmpp

import (
	"context"
	"encoding/xml"
	"errors"

	"mellium.im/xmpp/jid"
)

// enableCarbons asks the server for XEP-0280 carbon copies.
func (c *Client) enableCarbons(ctx context.Context, s *session) error {
	return iqSet(ctx, s, &carbonsEnable{})
}

type carbonsEnable struct {
	XMLName xml.Name `xml:"urn:xmpp:carbons:2 enable"`
}

var errForgedCarbon = errors.New("carbon copy not from our own account (forged)")

// fromSelf reports whether a stanza's from attribute is our own account: empty (mellium blanks our bare
// JID) or our bare JID.
func (c *Client) fromSelf(from string) bool {
	if from == "" {
		return true
	}
	j, err := jid.Parse(from)
	return err == nil && j.Equal(c.bare)
}

// unwrapCarbon returns the forwarded message of a carbon and its kind. A carbon not sent by our own
// account is refused: anyone could otherwise make us believe we sent or got a message.
func (c *Client) unwrapCarbon(w *wireIn) (*wireIn, Carbon, error) {
	wrap, kind := w.CarbonRcv, CarbonReceived
	if wrap == nil {
		wrap, kind = w.CarbonSnt, CarbonSent
	}
	if wrap == nil {
		return w, CarbonNone, nil
	}
	if !c.fromSelf(w.From) {
		return nil, CarbonNone, errForgedCarbon
	}
	if wrap.Forwarded == nil || wrap.Forwarded.Message == nil {
		return nil, CarbonNone, errors.New("carbon copy without a forwarded message")
	}
	inner := wrap.Forwarded.Message
	if inner.Delay == nil && wrap.Forwarded.Delay != nil {
		inner.Delay = wrap.Forwarded.Delay
	}
	return inner, kind, nil
}
