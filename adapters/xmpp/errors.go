package xmpp

import (
	"errors"
	"fmt"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// Sentinel errors, checked with errors.Is. Each is one user-facing sentence and never holds a password.
var (
	ErrAuth        = errors.New("xmpp: the server refused the user name or password")
	ErrHostUnknown = errors.New("xmpp: the server could not be found or reached")
	// ErrDomainUnknown and ErrRefused also match ErrHostUnknown.
	ErrDomainUnknown = errors.New("xmpp: no XMPP server is known for the domain")
	ErrRefused       = errors.New("xmpp: the server refused the connection")
	ErrTimeout       = errors.New("xmpp: the server did not answer in time")
	ErrTLSMismatch   = errors.New("xmpp: the server speaks another TLS mode than the configured one")
	ErrTLS           = errors.New("xmpp: the secure connection to the server failed (certificate refused or TLS handshake error)")
	ErrTLSRequired   = errors.New("xmpp: the server does not offer TLS, which is required")
	ErrQueueFull     = errors.New("xmpp: too many messages are waiting to be sent")
	ErrClosed        = errors.New("xmpp: the client is closed")
	ErrNotConnected  = errors.New("xmpp: not connected to the server")
	ErrNoUpload      = errors.New("xmpp: the server offers no file upload service")
	ErrTooLarge      = errors.New("xmpp: the file is larger than allowed")
	ErrKeepalive     = errors.New("xmpp: the server stopped answering pings")
	ErrLinkRefused   = errors.New("xmpp: the link points to a local or private network address, which is not fetched")
	ErrAvatarRefused = errors.New("xmpp: the contact's avatar is not used")
	// Archive (XEP-0313) queries: no archive on the server, a position it does not know, a page too large.
	ErrHistoryUnsupported = errors.New("xmpp: the server keeps no message archive")
	ErrHistoryPosition    = errors.New("xmpp: the message archive does not know the position asked for")
	ErrHistoryPage        = errors.New("xmpp: the message archive sent more results than a page holds")
)

// classified is an error of one sentinel kind with its technical cause.
type classified struct {
	kind  error
	cause error
}

func classify(kind, cause error) error {
	if cause == nil || errors.Is(cause, kind) {
		if cause == nil {
			return kind
		}
		return cause
	}
	return &classified{kind: kind, cause: cause}
}

// Error gives the sentinel sentence followed by the technical cause.
func (e *classified) Error() string { return fmt.Sprintf("%v (%v)", e.kind, e.cause) }

// Is reports the sentinel kind.
func (e *classified) Is(target error) bool { return target == e.kind }

// Unwrap returns the technical cause.
func (e *classified) Unwrap() error { return e.cause }

// ConnectError is a failed connection attempt with what a person needs to act on it. Connect returns
// it for ErrDomainUnknown, ErrRefused, ErrHostUnknown, ErrTimeout, ErrTLSMismatch and ErrTLSRequired.
// It matches (errors.Is) its Kind, and ErrHostUnknown when Kind is ErrDomainUnknown or ErrRefused.
type ConnectError struct {
	Kind     error         // one of the sentinels above
	Domain   string        // the account's domain
	Addr     string        // the host:port dialed, "" when none was reached
	TLS      TLSMode       // the configured TLS mode
	Expected TLSMode       // ErrTLSMismatch: the mode the server seems to speak
	ByServer bool          // ErrDomainUnknown: the server said so (host-unknown), not DNS
	Timeout  time.Duration // ErrTimeout: the limit that ran out
	Answered bool          // ErrTimeout: the server sent something, but did not finish the login
	Err      error         // the technical cause
}

// Error gives the kind, the address and the technical cause.
func (e *ConnectError) Error() string {
	msg := e.Kind.Error()
	if e.Addr != "" {
		msg += " (" + e.Addr + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is reports the kind (and ErrHostUnknown for the kinds it covers).
func (e *ConnectError) Is(target error) bool {
	return target == e.Kind || target == ErrHostUnknown && (e.Kind == ErrDomainUnknown || e.Kind == ErrRefused)
}

// Unwrap returns the technical cause.
func (e *ConnectError) Unwrap() error { return e.Err }

// StanzaError is an error stanza a contact or server sent in reply to one of our messages.
// It is passed to Handler.HandleError.
type StanzaError struct {
	From jid.JID      // who sent the error
	ID   string       // id of our message it refers to
	Err  stanza.Error // the condition and text
}

// Error describes the bounce.
func (e *StanzaError) Error() string {
	return fmt.Sprintf("xmpp: %s could not take message %q: %v", e.From, e.ID, e.Err.Condition)
}

// Unwrap returns the stanza.Error.
func (e *StanzaError) Unwrap() error { return e.Err }

// ReconnectError tells, with StateReconnecting, why and when the next attempt will be made.
type ReconnectError struct {
	Attempt int           // 1 for the first retry
	After   time.Duration // wait before the attempt
	Err     error         // why the previous attempt or session failed
}

// Error describes the wait and its cause.
func (e *ReconnectError) Error() string {
	return fmt.Sprintf("xmpp: reconnecting in %v (attempt %d) after: %v", e.After.Round(time.Millisecond), e.Attempt, e.Err)
}

// Unwrap returns the cause.
func (e *ReconnectError) Unwrap() error { return e.Err }

// MalformedError says that an incoming stanza was skipped because it could not be understood.
type MalformedError struct {
	Stanza string // "message", "presence", "iq"
	ID     string
	Err    error
}

// Error describes the skipped stanza without its content.
func (e *MalformedError) Error() string {
	return fmt.Sprintf("xmpp: skipped a malformed %s stanza %q: %v", e.Stanza, e.ID, e.Err)
}

// Unwrap returns the cause.
func (e *MalformedError) Unwrap() error { return e.Err }

var errBadShow = errors.New("show must be empty, away, chat, dnd or xa")

// Stream management (XEP-0198) faults.
var (
	errNoAck   = errors.New("xmpp: the server stopped acknowledging our stanzas")
	errSMCount = errors.New("xmpp: the server's stream management count is ahead of ours")
)

// UndeliveredError tells the Handler (through HandleError) about messages from Send that, as far as the
// client knows, never reached the server: the client was closed while they were still queued, or
// written but not acknowledged (XEP-0198). The messages are in the order they were sent.
type UndeliveredError struct {
	Messages []UndeliveredMessage
}

// UndeliveredMessage is one message of an UndeliveredError.
type UndeliveredMessage struct {
	ID string  // the id Send returned
	To jid.JID // the recipient
}

// Error says how many messages were not delivered.
func (e *UndeliveredError) Error() string {
	return fmt.Sprintf("xmpp: %d message(s) may not have reached the server before the connection was closed", len(e.Messages))
}
