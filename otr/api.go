package otr

import (
	"errors"

	"github.com/coyim/otr3"
)

// Start asks the peer for an OTR conversation (a query message) and waits
// for it, up to Config.StartTimeout. On an encrypted session it refreshes;
// on a pending request it accepts.
func (m *Manager) Start(account, peer string) error {
	if m.cfg.Policy == PolicyNever {
		return ErrDisabled
	}
	return m.with(account, peer, true, (*session).start)
}

// Accept accepts the peer's pending OTR request.
func (m *Manager) Accept(account, peer string) error {
	return m.with(account, peer, false, (*session).accept)
}

// Deny declines the peer's pending OTR request and tells the peer so in a
// plain message. Messages held meanwhile are dropped, never sent unencrypted.
func (m *Manager) Deny(account, peer string) error {
	return m.with(account, peer, false, func(s *session) error {
		return s.deny("", false)
	})
}

// Refresh runs a new key exchange in an encrypted session. Messages sent
// meanwhile are held and go out encrypted with the new keys (or, if the
// refresh times out, with the old ones).
func (m *Manager) Refresh(account, peer string) error {
	return m.with(account, peer, false, (*session).refresh)
}

// End ends the session: an encrypted peer is told (disconnect TLV), key
// material is wiped and the session is forgotten. It also acknowledges
// StateFinished.
func (m *Manager) End(account, peer string) error {
	return m.with(account, peer, false, func(s *session) error {
		s.end("ended the private conversation")
		return nil
	})
}

// Send sends plaintext from the local user to the peer: encrypted in an
// encrypted session; held during a key exchange (Awaiting, Pending,
// Refreshing) to go out encrypted or be dropped, never in plaintext; in the
// clear otherwise, except under PolicyAlways (ErrEncryptionRequired, and a
// key exchange starts). After the peer ended the session it returns ErrFinished.
func (m *Manager) Send(account, peer string, plaintext []byte) error {
	_, err := m.SendOutcome(account, peer, plaintext)
	return err
}

// Outcome says what Send did with a plaintext.
type Outcome int

const (
	// SentPlain: the text went out in the clear (no OTR session).
	SentPlain Outcome = iota
	// SentEncrypted: the text went out encrypted.
	SentEncrypted
	// Held: the text waits for a key exchange; an EventSecure, EventRefreshed or
	// refresh EventTimeout sends it encrypted, an EventDiscarded drops it.
	// Held texts leave in the order they were given.
	Held
)

// SendOutcome is Send, also saying whether the text was sent in the clear,
// encrypted, or held. The size limit (Limits.MaxMessageSize, and 40 KiB for
// otr3's fragmenting) applies only to text that is to be encrypted.
func (m *Manager) SendOutcome(account, peer string, plaintext []byte) (Outcome, error) {
	if m.cfg.Policy == PolicyNever {
		if m.isClosed() {
			return SentPlain, ErrClosed
		}
		m.cfg.Send(account, peer, string(plaintext))
		return SentPlain, nil
	}
	create := m.cfg.Policy != PolicyManual
	out := SentPlain
	err := m.with(account, peer, create, func(s *session) error {
		var err error
		out, err = s.send(plaintext)
		return err
	})
	if errors.Is(err, ErrNoSession) {
		m.cfg.Send(account, peer, string(plaintext))
		return SentPlain, nil
	}
	return out, err
}

// Forget ends the session without telling the peer, wipes its keys and
// forgets it: for a peer whose client has gone away, where a disconnect
// message would be stored offline and answered with an OTR error later.
// Held messages are dropped (EventDiscarded); EventEnded follows.
func (m *Manager) Forget(account, peer, why string) error {
	return m.with(account, peer, false, func(s *session) error {
		s.discardQueue()
		s.state = StatePlaintext
		s.event(EventEnded, why, nil)
		s.remove()
		return nil
	})
}

// Receive handles wire text from the peer. It returns what to show the local
// user and whether the text was OTR at all; answers to the peer go out
// through Config.Send. Errors (ErrUnreadable, ErrMalformed, ErrNotInPrivate,
// ErrPeerError, limits) come with an event and leave the session as it was.
func (m *Manager) Receive(account, peer, wire string) (Incoming, error) {
	if m.cfg.Policy == PolicyNever {
		return Incoming{Plaintext: []byte(wire)}, nil
	}
	// OTR messages are only read (otr3 copies its input, fragments are
	// gathered into their own buffer): they are not copied here. Plain text
	// is, as it is handed back to the caller.
	b := readOnlyBytes(wire)
	k := classify(b)
	if k == kindPlain || k == kindTagged {
		b = []byte(wire)
	}
	// Plain text (with or without a whitespace tag) is not OTR's to limit:
	// the XMPP server's own limits apply to it.
	if k != kindPlain && k != kindTagged && len(b) > m.cfg.Limits.MaxMessageSize {
		m.emit(Event{Account: account, Peer: peer, Kind: EventLimitExceeded, Err: ErrMessageTooLarge,
			Text: "an oversized message was dropped"})
		return Incoming{OTR: k != kindPlain}, ErrMessageTooLarge
	}
	var in Incoming
	err := m.with(account, peer, k != kindPlain, func(s *session) error {
		var err error
		in, err = s.receive(b, k)
		return err
	})
	if errors.Is(err, ErrNoSession) {
		if m.cfg.Policy == PolicyAlways {
			m.emit(Event{Account: account, Peer: peer, Kind: EventUnencrypted, Text: "an unencrypted message arrived"})
		}
		return Incoming{Plaintext: []byte(wire)}, nil
	}
	return in, err
}

func (m *Manager) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

// Status describes the session with peer; a missing session is plaintext.
func (m *Manager) Status(account, peer string) Status {
	var st Status
	_ = m.with(account, peer, false, func(s *session) error {
		st = Status{State: s.state, Version: s.version(), OwnFingerprint: s.ownFingerprint(),
			PeerFingerprint: s.peerFP, Verified: s.verified, Trusted: s.trusted, SMPPending: s.smpAsked}
		if s.smpAsked {
			st.SMPQuestion, _ = s.conv.SMPQuestion()
		}
		return nil
	})
	return st
}

// Trust records that the local user compared the peer's fingerprint by
// other means. It lasts as long as the session.
func (m *Manager) Trust(account, peer string) error {
	return m.with(account, peer, false, func(s *session) error {
		if s.state != StateEncrypted && s.state != StateRefreshing {
			return ErrNotEncrypted
		}
		s.trusted = true
		s.event(EventTrusted, "you vouched for the peer's fingerprint", nil)
		return nil
	})
}

// VerifySMP starts the Socialist Millionaires' Protocol with a shared secret.
func (m *Manager) VerifySMP(account, peer string, secret []byte) error {
	return m.AskSMP(account, peer, "", secret)
}

// AskSMP starts SMP with a question the peer sees and a secret answer.
func (m *Manager) AskSMP(account, peer, question string, secret []byte) error {
	return m.smp(account, peer, func(s *session) ([]otr3.ValidMessage, error) {
		if len(secret) == 0 {
			return nil, ErrEmptySecret
		}
		return s.conv.StartAuthenticate(question, secret)
	})
}

// AnswerSMP answers the peer's SMP request with the secret.
func (m *Manager) AnswerSMP(account, peer string, secret []byte) error {
	return m.smp(account, peer, func(s *session) ([]otr3.ValidMessage, error) {
		if len(secret) == 0 {
			return nil, ErrEmptySecret
		}
		if !s.smpAsked {
			return nil, ErrNoSMPRequest
		}
		s.smpAsked = false
		return s.conv.ProvideAuthenticationSecret(secret)
	})
}

// AbortSMP aborts a running SMP exchange and tells the peer.
func (m *Manager) AbortSMP(account, peer string) error {
	return m.smp(account, peer, func(s *session) ([]otr3.ValidMessage, error) {
		s.smpAsked, s.verified = false, false
		msgs, err := s.conv.AbortAuthentication()
		if err == nil {
			s.event(EventSMPAborted, "verification aborted", nil)
		}
		return msgs, err
	})
}

func (m *Manager) smp(account, peer string, fn func(*session) ([]otr3.ValidMessage, error)) error {
	return m.with(account, peer, false, func(s *session) error {
		if s.state != StateEncrypted && s.state != StateRefreshing {
			return ErrNotEncrypted
		}
		s.touch()
		msgs, err := fn(s)
		if err != nil {
			return err
		}
		s.wire(msgs...)
		return nil
	})
}
