package otr

import (
	"fmt"
	"sync"
	"time"

	"github.com/coyim/otr3"
)

// session is one OTR conversation: a local account and a peer address.
// Every field is guarded by mu; otr3's Conversation is not safe for
// concurrent use and is only touched with mu held.
type session struct {
	m   *Manager
	key sessionKey
	out outbox

	mu         sync.Mutex
	gone       bool // removed from the Manager and wiped
	conv       *otr3.Conversation
	ownKey     *otr3.DSAPrivateKey
	ownsKey    bool // the key is this session's (KeyPerSession) and is wiped with it
	state      State
	deadline   time.Time // for StateAwaiting, StatePending, StateRefreshing
	lastActive time.Time
	heldAKE    []otr3.ValidMessage // our answer to the peer's request, while pending
	pendingTag bool                // the pending request was a whitespace tag
	queue      [][]byte            // plaintexts held until the session is encrypted
	frag       reassembly
	verified   bool
	trusted    bool
	smpAsked   bool
	peerFP     string

	// Filled by otr3's handlers during one call, consumed by the caller.
	security []otr3.SecurityEvent
	msgErr   error
	inData   bool      // a data message is being received
	pending  []outItem // items to deliver once mu is released
}

func newSession(m *Manager, k sessionKey, key *otr3.DSAPrivateKey, ownsKey bool) *session {
	s := &session{m: m, key: k, ownKey: key, ownsKey: ownsKey, lastActive: m.cfg.Clock.Now()}
	s.conv = s.newConversation()
	return s
}

func (s *session) newConversation() *otr3.Conversation {
	cfg := s.m.cfg
	c := &otr3.Conversation{Rand: cfg.Rand}
	c.Policies.AllowV3()
	if !cfg.DisallowV2 {
		c.Policies.AllowV2()
	}
	switch cfg.Policy {
	case PolicyOpportunistic:
		c.Policies.SendWhitespaceTag()
		c.Policies.WhitespaceStartAKE()
		c.Policies.ErrorStartAKE()
	case PolicyAlways:
		c.Policies.WhitespaceStartAKE()
		c.Policies.ErrorStartAKE()
	}
	c.SetOurKeys([]otr3.PrivateKey{s.ownKey})
	c.SetFragmentSize(uint16(cfg.FragmentSize))
	c.SetFriendlyQueryMessage(queryText)
	c.InitializeInstanceTag(0)
	c.SetSecurityEventHandler(securityHandler{s})
	c.SetSMPEventHandler(smpHandler{s})
	c.SetMessageEventHandler(messageHandler{s})
	c.SetErrorMessageHandler(errorTextHandler{})
	if s.m.coarse != nil {
		c.SetHeartbeatClock(s.m.coarse.Now)
	}
	return c
}

// queryText follows a query message for clients that do not speak OTR.
const queryText = "Your contact has requested an Off-the-Record private conversation, but your client does not support OTR. See https://otr.cypherpunks.ca/ for more information."

// declineText tells the peer, in plain words, that we declined.
const declineText = "Your contact declined your request for an Off-the-Record private conversation. Messages stay unencrypted."

// ---- delivery helpers (mu held) ----

func (s *session) wire(msgs ...otr3.ValidMessage) {
	for _, w := range msgs {
		s.pending = append(s.pending, outItem{wire: string(w)})
	}
}

// sent queues what conv.Send returned for an encrypted session without
// copying it: otr3 builds each data message (or fragment) in a fresh
// buffer that it neither keeps nor touches again.
func (s *session) sent(msgs []otr3.ValidMessage) {
	for _, w := range msgs {
		s.pending = append(s.pending, outItem{wire: wireString(w)})
	}
}

func (s *session) event(kind EventKind, text string, err error) {
	ev := Event{
		Account: s.key.account, Peer: s.key.peer, Kind: kind, State: s.state,
		Version: s.version(), OwnFingerprint: s.ownFingerprint(), PeerFingerprint: s.peerFP,
		Verified: s.verified, Trusted: s.trusted, Text: text, Err: err,
	}
	s.pending = append(s.pending, outItem{event: &ev})
}

// flush hands the pending items to the outbox, in order.
func (s *session) flush() {
	if len(s.pending) > 0 {
		s.out.push(s.pending...)
		clear(s.pending)
		s.pending = reuse(s.pending)
	}
}

func (s *session) version() int {
	if s.state == StateEncrypted || s.state == StateRefreshing {
		if s.conv.GetTheirInstanceTag() != 0 {
			return 3
		}
		return 2
	}
	return 0
}

func (s *session) ownFingerprint() string {
	if s.ownKey == nil || s.ownKey.X == nil {
		return ""
	}
	return fingerprintOf(s.ownKey.PublicKey())
}

// touch notes activity, by the Manager's activity clock: with the system
// clock, idle time is measured to within a second.
func (s *session) touch() { s.lastActive = s.m.activity.Now() }

// ---- transitions ----

func (s *session) start() error {
	s.touch()
	switch s.state {
	case StateEncrypted, StateRefreshing:
		return s.refresh()
	case StatePending:
		return s.accept()
	case StateFinished:
		s.resetConversation()
	}
	s.wire(s.conv.QueryMessage())
	s.state = StateAwaiting
	s.deadline = s.m.cfg.Clock.Now().Add(s.m.cfg.StartTimeout)
	s.event(EventStarted, "asked the peer for an OTR conversation", nil)
	return nil
}

func (s *session) accept() error {
	if s.state != StatePending {
		return ErrNotPending
	}
	s.touch()
	if s.pendingTag {
		s.wire(s.conv.QueryMessage())
	} else {
		s.wire(s.heldAKE...)
	}
	s.heldAKE, s.pendingTag = nil, false
	s.state = StateAwaiting
	s.deadline = s.m.cfg.Clock.Now().Add(s.m.cfg.StartTimeout)
	s.event(EventAccepted, "accepted the peer's OTR request; exchanging keys", nil)
	return nil
}

func (s *session) deny(reason string, timeout bool) error {
	if s.state != StatePending {
		return ErrNotPending
	}
	s.touch()
	s.resetConversation()
	s.state = StatePlaintext
	s.wire(otr3.ValidMessage(declineText))
	if timeout {
		s.event(EventTimeout, reason, nil)
	}
	s.event(EventDeclined, "declined the peer's OTR request; the peer was told", nil)
	s.discardQueue()
	return nil
}

func (s *session) refresh() error {
	if s.state != StateEncrypted && s.state != StateRefreshing {
		return ErrNotEncrypted
	}
	s.touch()
	s.wire(s.conv.QueryMessage())
	s.state = StateRefreshing
	s.deadline = s.m.cfg.Clock.Now().Add(s.m.cfg.StartTimeout)
	s.event(EventRefreshing, "exchanging new keys; messages are held until it completes", nil)
	return nil
}

// end ends the session locally, tells an encrypted peer, wipes and forgets it.
func (s *session) end(why string) {
	msgs, _ := s.conv.End()
	s.wire(msgs...)
	s.discardQueue()
	s.state = StatePlaintext
	s.event(EventEnded, why, nil)
	s.remove()
}

// remove wipes the session and takes it out of the Manager.
func (s *session) remove() {
	s.wipe()
	s.gone = true
	s.m.forget(s)
}

// wipe erases key material, as far as otr3 exposes it: End wipes the
// session keys; the identity key's private exponent is overwritten here.
func (s *session) wipe() {
	if s.conv != nil {
		_, _ = s.conv.End()
		s.conv.SetOurKeys(nil)
	}
	if s.ownsKey {
		wipeKey(s.ownKey)
	}
	s.ownKey = nil
	s.frag.reset()
	s.heldAKE = nil
	s.discardSilently()
}

// resetConversation replaces the otr3 Conversation with a fresh one (and,
// with KeyPerSession, the identity key with a fresh one): the next key
// exchange is a new OTR session, free to bind to another peer instance.
func (s *session) resetConversation() {
	_, _ = s.conv.End()
	s.conv.SetOurKeys(nil)
	if s.ownsKey {
		if key, err := s.m.keys.newKey(); err == nil {
			wipeKey(s.ownKey)
			s.ownKey = key
		}
	}
	s.conv = s.newConversation()
	s.heldAKE, s.pendingTag = nil, false
	s.verified, s.trusted, s.smpAsked, s.peerFP = false, false, false, ""
}

func (s *session) discardQueue() {
	if n := len(s.queue); n > 0 {
		s.discardSilently()
		s.event(EventDiscarded, fmt.Sprintf("%d held message(s) dropped, never sent unencrypted", n), nil)
	}
}

func (s *session) discardSilently() {
	for _, p := range s.queue {
		clear(p)
	}
	s.queue = nil
}

// flushQueue encrypts and sends the held messages.
func (s *session) flushQueue() {
	q := s.queue
	s.queue = nil
	for _, p := range q {
		msgs, err := s.conv.Send(p)
		clear(p)
		if err != nil {
			s.event(EventError, "a held message could not be encrypted", ErrNotEncrypted)
			continue
		}
		s.wire(msgs...)
	}
}

func (s *session) expire(now time.Time) {
	switch {
	case (s.state == StateAwaiting) && !now.Before(s.deadline):
		s.resetConversation()
		s.state = StatePlaintext
		s.event(EventTimeout, "the peer did not complete the OTR key exchange in time", nil)
		s.discardQueue()
		return
	case s.state == StateRefreshing && !now.Before(s.deadline):
		s.state = StateEncrypted
		s.event(EventTimeout, "key refresh timed out; the old keys stay in use", nil)
		s.flushQueue()
		return
	case s.state == StatePending && !now.Before(s.deadline):
		_ = s.deny("no answer to the peer's OTR request in time", true)
		return
	}
	if now.Sub(s.lastActive) >= s.m.cfg.IdleTimeout {
		s.event(EventTimeout, "the session was idle too long", nil)
		s.end("ended after idling")
	}
}

// ---- sending ----

func (s *session) send(p []byte) (Outcome, error) {
	s.touch()
	switch s.state {
	case StatePlaintext:
		if s.m.cfg.Policy == PolicyAlways {
			s.event(EventRefused, "message not sent: this bridge sends only OTR-encrypted messages; starting OTR", ErrEncryptionRequired)
			_ = s.start()
			return SentPlain, ErrEncryptionRequired
		}
		if len(p) > maxPlaintextToSend {
			// Too long for otr3's fragment arithmetic, and nothing to encrypt: as is.
			s.wire(otr3.ValidMessage(p))
			return SentPlain, nil
		}
		msgs, err := s.conv.Send(p)
		if err != nil {
			return SentPlain, err
		}
		s.wire(msgs...)
		return SentPlain, nil
	case StateFinished:
		s.event(EventRefused, "message not sent: the peer ended the private conversation; end or restart OTR", ErrFinished)
		return SentPlain, ErrFinished
	}
	if len(p) > min(s.m.cfg.Limits.MaxMessageSize, maxPlaintextToSend) {
		return SentPlain, ErrMessageTooLarge
	}
	if s.state == StateEncrypted {
		msgs, err := s.conv.Send(p)
		if err != nil {
			s.event(EventError, "the message could not be encrypted", ErrNotEncrypted)
			return SentPlain, fmt.Errorf("%w: %v", ErrNotEncrypted, err)
		}
		s.sent(msgs)
		return SentEncrypted, nil
	}
	// Awaiting, pending, refreshing: hold, to go out encrypted or never.
	if len(s.queue) >= s.m.cfg.Limits.MaxHeld {
		s.event(EventLimitExceeded, "too many messages waiting for encryption", ErrTooManyHeld)
		return SentPlain, ErrTooManyHeld
	}
	s.queue = append(s.queue, append([]byte(nil), p...))
	return Held, nil
}

// ---- receiving ----

func (s *session) receive(b []byte, k kind) (Incoming, error) {
	s.touch()
	in := Incoming{OTR: k != kindPlain}
	if k == kindFragment {
		f, ok := parseFragment(b)
		if !ok {
			s.event(EventError, "a malformed OTR fragment was dropped", ErrBadFragment)
			return in, ErrBadFragment
		}
		if f.v3 && (f.sender < 0x100 || (f.receiver != 0 && f.receiver != s.conv.GetOurInstanceTag())) {
			if f.sender >= 0x100 && f.receiver != 0 && f.k == 1 && !s.private() {
				// The first piece of a message for a session we no longer have.
				s.notInPrivate()
				return in, ErrNotInPrivate
			}
			return in, nil // for another instance, or invalid: ignored as libotr does
		}
		whole, err := s.frag.add(f, s.m.cfg.Limits.MaxMessageSize, s.m.cfg.Limits.MaxFragments)
		if err != nil {
			s.event(EventLimitExceeded, "an oversized fragmented message was dropped", err)
			return in, err
		}
		if whole == nil {
			return in, nil
		}
		defer clear(whole)
		b, k = whole, classify(whole)
		if k == kindFragment || k == kindPlain || k == kindTagged {
			s.event(EventError, "a malformed OTR fragment was dropped", ErrBadFragment)
			return in, ErrBadFragment
		}
	}
	if k.startsAKE() && !s.m.limiter.allow(s.key, s.m.cfg.Clock.Now()) {
		s.event(EventLimitExceeded, "the peer starts OTR key exchanges too often; request ignored", ErrRateLimited)
		if k == kindTagged {
			in.Plaintext = stripTag(b)
		}
		return in, ErrRateLimited
	}

	prev := s.state
	s.security, s.msgErr = nil, nil
	s.inData = k == kindData
	plain, toSend, err := s.conv.Receive(b)
	s.inData = false
	if len(plain) > 0 {
		in.Plaintext = plain
		in.Encrypted = k == kindData && err == nil
	}

	switch {
	case (prev == StatePlaintext || prev == StateFinished) && s.state == prev && answersAKE(toSend):
		if s.m.cfg.Policy == PolicyManual {
			s.heldAKE, toSend = toSend, nil
			s.toPending()
		} else {
			s.state = StateAwaiting
			s.deadline = s.m.cfg.Clock.Now().Add(s.m.cfg.StartTimeout)
			s.event(EventAccepted, "the peer asked for OTR; accepted by policy", nil)
		}
	case prev == StatePending && answersAKE(toSend):
		s.heldAKE, toSend = toSend, nil
	case k == kindTagged && s.state == StatePlaintext && s.m.cfg.Policy == PolicyManual:
		s.pendingTag = true
		s.toPending()
	}
	// Our AKE answer goes out before any held message encrypted with the new keys.
	s.wire(toSend...)
	s.afterSecurityEvents()
	if err == nil {
		err = s.msgErr
	} else if s.msgErr != nil {
		err = fmt.Errorf("%w: %v", s.msgErr, err)
	} else {
		err = fmt.Errorf("%w: %v", ErrMalformed, err)
		s.event(EventError, "an OTR message could not be processed", ErrMalformed)
	}
	if k == kindPlain && s.m.cfg.Policy == PolicyAlways && s.state != StateEncrypted && s.state != StateRefreshing {
		s.event(EventUnencrypted, "an unencrypted message arrived", nil)
	}
	return in, err
}

func (s *session) toPending() {
	s.state = StatePending
	s.deadline = s.m.cfg.Clock.Now().Add(s.m.cfg.AcceptTimeout)
	s.event(EventPendingAcceptance, "the peer asks for an OTR conversation; accept or deny", nil)
}

// answersAKE: otr3 answered with a DH-commit or DH-key, i.e. the input began a key exchange.
func answersAKE(out []otr3.ValidMessage) bool {
	for _, w := range out {
		if k := classify(w); k == kindDHCommit || k == kindDHKey {
			return true
		}
	}
	return false
}

// afterSecurityEvents applies what otr3 reported during the last call.
func (s *session) afterSecurityEvents() {
	evs := s.security
	s.security = nil
	for _, e := range evs {
		switch e {
		case otr3.GoneSecure:
			s.state = StateEncrypted
			s.peerFP = fingerprintOf(s.conv.GetTheirKey())
			s.verified, s.trusted, s.smpAsked = false, false, false
			s.heldAKE, s.pendingTag = nil, false
			s.event(EventSecure, "the conversation is now encrypted with OTR", nil)
			s.flushQueue()
		case otr3.StillSecure:
			s.state = StateEncrypted
			if fp := fingerprintOf(s.conv.GetTheirKey()); fp != s.peerFP {
				s.peerFP = fp
				s.verified, s.trusted = false, false
			}
			s.event(EventRefreshed, "the conversation is encrypted with new keys", nil)
			s.flushQueue()
		case otr3.GoneInsecure:
			s.state = StateFinished
			s.smpAsked = false
			s.event(EventFinished, "the peer ended the private conversation; end it or restart OTR to continue", nil)
			s.discardQueue()
		}
	}
}

func stripTag(b []byte) []byte {
	i := indexTag(b)
	if i < 0 {
		return b
	}
	end := i + len(whitespaceTagBase)
	for end+8 <= len(b) && isTagByte(b[end:end+8]) {
		end += 8
	}
	return append(append([]byte(nil), b[:i]...), b[end:]...)
}

func indexTag(b []byte) int {
	for i := 0; i+len(whitespaceTagBase) <= len(b); i++ {
		if string(b[i:i+len(whitespaceTagBase)]) == string(whitespaceTagBase) {
			return i
		}
	}
	return -1
}

func isTagByte(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}
