package bridge

import (
	"errors"
	"strings"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// userMessage turns an adapter error into one sentence for the Matrix user.
func userMessage(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, xmppad.ErrAuth):
		return "The XMPP server refused the address or password."
	case errors.Is(err, xmppad.ErrHostUnknown):
		return "The XMPP server could not be found or reached."
	case errors.Is(err, xmppad.ErrTLSRequired):
		return "The XMPP server does not offer TLS, which this bridge requires."
	case errors.Is(err, xmppad.ErrTLS):
		return "The XMPP server's certificate was refused or the TLS handshake failed."
	case errors.Is(err, xmppad.ErrQueueFull):
		return "Too many messages are waiting for the XMPP connection to come back."
	case errors.Is(err, xmppad.ErrNotConnected), errors.Is(err, xmppad.ErrClosed):
		return "The XMPP connection is down."
	}
	msg := strings.TrimPrefix(err.Error(), "xmpp: ")
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}
