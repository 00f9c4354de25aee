package bridge

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/networkid"
	"maunium.net/go/mautrix/bridgev2/status"
	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

var (
	_ bridgev2.NetworkAPI           = (*Client)(nil)
	_ bridgev2.NetworkAPIWithUserID = (*Client)(nil)
	_ xmppad.Handler                = (*Client)(nil)
)

// Bridge state error codes sent with bridge state events.
const (
	errCodeDisconnected   status.BridgeStateErrorCode = "xmpp-disconnected"
	errCodeBadCredentials status.BridgeStateErrorCode = "xmpp-bad-credentials"
	errCodeConfig         status.BridgeStateErrorCode = "xmpp-config-error"
)

// Client is one login's connection: the bridgev2 NetworkAPI on one side and
// the XMPP adapter's Handler on the other.
type Client struct {
	conn  *Connector
	login *bridgev2.UserLogin
	self  jid.JID // the account's bare JID
	sent  sentLog // recently sent plain messages, for bounces (bounce.go)
	log   zerolog.Logger

	// started is closed once Connect has run (connectwait.go); startOnce closes it.
	started   chan struct{}
	startOnce sync.Once

	// mu guards xc, cancel, authFailed and markable.
	mu         sync.Mutex
	xc         *xmppad.Client
	cancel     context.CancelFunc
	authFailed bool
	// inbox queues incoming messages towards Matrix, in order (inbox.go).
	inbox *inbox
	// subs holds pending presence subscription requests (subscription.go).
	subs *subscriptions
	// markable is, per contact bare JID, the id of the last incoming message
	// that asked for XEP-0333 markers; a Matrix read receipt marks it displayed.
	markable map[string]string
	// avatars holds what is known of contacts' avatars (avatar.go).
	avatars avatars
	// blocks remembers our own blocklist changes (handleblock.go).
	blocks blockState
	// hist is the archive position and catch-up state (backfill_catchup.go).
	hist historyState
}

func newClient(c *Connector, login *bridgev2.UserLogin) (*Client, error) {
	self, err := parseBareJID(string(login.ID))
	if err != nil {
		return nil, err
	}
	cl := &Client{
		conn:     c,
		login:    login,
		self:     self,
		log:      login.Log.With().Str("component", "xmpp_client").Logger(),
		markable: make(map[string]string),
		started:  make(chan struct{}),
	}
	cl.inbox = &inbox{c: cl}
	cl.subs = &subscriptions{pending: map[string]networkid.MessageID{}, asked: map[string]bool{}}
	return cl, nil
}

// adapterConfig builds the XMPP adapter config for an account from the network config.
func (c *Connector) adapterConfig(account jid.JID, password string, log zerolog.Logger) xmppad.Config {
	x := c.Config.XMPP
	return xmppad.Config{
		JID:               account.Bare().String(),
		Password:          password,
		Resource:          x.Resource,
		Server:            x.Server,
		TLS:               x.TLS,
		CAFile:            x.CAFile,
		AllowPlainAuth:    x.AllowPlainAuth,
		ConnectTimeout:    x.ConnectTimeout,
		KeepaliveInterval: x.KeepaliveInterval,
		KeepaliveTimeout:  x.KeepaliveTimeout,
		ReconnectMin:      x.ReconnectMin,
		ReconnectMax:      x.ReconnectMax,
		QueueLimit:        x.QueueLimit,
		Logger:            log,
	}
}

// Connect starts the XMPP session in the background. Errors are reported as bridge states.
func (c *Client) Connect(ctx context.Context) {
	defer c.markStarted() // after c.xc is set: awaitXMPP then waits on the session
	meta := c.login.Metadata.(*UserLoginMetadata)
	password, err := openPassword(c.conn.passwordKey, string(c.login.ID), meta.SealedPassword)
	if err != nil {
		c.login.BridgeState.Send(status.BridgeState{StateEvent: status.StateBadCredentials, Error: errCodeBadCredentials, Message: err.Error()})
		return
	}
	xc, err := xmppad.New(c.conn.adapterConfig(c.self, password, c.log), c)
	if err != nil {
		c.login.BridgeState.Send(status.BridgeState{StateEvent: status.StateUnknownError, Error: errCodeConfig, Message: err.Error()})
		return
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.mu.Lock()
	if c.cancel != nil {
		c.cancel()
	}
	c.xc, c.cancel, c.authFailed = xc, cancel, false
	c.mu.Unlock()
	c.login.BridgeState.Send(status.BridgeState{StateEvent: status.StateConnecting})
	go xc.Run(runCtx)
}

// Disconnect ends this login's OTR conversations (redacting their Matrix
// copies, wiping keys) and closes the XMPP session.
func (c *Client) Disconnect() {
	c.disconnect(false)
}

// disconnect closes the session; logout also forgets the login's OTR marks.
func (c *Client) disconnect(logout bool) {
	if l := c.conn.otr; l != nil {
		l.endLogin(c.login.ID, logout)
	}
	c.mu.Lock()
	xc, cancel := c.xc, c.cancel
	c.xc, c.cancel = nil, nil
	c.mu.Unlock()
	if xc != nil {
		if err := xc.Close(); err != nil && !errors.Is(err, xmppad.ErrClosed) {
			c.log.Debug().Err(err).Msg("Error closing XMPP session")
		}
		// The adapter's last events (messages it could not deliver) are
		// handled before the login goes away.
		select {
		case <-xc.Done():
		case <-time.After(undeliveredWait):
		}
	}
	if cancel != nil {
		cancel()
	}
	if logout {
		c.forgetPosition()
	} else {
		c.flushPosition()
	}
}

// IsLoggedIn is false once the server refused the credentials.
func (c *Client) IsLoggedIn() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.authFailed
}

// LogoutRemote ends the XMPP session. XMPP has no token to revoke.
func (c *Client) LogoutRemote(ctx context.Context) {
	c.disconnect(true)
}

// IsThisUser reports whether userID is the account itself.
func (c *Client) IsThisUser(ctx context.Context, userID networkid.UserID) bool {
	return userID == makeUserID(c.self)
}

// GetUserID returns the account's own user ID.
func (c *Client) GetUserID() networkid.UserID {
	return makeUserID(c.self)
}

// xmpp returns the live adapter client, or nil while disconnected by the bridge.
func (c *Client) xmpp() *xmppad.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.xc
}

// HandleConnState maps XMPP connection changes to bridge state events.
func (c *Client) HandleConnState(s xmppad.ConnState, err error) {
	c.log.Debug().Stringer("xmpp_state", s).AnErr("cause", err).Msg("XMPP connection state changed")
	c.historyConnState(s)
	switch s {
	case xmppad.StateConnecting:
		c.login.BridgeState.Send(status.BridgeState{StateEvent: status.StateConnecting})
	case xmppad.StateConnected:
		c.login.BridgeState.Send(status.BridgeState{StateEvent: status.StateConnected})
		go c.syncBlocklist(c.backgroundCtx())
	case xmppad.StateDisconnected, xmppad.StateReconnecting:
		msg := "The connection to the XMPP server was lost; reconnecting."
		if err != nil {
			msg = userMessage(err) + " Reconnecting."
		}
		c.login.BridgeState.Send(status.BridgeState{StateEvent: status.StateTransientDisconnect, Error: errCodeDisconnected, Message: msg})
	case xmppad.StateLoggedOut:
		c.mu.Lock()
		c.authFailed = true
		c.mu.Unlock()
		c.login.BridgeState.Send(status.BridgeState{StateEvent: status.StateBadCredentials, Error: errCodeBadCredentials, Message: userMessage(err) + " Log in again with the right password."})
	}
}

// HandleError reports errors the adapter could not tie to a call; messages
// that never reached the server are marked failed (undelivered.go).
func (c *Client) HandleError(err error) {
	if c.handleBounce(err) || c.handleUndelivered(err) {
		return
	}
	c.log.Warn().Err(err).Msg("XMPP error")
}

// backgroundCtx is the context for work started by XMPP events.
func (c *Client) backgroundCtx() context.Context {
	return c.log.WithContext(context.Background())
}

// typingTimeout is how long a "composing" chat state shows as typing in Matrix.
const typingTimeout = 30 * time.Second
