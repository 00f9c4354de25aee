package xmpp

import (
	"context"
	"encoding/xml"
	"errors"
	"time"

	"mellium.im/xmpp/ping"
	"mellium.im/xmpp/stanza"
)

// keepalive pings the server (XEP-0199) every KeepaliveInterval; a ping not answered within
// KeepaliveTimeout ends the session with ErrKeepalive, so that Run reconnects.
func (c *Client) keepalive(s *session) {
	t := time.NewTicker(c.cfg.KeepaliveInterval)
	defer t.Stop()
	domain := c.bare.Domain()
	log := c.log.With().Str("loop", "keepalive").Logger()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.KeepaliveTimeout)
		start := time.Now()
		// A ping not answered in time, or whose write is stuck, ends the session.
		end := watch(ctx, func() { s.fail(classify(ErrKeepalive, ctx.Err())) })
		err := iqDo(ctx, s, stanza.IQ{Type: stanza.GetIQ, To: domain}, &pingQuery{}, nil)
		cut := end()
		cancel()
		var se stanza.Error
		switch {
		case cut:
			log.Warn().Msg("Ping not answered in time; dropped the connection")
			return
		case err == nil, errors.As(err, &se):
			// Any answer, even an error stanza, proves the connection is alive.
			log.Debug().Dur("rtt", time.Since(start)).Msg("Ping answered")
		default:
			select {
			case <-s.done:
				return
			default:
			}
			log.Warn().Err(err).Msg("Ping not answered; dropping the connection")
			s.fail(classify(ErrKeepalive, err))
			return
		}
	}
}

// nsPing names the payload of a ping.
var nsPing = xml.Name{Space: ping.NS, Local: "ping"}

// pingQuery is the payload of our ping.
type pingQuery struct {
	XMLName xml.Name `xml:"urn:xmpp:ping ping"`
}
