package otr

// State is where a session stands.
type State int

// Session states.
const (
	// StatePlaintext: no OTR; messages go in the clear (unless PolicyAlways).
	StatePlaintext State = iota
	// StateAwaiting: a key exchange runs (after Start, or after accepting a
	// request); messages sent meanwhile are held.
	StateAwaiting
	// StatePending: the peer asked for OTR; the local user must Accept or Deny.
	StatePending
	// StateEncrypted: messages are encrypted.
	StateEncrypted
	// StateRefreshing: encrypted, and a new key exchange runs; sends are held
	// and go out encrypted with the new keys.
	StateRefreshing
	// StateFinished: the peer ended the session; sends are refused until End or Start.
	StateFinished
)

// String names the value, e.g. for logs and notices.
func (s State) String() string {
	switch s {
	case StatePlaintext:
		return "plaintext"
	case StateAwaiting:
		return "awaiting"
	case StatePending:
		return "pending"
	case StateEncrypted:
		return "encrypted"
	case StateRefreshing:
		return "refreshing"
	case StateFinished:
		return "finished"
	}
	return "unknown"
}

// EventKind names an event.
type EventKind int

// Event kinds.
const (
	// EventStarted: we asked the peer for OTR (Start, or under PolicyAlways).
	EventStarted EventKind = iota + 1
	// EventPendingAcceptance: the peer asked for OTR; Accept or Deny.
	EventPendingAcceptance
	// EventAccepted: the local side accepted; the key exchange runs.
	EventAccepted
	// EventDeclined: the request was denied (Deny or acceptance timeout).
	EventDeclined
	// EventSecure: the session is encrypted.
	EventSecure
	// EventRefreshing: a new key exchange runs in an encrypted session.
	EventRefreshing
	// EventRefreshed: the session is encrypted with new keys.
	EventRefreshed
	// EventEnded: the local side ended the session; it is plaintext and forgotten.
	EventEnded
	// EventFinished: the peer ended the session; sends are refused until End.
	EventFinished
	// EventTimeout: a start, refresh or acceptance timed out, or the session idled out.
	EventTimeout
	// EventDiscarded: held messages were dropped (never sent in plaintext).
	EventDiscarded
	// EventRefused: a send was refused (policy always, or finished).
	EventRefused
	// EventUnencrypted: a plaintext message arrived while OTR was expected.
	EventUnencrypted
	// EventError: undecryptable, malformed or out-of-session data, or an OTR
	// error from the peer. The session state is unchanged.
	EventError
	// EventLimitExceeded: a limit was hit; the input was dropped.
	EventLimitExceeded
	// EventSMPAsked: the peer started SMP; AnswerSMP (Status.SMPQuestion has its question).
	EventSMPAsked
	// EventSMPInProgress: SMP advanced.
	EventSMPInProgress
	// EventSMPSucceeded: SMP proved the shared secret; the session is verified.
	EventSMPSucceeded
	// EventSMPFailed: the secrets differ.
	EventSMPFailed
	// EventSMPAborted: SMP was aborted (by either side, or a protocol error).
	EventSMPAborted
	// EventTrusted: the local user vouched for the peer's fingerprint.
	EventTrusted
)

var eventNames = map[EventKind]string{
	EventStarted: "started", EventPendingAcceptance: "pending_acceptance", EventAccepted: "accepted",
	EventDeclined: "declined", EventSecure: "secure", EventRefreshing: "refreshing",
	EventRefreshed: "refreshed", EventEnded: "ended", EventFinished: "finished",
	EventTimeout: "timeout", EventDiscarded: "discarded", EventRefused: "refused",
	EventUnencrypted: "unencrypted", EventError: "error", EventLimitExceeded: "limit_exceeded",
	EventSMPAsked: "smp_asked", EventSMPInProgress: "smp_in_progress", EventSMPSucceeded: "smp_succeeded",
	EventSMPFailed: "smp_failed", EventSMPAborted: "smp_aborted", EventTrusted: "trusted",
}

// String names the value, e.g. for logs and notices.
func (k EventKind) String() string {
	if n, ok := eventNames[k]; ok {
		return n
	}
	return "unknown"
}

// Event reports something that happened to a session. It never carries
// message plaintext, SMP secrets or questions, or key material.
type Event struct {
	Account string
	Peer    string
	Kind    EventKind
	// State is the session's state after the event.
	State State
	// Version is the OTR protocol version in use (3 or 2), 0 when none.
	Version int
	// OwnFingerprint and PeerFingerprint are in the 5×8 hex form, or empty.
	OwnFingerprint  string
	PeerFingerprint string
	// Verified: SMP succeeded in this session. Trusted: the local user vouched.
	Verified bool
	Trusted  bool
	// Text is a short human explanation, safe to show and to log.
	Text string
	// Err is the matching sentinel error, if any.
	Err error
}

// Status describes a session at one moment.
type Status struct {
	State           State
	Version         int
	OwnFingerprint  string
	PeerFingerprint string
	Verified        bool
	Trusted         bool
	// SMPQuestion is the peer's question while an SMP request awaits AnswerSMP.
	// It came from the peer inside the encrypted channel: show it, never log it.
	SMPQuestion string
	// SMPPending: the peer started SMP and waits for AnswerSMP.
	SMPPending bool
}

// Incoming is the result of Receive.
type Incoming struct {
	// Plaintext is text to show the local user, nil when there is none.
	Plaintext []byte
	// Encrypted: Plaintext came out of an encrypted OTR data message.
	Encrypted bool
	// OTR: the wire text was OTR protocol (query, tag, key exchange, data,
	// fragment, error). When false it was a plain message, passed through.
	OTR bool
}
