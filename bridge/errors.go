package bridge

import (
	"errors"
	"fmt"
	"strings"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// errLinkFromStranger: a link from someone not in the roster, with
// xmpp.download_from: contacts, is not downloaded (it stays in the message).
var errLinkFromStranger = errors.New("the link comes from someone not in your contacts and is not on your server, so it is not downloaded")

// userMessage turns an adapter error into one sentence for the Matrix user.
func userMessage(err error) string {
	var ce *xmppad.ConnectError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ce):
		return connectMessage(ce)
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

// connectMessage is the one sentence for a failed connection: what happened,
// where, and what to do about it (the user, or the bridge admin for settings).
func connectMessage(e *xmppad.ConnectError) string {
	at := "at " + e.Addr
	if e.Addr == "" {
		at = "for " + e.Domain
	}
	switch {
	case errors.Is(e.Kind, xmppad.ErrDomainUnknown) && e.ByServer:
		return fmt.Sprintf("The XMPP server %s does not serve the domain %s; check the part of your address after the @.", at, e.Domain)
	case errors.Is(e.Kind, xmppad.ErrDomainUnknown):
		return fmt.Sprintf("No XMPP server was found for the domain %s; check the part of your address after the @.", e.Domain)
	case errors.Is(e.Kind, xmppad.ErrRefused):
		return fmt.Sprintf("The XMPP server %s refused the connection; it may be down or listening on another port.", at)
	case errors.Is(e.Kind, xmppad.ErrTimeout) && e.Answered:
		return fmt.Sprintf("The XMPP server %s did not finish the login within %v.", at, e.Timeout)
	case errors.Is(e.Kind, xmppad.ErrTimeout):
		return fmt.Sprintf("The XMPP server %s did not answer within %v.", at, e.Timeout)
	case errors.Is(e.Kind, xmppad.ErrTLSRequired):
		return fmt.Sprintf("The XMPP server %s does not offer TLS, and this bridge only logs in over an encrypted connection.", at)
	case errors.Is(e.Kind, xmppad.ErrTLSMismatch) && e.Expected == xmppad.TLSDirect:
		return fmt.Sprintf("The XMPP server %s does not answer plain XMPP and seems to expect direct TLS; the bridge admin should set network.xmpp.tls to direct, or network.xmpp.server to the server's STARTTLS port.", at)
	case errors.Is(e.Kind, xmppad.ErrTLSMismatch) && e.TLS == xmppad.TLSDirect:
		return fmt.Sprintf("The XMPP server %s speaks STARTTLS, not direct TLS; the bridge admin should set network.xmpp.tls to required, or network.xmpp.server to the server's direct-TLS port.", at)
	case errors.Is(e.Kind, xmppad.ErrTLSMismatch):
		return fmt.Sprintf("The XMPP server %s requires STARTTLS, but this bridge is set to connect without TLS; the bridge admin should set network.xmpp.tls to required.", at)
	}
	return fmt.Sprintf("The XMPP server %s could not be reached.", at)
}

// lowerFirst lower-cases the first letter, to continue a sentence.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
