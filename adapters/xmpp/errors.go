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
	ErrAuth         = errors.New("xmpp: the server refused the user name or password")
	ErrHostUnknown  = errors.New("xmpp: the server could not be found or reached")
	ErrTLS          = errors.New("xmpp: the secure connection to the server failed (certificate refused or TLS handshake error)")
	ErrTLSRequired  = errors.New("xmpp: the server does not offer TLS, which is required")
	ErrQueueFull    = errors.New("xmpp: too many messages are waiting to be sent")
	ErrClosed       = errors.New("xmpp: the client is closed")
	ErrNotConnected = errors.New("xmpp: not connected to the server")
	ErrNoUpload     = errors.New("xmpp: the server offers no file upload service")
	ErrTooLarge     = errors.New("xmpp: the file is larger than allowed")
	ErrKeepalive    = errors.New("xmpp: the server stopped answering pings")
	ErrLinkRefused  = errors.New("xmpp: the link points to a local or private network address, which is not fetched")
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
