package bridge

import (
	"context"
	"time"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// The XMPP session connects in the background: after the bot has answered
// "Logged in", and after each bridge start (where Matrix events may even
// arrive before bridgev2 has called Connect). Everything a Matrix user asks
// for that needs the connection gets it through awaitXMPP, so that a
// command or message sent in that first second waits for the session
// instead of failing with "The XMPP connection is down."

// awaitXMPP returns the login's adapter client for an operation that needs
// the connection. Until the session's first connection attempt in this
// process has ended it waits for the outcome (xmppad.Client.AwaitFirstConnect),
// at most the connect timeout (network.xmpp.connect_timeout: the time the
// attempt itself is given) and no longer than ctx. Once the session has
// been connected, or an attempt has failed, it never waits: an outage
// answers at once, as before.
//
// up is nil when the session is connected. Otherwise it says why not:
// errNotConnected when the bridge has no session for the login (xc is then
// nil), xmppad.ErrNotConnected when the connection is down (userMessage:
// "The XMPP connection is down."), or ctx's error. A client that is down
// still takes plain messages: it queues them until it reconnects.
func (c *Client) awaitXMPP(ctx context.Context) (xc *xmppad.Client, up error) {
	if c.started != nil {
		select {
		case <-c.started:
		default:
			// bridgev2 has not called Connect yet (bridge start-up).
			c.log.Debug().Msg("Waiting for the XMPP session to be started")
			t := time.NewTimer(c.connectTimeout())
			defer t.Stop()
			select {
			case <-c.started:
			case <-t.C:
			case <-ctx.Done():
				return c.xmpp(), ctx.Err()
			}
		}
	}
	xc = c.xmpp()
	if xc == nil {
		return nil, errNotConnected
	}
	return xc, xc.AwaitFirstConnect(ctx)
}

// connectTimeout is the adapter's connect timeout for this login.
func (c *Client) connectTimeout() time.Duration {
	if d := c.conn.Config.XMPP.ConnectTimeout; d > 0 {
		return d
	}
	return xmppad.DefaultConnectTimeout
}

// markStarted records that Connect ran (whether or not it made a session).
func (c *Client) markStarted() {
	c.startOnce.Do(func() { close(c.started) })
}
