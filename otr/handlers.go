package otr

import (
	"github.com/coyim/otr3"
)

// otr3 calls these synchronously from inside Conversation methods, which the
// session only calls with its mutex held: they may touch the session freely.

var (
	_ otr3.SecurityEventHandler = securityHandler{}
	_ otr3.SMPEventHandler      = smpHandler{}
	_ otr3.MessageEventHandler  = messageHandler{}
	_ otr3.ErrorMessageHandler  = errorTextHandler{}
)

type securityHandler struct{ s *session }

func (h securityHandler) HandleSecurityEvent(e otr3.SecurityEvent) {
	h.s.security = append(h.s.security, e)
}

type smpHandler struct{ s *session }

func (h smpHandler) HandleSMPEvent(e otr3.SMPEvent, _ int, _ string) {
	s := h.s
	switch e {
	case otr3.SMPEventAskForSecret, otr3.SMPEventAskForAnswer:
		s.smpAsked = true
		s.event(EventSMPAsked, "the peer wants to verify you with a shared secret; answer with the secret", nil)
	case otr3.SMPEventInProgress:
		s.event(EventSMPInProgress, "verification in progress", nil)
	case otr3.SMPEventSuccess:
		s.smpAsked = false
		s.verified = true
		s.event(EventSMPSucceeded, "verification succeeded: the peer knows the shared secret", nil)
	case otr3.SMPEventFailure:
		// The peer does not know the secret (or it was mistyped): neither an
		// earlier verification nor a fingerprint vouched for still holds.
		s.smpAsked, s.verified, s.trusted = false, false, false
		s.event(EventSMPFailed, "verification failed: the secrets differ", nil)
	case otr3.SMPEventAbort:
		s.smpAsked, s.verified = false, false
		s.event(EventSMPAborted, "verification aborted", nil)
	case otr3.SMPEventCheated, otr3.SMPEventError:
		s.smpAsked, s.verified, s.trusted = false, false, false
		s.event(EventSMPAborted, "verification aborted after a protocol error", nil)
	}
}

type messageHandler struct{ s *session }

func (h messageHandler) HandleMessageEvent(e otr3.MessageEvent, _ []byte, _ error, _ ...interface{}) {
	s := h.s
	switch e {
	case otr3.MessageEventReceivedMessageUnreadable:
		s.msgErr = ErrUnreadable
		s.event(EventError, "an encrypted message could not be read and was dropped", ErrUnreadable)
	case otr3.MessageEventReceivedMessageMalformed, otr3.MessageEventReceivedMessageUnrecognized:
		s.msgErr = ErrMalformed
		s.event(EventError, "a malformed OTR message was dropped", ErrMalformed)
	case otr3.MessageEventReceivedMessageNotInPrivate:
		s.notInPrivate()
	case otr3.MessageEventReceivedMessageForOtherInstance:
		// A data message addressed to another instance of ours, with no
		// encrypted session: one for a conversation we no longer have (our
		// process restarted and otr3 picked a new instance tag). Say so, as
		// for data outside a private conversation. Key exchange messages of
		// another peer instance, and stale data during a session, are
		// dropped quietly, as libotr does.
		if s.inData && !s.private() {
			s.notInPrivate()
		}
	case otr3.MessageEventReceivedMessageGeneralError:
		s.msgErr = ErrPeerError
		s.event(EventError, "the peer reported an OTR error", ErrPeerError)
	case otr3.MessageEventReceivedMessageUnencrypted:
		s.event(EventUnencrypted, "an unencrypted message arrived during a private conversation", nil)
	case otr3.MessageEventMessageReflected:
		s.event(EventError, "the peer reflected our own key exchange back", ErrMalformed)
	}
}

// private reports whether the session is encrypted (possibly refreshing).
func (s *session) private() bool {
	return s.state == StateEncrypted || s.state == StateRefreshing
}

// notInPrivate reports encrypted data that belongs to no session of ours and
// tells the peer, as libotr does (otr3 stays silent here).
func (s *session) notInPrivate() {
	s.msgErr = ErrNotInPrivate
	s.event(EventError, "an encrypted message arrived outside a private conversation and was dropped", ErrNotInPrivate)
	s.wire(otr3.ValidMessage("?OTR Error: " + errorText(otr3.ErrorCodeMessageNotInPrivate)))
}

type errorTextHandler struct{}

func (errorTextHandler) HandleErrorMessage(c otr3.ErrorCode) []byte {
	return []byte(errorText(c))
}

// errorText is the human part of the OTR error messages we send, in libotr's words.
func errorText(c otr3.ErrorCode) string {
	switch c {
	case otr3.ErrorCodeEncryptionError:
		return "Error occurred encrypting message."
	case otr3.ErrorCodeMessageUnreadable:
		return "You transmitted an unreadable encrypted message."
	case otr3.ErrorCodeMessageMalformed:
		return "You transmitted a malformed data message."
	case otr3.ErrorCodeMessageNotInPrivate:
		return "You sent encrypted data which was unexpected."
	}
	return "OTR error."
}
