package xmpp

import "errors"

// Sentinel errors, checked with errors.Is. Each is one user-facing sentence and never holds a password.
var (
	ErrAuth         = errors.New("xmpp: the server refused the user name or password")
	ErrHostUnknown  = errors.New("xmpp: the server could not be found or reached")
	ErrTLS          = errors.New("xmpp: the secure connection to the server failed (certificate refused or TLS handshake error)")
	ErrTLSRequired  = errors.New("xmpp: the server does not offer TLS, which is required")
	ErrQueueFull    = errors.New("xmpp: too many messages are waiting to be sent")
	ErrClosed       = errors.New("xmpp: the client is closed")
	ErrNotConnected = errors.New("xmpp: not connected to the server")
)
