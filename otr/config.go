package otr

import (
	"crypto/rand"
	"fmt"
	"io"
	"time"
)

// Policy says when OTR is used.
type Policy int

// Policies, from least to most insistent.
const (
	// PolicyManual uses OTR only when the local user starts it or accepts a
	// peer's request. It is the default.
	PolicyManual Policy = iota
	// PolicyNever passes every message through untouched.
	PolicyNever
	// PolicyOpportunistic advertises OTR with a whitespace tag and accepts
	// every peer request without asking.
	PolicyOpportunistic
	// PolicyAlways never sends a plaintext message: sends without an encrypted
	// session are refused (and a key exchange is started); requests are accepted.
	PolicyAlways
)

// String names the value, e.g. for logs and notices.
func (p Policy) String() string {
	switch p {
	case PolicyManual:
		return "manual"
	case PolicyNever:
		return "never"
	case PolicyOpportunistic:
		return "opportunistic"
	case PolicyAlways:
		return "always"
	}
	return "unknown"
}

// MarshalText gives the policy's word, as a config file spells it.
func (p Policy) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads a policy's word (never, manual, opportunistic or always).
func (p *Policy) UnmarshalText(b []byte) error {
	for _, v := range []Policy{PolicyNever, PolicyManual, PolicyOpportunistic, PolicyAlways} {
		if string(b) == v.String() {
			*p = v
			return nil
		}
	}
	return fmt.Errorf("must be never, manual, opportunistic or always, not %q", b)
}

// KeyMode says how long an identity key lives. Keys are never written anywhere.
type KeyMode int

const (
	// KeyPerSession generates a fresh DSA key for every session and wipes it
	// when the session ends. It is the default.
	KeyPerSession KeyMode = iota
	// KeyPerAccount generates one key per local account, kept (in RAM) until
	// EndAll for that account or Close: a stable fingerprint while the process runs.
	KeyPerAccount
)

// String names the key mode as a config file spells it.
func (m KeyMode) String() string {
	if m == KeyPerAccount {
		return "per_account"
	}
	return "per_session"
}

// MarshalText gives the key mode's word.
func (m KeyMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads a key mode's word (per_session or per_account).
func (m *KeyMode) UnmarshalText(b []byte) error {
	for _, v := range []KeyMode{KeyPerSession, KeyPerAccount} {
		if string(b) == v.String() {
			*m = v
			return nil
		}
	}
	return fmt.Errorf("must be per_session or per_account, not %q", b)
}

// Clock tells the time. Tests inject a fake one and call Manager.Expire.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Limits bound what a peer can make the Manager hold. Exceeding one gives an
// EventLimitExceeded and an error, never unbounded memory.
type Limits struct {
	// MaxMessageSize bounds a received message after reassembly and a
	// plaintext to send, in bytes. Default 64 KiB.
	MaxMessageSize int
	// MaxFragments bounds the number of fragments a message may announce. Default 256.
	MaxFragments int
	// MaxSessionsPerAccount bounds sessions of one local account. Default 1000.
	MaxSessionsPerAccount int
	// MaxSessions bounds sessions overall. Default 100000.
	MaxSessions int
	// MaxAKEPerMinute bounds key exchanges a peer may start per minute. Default 10.
	MaxAKEPerMinute int
	// MaxHeld bounds messages held while a key exchange runs. Default 100.
	MaxHeld int
}

// Config configures a Manager. The zero value plus Send and OnEvent is usable.
type Config struct {
	// Policy is PolicyManual by default.
	Policy Policy
	// DisallowV2 turns the OTR version 2 fallback off (version 3 only).
	DisallowV2 bool
	// KeyMode is KeyPerSession by default.
	KeyMode KeyMode
	// FreshDomainParameters makes every key with its own DSA domain parameters
	// (otr3's Generate: 70–330 ms a key). By default the Manager generates one
	// set of parameters in RAM on first use and draws every key from it (~1 ms).
	FreshDomainParameters bool

	// StartTimeout bounds the wait for the peer after Start or Refresh. Default 60 s.
	StartTimeout time.Duration
	// AcceptTimeout bounds the wait for the local user's Accept; then the
	// request is declined. Default 5 min.
	AcceptTimeout time.Duration
	// IdleTimeout ends and forgets a session with no traffic. Default 30 min.
	// With the system clock and the expire loop running, activity is noted
	// to within a second (see coarseClock).
	IdleTimeout time.Duration
	// ExpireInterval is how often the Manager checks timeouts itself. Default
	// 5 s; negative turns the ticker off (call Expire yourself).
	ExpireInterval time.Duration

	// FragmentSize is the largest wire message handed to Send; longer ones are
	// split into OTR fragments. Default 4096, minimum 512 (see DefaultFragmentSize).
	FragmentSize int

	// Limits bound memory and work per peer; zero fields take defaults.
	Limits Limits

	// Rand is the source of randomness (crypto/rand by default).
	Rand io.Reader
	// Clock is the time source for timeouts (the system clock by default).
	Clock Clock

	// Send delivers wire text to the peer. It is called without any Manager
	// lock held, in order per session, and may call back into the Manager.
	Send func(account, peer, wire string)
	// OnEvent reports state changes. Same calling contract as Send.
	OnEvent func(Event)
}

// DefaultFragmentSize is the default wire size limit: far below the stanza
// limits of XMPP servers (prosody 256 KiB, ejabberd 64 KiB and more) even
// after XML escaping, yet large enough that a 2 KiB chat message goes in one
// stanza and an AKE message is never split.
const DefaultFragmentSize = 4096

const minFragmentSize = 512

// maxPlaintextToSend keeps otr3's uint16 fragment arithmetic safe: the
// base64 data message of a plaintext this long stays below 64 KiB.
const maxPlaintextToSend = 40 << 10

func (c Config) withDefaults() Config {
	if c.StartTimeout <= 0 {
		c.StartTimeout = time.Minute
	}
	if c.AcceptTimeout <= 0 {
		c.AcceptTimeout = 5 * time.Minute
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 30 * time.Minute
	}
	if c.ExpireInterval == 0 {
		c.ExpireInterval = 5 * time.Second
	}
	if c.FragmentSize == 0 {
		c.FragmentSize = DefaultFragmentSize
	}
	if c.FragmentSize < minFragmentSize {
		c.FragmentSize = minFragmentSize
	}
	if c.FragmentSize > 60000 {
		c.FragmentSize = 60000
	}
	l := &c.Limits
	if l.MaxMessageSize <= 0 {
		l.MaxMessageSize = 64 << 10
	}
	if l.MaxFragments <= 0 {
		l.MaxFragments = 256
	}
	if l.MaxSessionsPerAccount <= 0 {
		l.MaxSessionsPerAccount = 1000
	}
	if l.MaxSessions <= 0 {
		l.MaxSessions = 100000
	}
	if l.MaxAKEPerMinute <= 0 {
		l.MaxAKEPerMinute = 10
	}
	if l.MaxHeld <= 0 {
		l.MaxHeld = 100
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.Clock == nil {
		c.Clock = systemClock{}
	}
	if c.Send == nil {
		c.Send = func(string, string, string) {}
	}
	if c.OnEvent == nil {
		c.OnEvent = func(Event) {}
	}
	return c
}
