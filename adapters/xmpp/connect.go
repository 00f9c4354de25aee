package xmpp

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"mellium.im/xmpp"
)

// session is one established stream.
type session struct {
	xs      *xmpp.Session // write only through write/encode/handlerWriter (see write.go)
	raw     net.Conn      // the TCP connection; closing it ends Serve
	done    chan struct{} // closed when Serve has returned and raw is closed
	started time.Time     // when the stream was established

	// sm is the stream management state, nil without XEP-0198; set before the first counted write
	// (with <enable/>, or before Serve for a resumed session) and never changed afterwards.
	sm         atomic.Pointer[smState]
	ackTimeout time.Duration // how long a writer waits for room in a full unacknowledged list

	iqs iqWaiters // IQ requests waiting for their answer

	// handling is held by the stanza handler from a stanza's start until it is counted, and by
	// ackFinal, so that the last ack covers every stanza whose events were posted. closing (guarded
	// by handling) is set by ackFinal: later stanzas are left to the server, which keeps them as
	// unacknowledged, and are neither posted nor counted.
	handling sync.Mutex
	closing  bool

	errMu sync.Mutex // guards err
	err   error      // the first reason the session ended
}

// fail records why the session ends (first reason wins) and closes the connection.
func (s *session) fail(err error) {
	s.errMu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.errMu.Unlock()
	_ = s.raw.Close()
}

func (s *session) cause() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

// Connect makes the first connection synchronously: dial, TLS, SASL, bind, carbons, roster, presence.
// It returns a classified error (ErrAuth, ErrHostUnknown, ErrTLS, ErrTLSRequired, …); the login flow
// uses it to validate credentials. Run keeps the session up afterwards.
func (c *Client) Connect(ctx context.Context) error {
	c.mu.Lock()
	switch {
	case c.closed:
		c.mu.Unlock()
		return ErrClosed
	case c.cur != nil:
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	c.state(StateConnecting, nil)
	err := c.connect(ctx)
	switch {
	case err == nil:
	case errors.Is(err, ErrAuth):
		c.state(StateLoggedOut, err)
	default:
		c.state(StateDisconnected, err)
	}
	return err
}

// connect establishes a session and makes it current. The first call ends the first attempt
// (AwaitFirstConnect), whatever its outcome.
func (c *Client) connect(ctx context.Context) error {
	defer c.endFirstAttempt()
	ctx, cancel := context.WithTimeout(ctx, c.cfg.ConnectTimeout)
	defer cancel()
	start := time.Now()

	raw, conn, addr, err := c.dial(ctx)
	if err != nil {
		return err
	}
	// mellium must not set deadlines (see guardConn): ctx is enforced by closing the connection, until
	// the session is fully set up.
	end := watch(ctx, func() { _ = raw.Close() })
	pc := &peekConn{Conn: conn}
	var mc net.Conn = guardConn{pc}
	if c.connHook != nil {
		mc = c.connHook(mc)
	}
	st := &negState{}
	c.mu.Lock()
	prev := c.sm
	c.mu.Unlock()
	if prev.resumable() {
		st.resume = prev
	}
	xs, err := c.negotiate(ctx, mc, st)
	if err != nil {
		end()
		_ = raw.Close()
		return c.negotiationError(ctx, addr, st, pc, err)
	}
	s := &session{xs: xs, raw: raw, done: make(chan struct{}), started: time.Now(), ackTimeout: c.cfg.KeepaliveTimeout}
	if st.resumed {
		s.sm.Store(prev)
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		end()
		_ = raw.Close()
		return ErrClosed
	}
	c.cur = s
	c.local = xs.LocalAddr()
	c.resumed = st.resumed
	requeued := 0
	if !st.resumed {
		// A new session: what the last one's server never acknowledged goes first in the queue, and
		// the presences come anew after our initial presence.
		requeued = c.requeueLocked()
		c.presences = map[string]map[string]Presence{}
	}
	c.mu.Unlock()
	log := c.log.With().Str("jid", xs.LocalAddr().String()).Logger()
	switch {
	case st.resumed:
		log.Info().Int("resent", st.resent).Int("unacked", prev.pending()).Msg("Stream resumed")
	case st.resume != nil:
		log.Info().Str("condition", st.resumeFailed).Str("note", st.resumeNote).Int("requeued", requeued).
			Msg("Stream could not be resumed; new session")
	case requeued > 0:
		log.Info().Int("requeued", requeued).Msg("New session; unacknowledged messages queued again")
	}

	go func() {
		err := xs.Serve(&stanzaHandler{c: c, s: s})
		if err == nil {
			err = errors.New("xmpp: the server closed the stream")
		}
		s.fail(err)
		s.iqs.stop(s.cause())
		close(s.done)
	}()

	switch {
	case st.resumed:
		// The server kept our presence, carbons and roster; only what was queued meanwhile is new.
		err = c.flush(ctx, s)
	case st.smOffered:
		if err = c.enableSM(ctx, s); err == nil {
			err = c.setup(ctx, s)
		}
	default:
		err = c.setup(ctx, s)
	}
	if end() {
		// ctx ended before the setup was over: the connection is closed.
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = c.timeoutError(addr, true, ctx.Err())
		} else {
			err = ctx.Err()
		}
	}
	if err != nil {
		s.fail(err)
		<-s.done
		c.mu.Lock()
		if c.cur == s {
			c.cur, c.online = nil, false
		}
		c.mu.Unlock()
		return err
	}
	// Only now: Connected means that the queue was flushed and Send writes directly.
	c.state(StateConnected, nil)
	go c.keepalive(s)
	log.Info().Dur("took", time.Since(start)).Msg("Connected")
	return nil
}

func isClassified(err error) bool {
	for _, k := range []error{ErrAuth, ErrHostUnknown, ErrTLS, ErrTLSRequired} {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

// setup runs after binding: carbons, roster, initial presence, queue flush. The caller enforces ctx.
func (c *Client) setup(ctx context.Context, s *session) error {
	if err := c.enableCarbons(ctx, s); err != nil {
		c.log.Warn().Err(err).Msg("Server refused message carbons")
	}
	items, err := c.fetchRoster(ctx, s)
	if err != nil {
		if ctx.Err() != nil || isConnErr(err) {
			return err
		}
		c.log.Warn().Err(err).Msg("Roster fetch failed")
	}
	c.ev.post(func() { c.h.HandleRoster(items, false) })
	c.mu.Lock()
	show, status := c.show, c.status
	c.mu.Unlock()
	if err := c.sendPresence(ctx, s, show, status); err != nil {
		return err
	}
	return c.flush(ctx, s)
}

// isConnErr reports errors of the connection itself (as opposed to an error stanza).
func isConnErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, net.ErrClosed)
}

// dial opens the TCP (and for direct TLS the TLS) connection. raw is the TCP connection, addr the
// host:port dialed.
func (c *Client) dial(ctx context.Context) (raw, conn net.Conn, addr string, err error) {
	if c.dialHook != nil {
		raw, err = c.dialHook(ctx)
		return raw, raw, "", err
	}
	addr = c.cfg.Server
	if addr == "" {
		addr = c.lookupServer(ctx)
	}
	var d net.Dialer
	raw, err = d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, addr, c.dialError(ctx, addr, err)
	}
	if c.cfg.TLS != TLSDirect {
		return raw, raw, addr, nil
	}
	cfg := c.tls.Clone()
	cfg.NextProtos = []string{"xmpp-client"}
	tc := tls.Client(raw, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = raw.Close()
		return nil, nil, addr, c.handshakeError(ctx, addr, err)
	}
	return raw, tc, addr, nil
}

// lookupServer finds host:port by the XMPP SRV records (RFC 6120 §3.2, XEP-0368), falling back to the
// domain on the standard port.
func (c *Client) lookupServer(ctx context.Context) string {
	domain := c.bare.Domainpart()
	service, port := "xmpp-client", 5222
	if c.cfg.TLS == TLSDirect {
		service, port = "xmpps-client", 5223
	}
	if domain != "localhost" && net.ParseIP(domain) == nil {
		lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		_, addrs, err := net.DefaultResolver.LookupSRV(lctx, service, "tcp", domain)
		if err == nil && len(addrs) > 0 && addrs[0].Target != "." {
			return net.JoinHostPort(trimDot(addrs[0].Target), strconv.Itoa(int(addrs[0].Port)))
		}
	}
	return net.JoinHostPort(domain, strconv.Itoa(port))
}

func trimDot(s string) string {
	if len(s) > 0 && s[len(s)-1] == '.' {
		return s[:len(s)-1]
	}
	return s
}

// negotiate runs stream negotiation: STARTTLS (when required), SASL, bind. st records what the
// server offered, for negotiationError.
func (c *Client) negotiate(ctx context.Context, conn net.Conn, st *negState) (*xmpp.Session, error) {
	var features []xmpp.StreamFeature
	var state xmpp.SessionState
	switch c.cfg.TLS {
	case TLSRequired:
		features = append(features, startTLS(c.tls, st))
	case TLSDisabled:
		features = append(features, startTLSSeen(st))
	}
	if c.cfg.TLS != TLSRequired {
		// Direct TLS is secure already. Without TLS mellium would offer no SASL unless told the stream
		// is secure; which mechanisms are acceptable in cleartext is decided in mechanisms().
		state = xmpp.Secure
	}
	features = append(features, saslFeature(&c.cfg), bindFeature(c.cfg.Resource, st))
	return xmpp.NewSession(ctx, c.bare.Domain(), c.bare, conn, state,
		xmpp.NewNegotiator(func(*xmpp.Session, *xmpp.StreamConfig) xmpp.StreamConfig {
			return xmpp.StreamConfig{Features: features}
		}))
}

// hangUp ends the current session: with graceful, it sends unavailable presence and closes the stream,
// waiting briefly for the server to close its side (and send its last ack). Closing the stream ends
// the server's session, so what it did not acknowledge is queued again. It reports whether there was
// a session.
func (c *Client) hangUp(graceful bool) bool {
	c.mu.Lock()
	s := c.cur
	c.cur, c.online = nil, false
	c.presences = map[string]map[string]Presence{}
	c.mu.Unlock()
	if s == nil {
		return false
	}
	if graceful {
		// At most 2 s in all, even if a write is stuck: then the connection is closed.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		end := watch(ctx, func() { s.fail(ErrClosed) })
		// A last ack first: the server would otherwise take what we handled
		// since our last <a/> for undelivered, and store it offline for our
		// next session (XEP-0198 §4), which delivers it a second time.
		s.ackFinal()
		_ = s.encode(ctx, presenceUnavailable(), outOther, "", "")
		_ = s.xs.Close() // mellium's SetCloseDeadline races with Serve; our own timeout follows
		select {
		case <-s.done:
		case <-ctx.Done():
		}
		end()
		cancel()
	}
	s.fail(ErrClosed)
	<-s.done
	if graceful {
		c.mu.Lock()
		c.requeueLocked()
		c.mu.Unlock()
	}
	return true
}
