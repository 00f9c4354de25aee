package xmpp

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"

	"mellium.im/xmpp/stream"
)

// peekConn records whether the server has sent anything, and its first bytes, so that a failed
// negotiation can be told apart: a server that never answered, or one that speaks TLS from the first
// byte while we speak XML.
type peekConn struct {
	net.Conn

	mu    sync.Mutex // guards first
	first []byte     // up to 2 first bytes read
}

func (p *peekConn) Read(b []byte) (int, error) {
	n, err := p.Conn.Read(b)
	if n > 0 {
		p.mu.Lock()
		if len(p.first) < 2 {
			p.first = append(p.first, b[:min(n, 2-len(p.first))]...)
		}
		p.mu.Unlock()
	}
	return n, err
}

// received returns the first bytes the server sent (nil: nothing yet).
func (p *peekConn) received() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]byte(nil), p.first...)
}

// connectError builds a ConnectError for this client.
func (c *Client) connectError(kind error, addr string, cause error) *ConnectError {
	return &ConnectError{Kind: kind, Domain: c.bare.Domainpart(), Addr: addr, TLS: c.cfg.TLS, Err: cause}
}

// dialError classifies a failed TCP dial.
func (c *Client) dialError(ctx context.Context, addr string, err error) error {
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return c.connectError(ErrDomainUnknown, "", err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return c.connectError(ErrRefused, addr, err)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return c.timeoutError(addr, false, err)
	}
	return c.connectError(ErrHostUnknown, addr, err)
}

func (c *Client) timeoutError(addr string, answered bool, cause error) error {
	e := c.connectError(ErrTimeout, addr, cause)
	e.Timeout, e.Answered = c.cfg.ConnectTimeout, answered
	return e
}

// handshakeError classifies a failed direct-TLS handshake.
func (c *Client) handshakeError(ctx context.Context, addr string, err error) error {
	var rh tls.RecordHeaderError
	switch {
	case errors.As(err, &rh):
		// The server answered with something that is not TLS: plain XMPP, i.e. a STARTTLS port.
		e := c.connectError(ErrTLSMismatch, addr, err)
		e.Expected = TLSRequired
		return e
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return c.timeoutError(addr, false, err)
	}
	return classify(ErrTLS, err)
}

// negotiationError classifies a failed stream negotiation: host-unknown from the server, a TLS mode
// the server does not speak, a server that does not answer in time.
func (c *Client) negotiationError(ctx context.Context, addr string, st *negState, pc *peekConn, err error) error {
	got := pc.received()
	var se stream.Error
	switch {
	case errors.Is(err, ErrTLSRequired):
		return c.connectError(ErrTLSRequired, addr, nil)
	case errors.As(err, new(*ConnectError)), isClassified(err):
		return err
	case errors.As(err, &se) && se.Err == stream.HostUnknown.Err:
		e := c.connectError(ErrDomainUnknown, addr, err)
		e.ByServer = true
		return e
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		// Checked before the guesses below: our own timeout closes the connection too.
		return c.timeoutError(addr, len(got) > 0, err)
	case c.cfg.TLS == TLSDisabled && st.tlsOffered && (st.tlsRequired || strings.Contains(err.Error(), "out of order")):
		// The server offered only STARTTLS, which we do not do with tls: disabled.
		e := c.connectError(ErrTLSMismatch, addr, err)
		e.Expected = TLSRequired
		return e
	case c.cfg.TLS != TLSDirect && (len(got) > 0 && (got[0] == 0x15 || got[0] == 0x16) ||
		len(got) == 0 && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF))):
		// A TLS record (alert or handshake) in answer to our stream header, or the connection closed
		// without a byte: what a direct-TLS port does with plain XML.
		e := c.connectError(ErrTLSMismatch, addr, err)
		e.Expected = TLSDirect
		return e
	}
	return err
}
