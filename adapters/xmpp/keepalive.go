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
		err := ping.Send(ctx, s.s, domain)
		cancel()
		var se stanza.Error
		switch {
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

// pingIQ is the payload of an incoming ping.
var nsPing = xml.Name{Space: ping.NS, Local: "ping"}
