package otr

import (
	"errors"
	"sync"
	"time"

	"github.com/coyim/otr3"
)

type sessionKey struct{ account, peer string }

// Manager owns every OTR session of the process: one per (local account,
// peer address). All methods are safe for concurrent use.
type Manager struct {
	cfg     Config
	keys    keySource
	limiter akeLimiter
	// activity is the clock of the per-message times: the coarse clock
	// ticked by the expire loop when the system clock is in use, else
	// cfg.Clock.
	activity Clock
	coarse   *coarseClock // nil unless in use

	mu          sync.Mutex
	sessions    map[sessionKey]*session        // guarded by mu
	perAccount  map[string]int                 // guarded by mu
	accountKeys map[string]*otr3.DSAPrivateKey // guarded by mu; KeyPerAccount only
	closed      bool                           // guarded by mu

	stop chan struct{}
	done chan struct{}
}

// NewManager returns a Manager for cfg. Unless cfg.ExpireInterval is
// negative it runs a goroutine that calls Expire (and, with the system
// clock, reads the clock once a second for the times noted on every
// message); Close stops it.
func NewManager(cfg Config) *Manager {
	cfg = cfg.withDefaults()
	m := &Manager{
		cfg:         cfg,
		keys:        keySource{rand: cfg.Rand, fresh: cfg.FreshDomainParameters},
		limiter:     akeLimiter{max: cfg.Limits.MaxAKEPerMinute, times: map[sessionKey][]time.Time{}},
		sessions:    map[sessionKey]*session{},
		perAccount:  map[string]int{},
		accountKeys: map[string]*otr3.DSAPrivateKey{},
		stop:        make(chan struct{}),
		done:        make(chan struct{}),
	}
	m.activity = cfg.Clock
	if cfg.ExpireInterval > 0 {
		if _, system := cfg.Clock.(systemClock); system {
			m.coarse = newCoarseClock()
			m.activity = m.coarse
		}
		go m.expireLoop(cfg.ExpireInterval)
	} else {
		close(m.done)
	}
	return m
}

func (m *Manager) expireLoop(every time.Duration) {
	defer close(m.done)
	t := time.NewTicker(every)
	defer t.Stop()
	var clock <-chan time.Time
	if m.coarse != nil {
		ct := time.NewTicker(coarseResolution)
		defer ct.Stop()
		clock = ct.C
	}
	for {
		select {
		case <-m.stop:
			return
		case <-clock:
			m.coarse.tick()
		case <-t.C:
			m.Expire()
		}
	}
}

// Sessions returns how many sessions exist.
func (m *Manager) Sessions() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions)
}

// emit delivers an event that belongs to no session (no lock is held).
func (m *Manager) emit(ev Event) { m.cfg.OnEvent(ev) }

// identityKey returns the key for a new session of account.
func (m *Manager) identityKey(account string) (*otr3.DSAPrivateKey, error) {
	if m.cfg.KeyMode != KeyPerAccount {
		return m.keys.newKey()
	}
	m.mu.Lock()
	k := m.accountKeys[account]
	m.mu.Unlock()
	if k != nil {
		return k, nil
	}
	nk, err := m.keys.newKey()
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		wipeKey(nk)
		return nil, ErrClosed
	}
	if k = m.accountKeys[account]; k != nil {
		wipeKey(nk)
		return k, nil
	}
	m.accountKeys[account] = nk
	return nk, nil
}

// lookup finds the session for k, creating it if create is set.
func (m *Manager) lookup(k sessionKey, create bool) (*session, error) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, ErrClosed
	}
	s := m.sessions[k]
	m.mu.Unlock()
	if s != nil || !create {
		return s, nil
	}
	if err := m.checkRoom(k); err != nil {
		return nil, err
	}
	key, err := m.identityKey(k.account)
	if err != nil {
		return nil, err
	}
	ns := newSession(m, k, key, m.cfg.KeyMode != KeyPerAccount)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		ns.wipe()
		return nil, ErrClosed
	}
	if s = m.sessions[k]; s != nil {
		ns.wipe()
		return s, nil
	}
	if err := m.roomLocked(k); err != nil {
		ns.wipe()
		return nil, err
	}
	m.sessions[k] = ns
	m.perAccount[k.account]++
	return ns, nil
}

func (m *Manager) checkRoom(k sessionKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.roomLocked(k)
}

func (m *Manager) roomLocked(k sessionKey) error {
	if len(m.sessions) >= m.cfg.Limits.MaxSessions || m.perAccount[k.account] >= m.cfg.Limits.MaxSessionsPerAccount {
		return ErrTooManySessions
	}
	return nil
}

// forget removes s from the maps; s.mu is held by the caller.
func (m *Manager) forget(s *session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sessions[s.key] == s {
		delete(m.sessions, s.key)
		if m.perAccount[s.key.account]--; m.perAccount[s.key.account] <= 0 {
			delete(m.perAccount, s.key.account)
		}
	}
}

// with runs fn on the session for (account, peer) under its lock, then
// delivers what fn queued with no lock held.
func (m *Manager) with(account, peer string, create bool, fn func(*session) error) error {
	k := sessionKey{account, peer}
	for {
		s, err := m.lookup(k, create)
		if err != nil {
			if errors.Is(err, ErrTooManySessions) {
				m.emit(Event{Account: account, Peer: peer, Kind: EventLimitExceeded, Err: err,
					Text: "too many OTR sessions; request dropped"})
			}
			return err
		}
		if s == nil {
			return ErrNoSession
		}
		s.mu.Lock()
		if s.gone {
			s.mu.Unlock()
			continue
		}
		err = fn(s)
		s.flush()
		s.mu.Unlock()
		s.out.drain(account, peer, m.cfg.Send, m.cfg.OnEvent)
		return err
	}
}

// Expire applies timeouts as of the Clock's now: unanswered starts and
// refreshes, unanswered requests (declined), idle sessions (ended and
// forgotten). The Manager calls it every Config.ExpireInterval.
func (m *Manager) Expire() {
	now := m.cfg.Clock.Now()
	m.limiter.sweep(now)
	for _, s := range m.snapshot("") {
		s.mu.Lock()
		if !s.gone {
			s.expire(now)
		}
		s.flush()
		s.mu.Unlock()
		s.out.drain(s.key.account, s.key.peer, m.cfg.Send, m.cfg.OnEvent)
	}
}

func (m *Manager) snapshot(account string) []*session {
	m.mu.Lock()
	defer m.mu.Unlock()
	var all []*session
	for k, s := range m.sessions {
		if account == "" || k.account == account {
			all = append(all, s)
		}
	}
	return all
}

// EndAll ends every session of account (telling encrypted peers) and wipes
// its keys: call it on logout.
func (m *Manager) EndAll(account string) {
	m.endAll(account)
	m.mu.Lock()
	k := m.accountKeys[account]
	delete(m.accountKeys, account)
	m.mu.Unlock()
	wipeKey(k)
}

func (m *Manager) endAll(account string) {
	for _, s := range m.snapshot(account) {
		s.mu.Lock()
		if !s.gone {
			s.end("logged out")
		}
		s.flush()
		s.mu.Unlock()
		s.out.drain(s.key.account, s.key.peer, m.cfg.Send, m.cfg.OnEvent)
	}
}

// Close ends every session (telling encrypted peers), wipes all keys and
// stops the Manager. Later calls return ErrClosed.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	m.closed = true
	m.mu.Unlock()
	m.endAll("")
	m.mu.Lock()
	keys := m.accountKeys
	m.accountKeys = map[string]*otr3.DSAPrivateKey{}
	m.mu.Unlock()
	for _, k := range keys {
		wipeKey(k)
	}
	close(m.stop)
	<-m.done
	return nil
}
