package otr

import "errors"

// Sentinel errors returned by the Manager; compare with errors.Is.
var (
	// ErrClosed is returned by every method after Manager.Close.
	ErrClosed = errors.New("otr: manager closed")
	// ErrDisabled is returned when the policy is PolicyNever and OTR is asked for.
	ErrDisabled = errors.New("otr: OTR is disabled by policy")
	// ErrNoSession is returned when an operation needs a session that does not exist.
	ErrNoSession = errors.New("otr: no OTR session with this peer")
	// ErrNotPending is returned by Accept and Deny when no request awaits acceptance.
	ErrNotPending = errors.New("otr: no OTR request is pending")
	// ErrNotEncrypted is returned when an operation needs an encrypted session.
	ErrNotEncrypted = errors.New("otr: the session is not encrypted")
	// ErrFinished is returned by Send after the peer ended the session; End or
	// Start must acknowledge it first.
	ErrFinished = errors.New("otr: the peer ended the private conversation; end or restart it first")
	// ErrEncryptionRequired is returned by Send under PolicyAlways while no
	// session is encrypted: the message is refused, never sent in plaintext.
	ErrEncryptionRequired = errors.New("otr: policy requires encryption; message not sent")
	// ErrTooManySessions is returned when a session limit would be exceeded.
	ErrTooManySessions = errors.New("otr: too many OTR sessions")
	// ErrRateLimited is returned when a peer starts key exchanges too often.
	ErrRateLimited = errors.New("otr: too many key exchange attempts from this peer")
	// ErrMessageTooLarge is returned for messages, received or to send, over the size limit.
	ErrMessageTooLarge = errors.New("otr: message too large")
	// ErrTooManyFragments is returned when a peer announces more fragments than allowed.
	ErrTooManyFragments = errors.New("otr: too many fragments")
	// ErrTooManyHeld is returned when too many messages wait for a key exchange.
	ErrTooManyHeld = errors.New("otr: too many messages waiting for encryption")
	// ErrBadFragment is returned for a fragment that cannot be parsed.
	ErrBadFragment = errors.New("otr: malformed fragment")
	// ErrUnreadable is returned for an encrypted message that could not be decrypted.
	ErrUnreadable = errors.New("otr: unreadable encrypted message")
	// ErrMalformed is returned for an OTR message that could not be parsed.
	ErrMalformed = errors.New("otr: malformed OTR message")
	// ErrNotInPrivate is returned for encrypted data received outside a session.
	ErrNotInPrivate = errors.New("otr: encrypted message received outside a private conversation")
	// ErrPeerError is returned when the peer sent an OTR error message.
	ErrPeerError = errors.New("otr: the peer reported an OTR error")
	// ErrNoSMPRequest is returned by AnswerSMP when the peer asked nothing.
	ErrNoSMPRequest = errors.New("otr: no SMP request awaits an answer")
	// ErrEmptySecret is returned for an empty SMP secret.
	ErrEmptySecret = errors.New("otr: the SMP secret is empty")
)
