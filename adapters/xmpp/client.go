package xmpp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"mellium.im/xmpp/jid"
)

// Defaults for zero Config fields.
const (
	DefaultResource          = "offrecord"
	DefaultConnectTimeout    = 30 * time.Second
	DefaultKeepaliveInterval = 60 * time.Second
	DefaultKeepaliveTimeout  = 20 * time.Second
	DefaultReconnectMin      = time.Second
	DefaultReconnectMax      = 5 * time.Minute
	DefaultQueueLimit        = 1000
)

// Client keeps one XMPP account connected. Create it with New; all methods are safe for concurrent use.
type Client struct {
	cfg  Config
	h    Handler
	log  zerolog.Logger
	bare jid.JID
	tls  *tls.Config
	http *http.Client
	ev   *dispatcher
	// jitter returns a number in [0,1) for backoff jitter; replaced in tests.
	jitter func() float64
	// dialHook, when set (tests), replaces the TCP dial.
	dialHook func(ctx context.Context) (net.Conn, error)
	// connHook, when set (tests), wraps the connection handed to mellium.
	connHook func(net.Conn) net.Conn
	// ackHook, when set (tests), is called (on the session's Serve goroutine) after each XEP-0198 ack
	// from the server, with the number of stanzas still unacknowledged.
	ackHook func(unacked int)

	// sendMu serialises writes of queued kinds of stanzas (messages, receipts, markers) and the flush of
	// the queue after reconnecting, so that they leave in the order Send was called.
	sendMu sync.Mutex

	mu           sync.Mutex    // guards all fields below
	cur          *session      // current session; nil while disconnected
	online       bool          // cur is up and the queue was flushed: Send writes directly
	local        jid.JID       // bound full JID of the last session
	queue        []*outStanza  // stanzas waiting for a connection, oldest first
	sm           *smState      // stream management of the last session (nil: none, or it cannot be resumed)
	resumed      bool          // the current (or last) session resumed the one before (XEP-0198)
	closed       bool          // Close was called
	closeCh      chan struct{} // closed by Close
	running      bool          // Run is active
	runDone      chan struct{} // closed when Run returns (nil if Run never ran)
	roster       map[string]RosterItem
	presences    map[string]map[string]Presence // bare JID → full JID → last presence
	show, status string                         // our presence, restored after reconnect
	upload       *uploadService                 // discovered XEP-0363 service, nil until needed

	// firstDone is closed when the first connection attempt has ended, connected or not
	// (firstconnect.go); firstOnce closes it.
	firstDone chan struct{}
	firstOnce sync.Once

	histMu  sync.Mutex               // guards queries
	queries map[string]*pendingQuery // archive queries waiting for their answer, by query id (history.go)
}

// New checks cfg and returns a client that is not yet connected. Call Close when done with it.
func New(cfg Config, h Handler) (*Client, error) {
	if h == nil {
		return nil, errors.New("xmpp: a Handler is required")
	}
	bare, err := jid.Parse(cfg.JID)
	if err != nil || bare.Localpart() == "" {
		return nil, fmt.Errorf("xmpp: %q is not a valid account address (user@domain)", cfg.JID)
	}
	bare = bare.Bare()
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSRequired
	case TLSRequired, TLSDirect, TLSDisabled:
	default:
		return nil, fmt.Errorf("xmpp: unknown TLS mode %q (required, direct or disabled)", cfg.TLS)
	}
	if cfg.TLS != TLSDisabled {
		cfg.AllowPlainAuth = false // PLAIN over TLS is always allowed; the flag only concerns cleartext
	}
	if cfg.Server != "" {
		if _, _, err := net.SplitHostPort(cfg.Server); err != nil {
			return nil, fmt.Errorf("xmpp: server %q must be host:port", cfg.Server)
		}
	}
	setDefault(&cfg.Resource, DefaultResource)
	setDefault(&cfg.ConnectTimeout, DefaultConnectTimeout)
	setDefault(&cfg.KeepaliveInterval, DefaultKeepaliveInterval)
	setDefault(&cfg.KeepaliveTimeout, DefaultKeepaliveTimeout)
	setDefault(&cfg.ReconnectMin, DefaultReconnectMin)
	setDefault(&cfg.ReconnectMax, DefaultReconnectMax)
	setDefault(&cfg.QueueLimit, DefaultQueueLimit)
	if cfg.ReconnectMax < cfg.ReconnectMin {
		cfg.ReconnectMax = cfg.ReconnectMin
	}
	tc, err := tlsConfig(&cfg, bare.Domainpart())
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg:       cfg,
		h:         h,
		log:       cfg.Logger.With().Str("component", "xmpp").Str("account", bare.String()).Logger(),
		bare:      bare,
		tls:       tc,
		http:      newHTTPClient(tc),
		ev:        newDispatcher(),
		jitter:    rand.Float64,
		closeCh:   make(chan struct{}),
		firstDone: make(chan struct{}),
		roster:    map[string]RosterItem{},
		presences: map[string]map[string]Presence{},
	}
	return c, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// LocalJID returns the bound full JID (of the last session; zero before the first).
func (c *Client) LocalJID() jid.JID {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.local
}

// Connected reports whether a session is up and the outgoing queue was flushed.
func (c *Client) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.online
}

// state posts a connection state change to the handler.
func (c *Client) state(s ConnState, err error) {
	c.ev.post(func() { c.h.HandleConnState(s, err) })
}

// Close sends unavailable presence, closes the stream, stops Run and waits for it. Messages that did not
// reach the server (still queued, or never acknowledged) are reported as an *UndeliveredError to
// HandleError. Later calls return ErrClosed. The Handler gets a final StateDisconnected with a nil error, possibly after Close returned;
// Close may be called from a Handler method.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.closed = true
	close(c.closeCh)
	runDone := c.runDone
	c.mu.Unlock()

	if runDone != nil {
		<-runDone
	}
	had := c.hangUp(true)
	if had {
		c.state(StateDisconnected, nil)
	}
	c.reportUndelivered()
	c.ev.stop()
	return nil
}

// reportUndelivered empties the queue on Close and tells the handler which messages in it (queued, or
// never acknowledged by the server) did not go out.
func (c *Client) reportUndelivered() {
	c.mu.Lock()
	c.requeueLocked()
	queue := c.queue
	c.queue = nil
	c.mu.Unlock()
	var lost []UndeliveredMessage
	for _, o := range queue {
		if o.kind != outMessage {
			continue
		}
		to, _ := jid.Parse(o.to)
		lost = append(lost, UndeliveredMessage{ID: o.id, To: to})
	}
	if len(lost) == 0 {
		return
	}
	c.log.Warn().Int("count", len(lost)).Msg("Closed with messages the server never acknowledged")
	e := &UndeliveredError{Messages: lost}
	c.ev.post(func() { c.h.HandleError(e) })
}

// Done is closed once the client is closed and the Handler has returned from its last call, the events
// Close posts (such as an *UndeliveredError) included. Never wait on it from a Handler method.
func (c *Client) Done() <-chan struct{} { return c.ev.done }

// isClosed reports whether Close was called.
func (c *Client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}
