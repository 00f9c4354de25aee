// Package otrbuddy is an XMPP user whose client runs libotr 4.1: our XMPP
// adapter (adapters/xmpp) for the wire and an internal/libotrpeer process for
// OTR. It stands in for "an XMPP contact with a real OTR client" in the demo
// and in tests.
//
// Every message body the buddy receives goes into libotr; every line libotr
// injects goes over XMPP to the sender's full JID (the bare JID until the
// other side has sent a message). libotr's other output (decrypted messages,
// secure/finished, SMP progress) arrives as typed Events. The buddy keeps
// every Event and every received message, to be read and waited for by
// position (Mark, EventsSince, WaitEvent, ...).
//
// A Buddy is safe for use from one goroutine plus the Events and Wire
// channels, which may be read from other goroutines; the record's methods are
// safe for concurrent use. Both channels are buffered without limit, so not
// reading them never stalls the protocol.
package otrbuddy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/internal/libotrpeer"
	"github.com/offrecord/offrecord/internal/record"
)

// eme is the XEP-0380 namespace the buddy puts on OTR messages, as
// OTR-capable XMPP clients do.
const eme = "urn:xmpp:otr:0"

// Config describes the buddy's XMPP account and its libotr client.
type Config struct {
	JID      string // bare JID of the buddy's account, user@domain
	Password string
	Resource string // default "otrbuddy"
	Server   string // host:port (STARTTLS required); empty means the domain's port 5222
	CAFile   string // extra PEM CA to trust (a test server's self-signed certificate)
	// ReconnectMin and ReconnectMax bound the XMPP client's reconnect
	// backoff; zero means the adapter's defaults.
	ReconnectMin, ReconnectMax time.Duration
	// ApproveSubscriptions answers every presence subscription request with
	// "subscribed", so that the asker (e.g. the bridge) sees the buddy online.
	ApproveSubscriptions bool
	// Record is kept for existing callers and does nothing: every buddy
	// keeps its record. libotr runs with its default policy, manual.
	Record bool
}

// Kind says what an Event is about.
type Kind string

// Event kinds.
const (
	// Message is a message libotr handed to the user: Text, and Encrypted when
	// it came out of an OTR data message.
	Message Kind = "message"
	// Secure: the OTR session is encrypted; Version and the other side's
	// Fingerprint are set.
	Secure Kind = "secure"
	// Refreshed: an AKE completed on an already secure session.
	Refreshed Kind = "refreshed"
	// Insecure: libotr went back to plaintext.
	Insecure Kind = "insecure"
	// Finished: the other side ended the OTR session.
	Finished Kind = "finished"
	// SMP is SMP progress; Detail is askforsecret, askforanswer (Text holds
	// the question), inprogress, success, failure, abort, cheated or error.
	SMP Kind = "smp"
	// Sent is wire text the buddy sent over XMPP (Text), for showing ciphertext.
	Sent Kind = "sent"
	// LibotrEvent is a libotr message event (Detail is its name, e.g.
	// rcvdmsg_unencrypted).
	LibotrEvent Kind = "libotr"
	// Status answers Status: Detail is plaintext, encrypted or finished;
	// Version and Fingerprint are set when there is a session.
	Status Kind = "status"
	// Subscribed: the buddy approved Peer's presence subscription request.
	Subscribed Kind = "subscribed"
	// Online: Peer (a full JID) is available: the buddy sees it online.
	Online Kind = "online"
	// Unsubscribed: Peer refused or revoked the buddy's presence subscription.
	Unsubscribed Kind = "unsubscribed"
	// Error is an XMPP error (Err), e.g. a message error stanza or a failed send.
	Error Kind = "error"
)

// ErrMessageError is wrapped by the Err of an Error event for a message
// error stanza the buddy received (a bounce, not a fault of the buddy).
var ErrMessageError = errors.New("otrbuddy: message error")

// kinds are the Kinds of libotrpeer's event lines other than inject.
var kinds = map[string]Kind{"msg": Message, "secure": Secure, "stillsecure": Refreshed, "insecure": Insecure,
	"finished": Finished, "smp": SMP, "event": LibotrEvent, "status": Status}

// Event is something the buddy's client saw.
type Event struct {
	Kind Kind
	// Peer is the other side's bare JID (the full JID for Sent).
	Peer        jid.JID
	Text        string
	Encrypted   bool
	Version     int
	Fingerprint string // the other side's fingerprint, 40 hex digits
	Detail      string
	Err         error
	At          time.Time
}

// Buddy is one running XMPP account with its libotr client.
type Buddy struct {
	client *xmppad.Client
	peer   *libotrpeer.Peer
	bare   jid.JID
	cfg    Config

	cancel context.CancelFunc
	pumped chan struct{} // closed when pump has returned

	log    *record.Log[Event]          // every Event; events follows it
	msgs   *record.Log[xmppad.Message] // every message from someone else
	bodies *record.Log[string]         // their bodies; wire follows it
	events <-chan Event                // closed by Close
	wire   <-chan string               // closed by Close

	mu   sync.Mutex
	full map[string]jid.JID // bare → full JID to send to; guarded by mu

	closeOnce sync.Once
}

// PID is the libotr peer process's ID (for CPU accounting in benchmarks).
func (b *Buddy) PID() int { return b.peer.PID() }

// Start starts the libotr client, connects the XMPP account (ctx bounds the
// login) and keeps it connected until Close.
func Start(ctx context.Context, cfg Config) (*Buddy, error) {
	bare, err := jid.Parse(cfg.JID)
	if err != nil {
		return nil, fmt.Errorf("otrbuddy: JID: %w", err)
	}
	if cfg.Resource == "" {
		cfg.Resource = "otrbuddy"
	}
	b := &Buddy{bare: bare.Bare(), cfg: cfg, pumped: make(chan struct{}), log: record.New[Event](),
		msgs: record.New[xmppad.Message](), bodies: record.New[string](), full: map[string]jid.JID{}}
	b.client, err = xmppad.New(xmppad.Config{
		JID: b.bare.String(), Password: cfg.Password, Resource: cfg.Resource, Server: cfg.Server,
		TLS: xmppad.TLSRequired, CAFile: cfg.CAFile, ReconnectMin: cfg.ReconnectMin, ReconnectMax: cfg.ReconnectMax,
	}, handler{b: b})
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b.cancel = cancel
	if b.peer, err = libotrpeer.Start(runCtx, b.bare.String()); err != nil {
		cancel()
		return nil, err
	}
	b.events, b.wire = b.log.Follow(runCtx), b.bodies.Follow(runCtx)
	go b.pump(runCtx)
	if err := b.client.Connect(ctx); err != nil {
		b.Close()
		return nil, fmt.Errorf("otrbuddy: XMPP login as %s: %w", b.bare, err)
	}
	go b.client.Run(runCtx)
	return b, nil
}

// JID is the buddy's bound full JID.
func (b *Buddy) JID() jid.JID { return b.client.LocalJID() }

// Fingerprint is the buddy's own OTR fingerprint (40 hex digits).
func (b *Buddy) Fingerprint() string { return b.peer.Fingerprint }

// InstanceTag is the buddy's OTR instance tag.
func (b *Buddy) InstanceTag() uint32 { return b.peer.InstanceTag }

// KeyGen is how long libotr took to generate the buddy's DSA key.
func (b *Buddy) KeyGen() time.Duration { return b.peer.KeyGen }

// Client is the buddy's XMPP client, for anything beyond chat (presence,
// receipts, chat states). Its Handler is the buddy's.
func (b *Buddy) Client() *xmppad.Client { return b.client }

// Events delivers what the buddy's client saw, in order. It is closed by Close.
func (b *Buddy) Events() <-chan Event { return b.events }

// Wire delivers the raw body of every message the buddy received (OTR wire
// text as it travelled), in order. It is closed by Close.
func (b *Buddy) Wire() <-chan string { return b.wire }

// Say sends text to the bare JID to as the buddy's user typed it: libotr
// encrypts it when a session exists, else it goes out in plaintext. ctx is
// only checked before; the XMPP send happens right after, in order with
// everything libotr sends.
func (b *Buddy) Say(ctx context.Context, to jid.JID, text string) error {
	return b.do(ctx, to, func(peer string) error { return b.peer.Send(peer, text) })
}

// Query sends an OTR query message to to.
func (b *Buddy) Query(ctx context.Context, to jid.JID) error { return b.do(ctx, to, b.peer.Query) }

// End ends the OTR session with to (libotr tells the other side).
func (b *Buddy) End(ctx context.Context, to jid.JID) error { return b.do(ctx, to, b.peer.End) }

// Forget drops the buddy's OTR session with to without telling it, as a
// client does that ends OTR while it believes the contact is offline.
func (b *Buddy) Forget(ctx context.Context, to jid.JID) error { return b.do(ctx, to, b.peer.Forget) }

// SMP starts the socialist millionaires' protocol with a shared secret.
func (b *Buddy) SMP(ctx context.Context, to jid.JID, secret string) error {
	return b.do(ctx, to, func(peer string) error { return b.peer.SMP(peer, secret) })
}

// SMPQuestion starts SMP with a question whose answer is secret.
func (b *Buddy) SMPQuestion(ctx context.Context, to jid.JID, question, secret string) error {
	return b.do(ctx, to, func(peer string) error { return b.peer.SMPQuestion(peer, question, secret) })
}

// SMPAnswer answers the other side's SMP request (after an SMP event
// askforsecret or askforanswer) with secret.
func (b *Buddy) SMPAnswer(ctx context.Context, to jid.JID, secret string) error {
	return b.do(ctx, to, func(peer string) error { return b.peer.SMPAnswer(peer, secret) })
}

// Status asks libotr for the state of the conversation with to; the answer
// is a Status event.
func (b *Buddy) Status(ctx context.Context, to jid.JID) error { return b.do(ctx, to, b.peer.Status) }

// do runs the libotr command f for to's bare JID unless ctx is done.
func (b *Buddy) do(ctx context.Context, to jid.JID, f func(peer string) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return f(to.Bare().String())
}

// GoOffline closes the XMPP client for good (the account goes offline) and
// leaves libotr running; what libotr sends after it fails as Error events.
// Close is still needed.
func (b *Buddy) GoOffline() error { return b.client.Close() }

// Close disconnects the XMPP account, stops libotr and closes the channels.
// The record stays readable.
func (b *Buddy) Close() error {
	var err error
	b.closeOnce.Do(func() {
		if err = b.client.Close(); errors.Is(err, xmppad.ErrClosed) {
			err = nil // GoOffline closed it
		}
		if perr := b.peer.Close(); err == nil {
			err = perr
		}
		b.cancel() // closes the channels
		<-b.pumped // the peer's event channel is closed once its process exited
	})
	return err
}

// pump sends libotr's injected wire text over XMPP and turns its other
// output into Events.
func (b *Buddy) pump(ctx context.Context) {
	defer close(b.pumped)
	for ev := range b.peer.Events() {
		peer, _ := jid.Parse(ev.Peer)
		out := Event{Kind: kinds[ev.Kind], Peer: peer, At: time.Now(), Text: ev.Data, Encrypted: ev.Encrypted,
			Version: ev.Version, Fingerprint: ev.Fingerprint, Detail: ev.Detail}
		if ev.Kind == "inject" {
			if ev.Data == "" {
				continue // libotr in FINISHED "sends" nothing
			}
			b.mu.Lock()
			to, known := b.full[peer.String()] // the full JID it last wrote from
			b.mu.Unlock()
			if !known {
				to = peer
			}
			msg := xmppad.Outgoing{To: to, Body: ev.Data}
			if strings.HasPrefix(ev.Data, "?OTR") {
				msg.EME = eme
			}
			sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			_, err := b.client.Send(sctx, msg)
			cancel()
			out.Kind, out.Peer = Sent, to
			if err != nil {
				out = Event{Kind: Error, Peer: to, Err: fmt.Errorf("sending to %s: %w", to, err), At: out.At}
			}
		}
		if out.Kind != "" {
			b.log.Add(out)
		}
	}
}

// handler is the buddy's xmppad.Handler (unexported methods for users of Buddy).
type handler struct {
	xmppad.NopHandler
	b *Buddy
}

// HandleMessage hands every body from someone else to libotr.
func (h handler) HandleMessage(m *xmppad.Message) {
	b := h.b
	from := m.From.Bare()
	if m.Carbon != xmppad.CarbonNone || from.Equal(b.bare) {
		return
	}
	b.msgs.Add(*m)
	if m.Type == stanza.ErrorMessage {
		err := ErrMessageError
		if m.Error != nil {
			err = fmt.Errorf("%w: %s %s", ErrMessageError, m.Error.Condition, m.Error.Text)
		}
		b.log.Add(Event{Kind: Error, Peer: from, Err: err, At: time.Now()})
		return
	}
	if m.Body == "" {
		return
	}
	if m.From.Resourcepart() != "" {
		b.mu.Lock()
		b.full[from.String()] = m.From
		b.mu.Unlock()
	}
	b.bodies.Add(m.Body)
	// libotr answers at once; what it injects is queued by libotrpeer and
	// sent by pump, so this never waits for the XMPP client.
	if err := b.peer.Receive(from.String(), m.Body); err != nil {
		b.log.Add(Event{Kind: Error, Peer: from, Err: err, At: time.Now()})
	}
}

// HandlePresence approves subscription requests when configured to.
func (h handler) HandlePresence(p *xmppad.Presence) {
	b := h.b
	switch {
	case p.Type == stanza.AvailablePresence && p.From.Resourcepart() != "":
		b.log.Add(Event{Kind: Online, Peer: p.From, At: time.Now()})
		return
	case p.Type == stanza.UnsubscribedPresence:
		b.log.Add(Event{Kind: Unsubscribed, Peer: p.From.Bare(), At: time.Now()})
		return
	}
	if p.Type != stanza.SubscribePresence || !b.cfg.ApproveSubscriptions {
		return
	}
	from := p.From.Bare()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := b.client.ApproveSubscription(ctx, from, true); err != nil {
			b.log.Add(Event{Kind: Error, Peer: from, Err: fmt.Errorf("approving the subscription: %w", err), At: time.Now()})
			return
		}
		b.log.Add(Event{Kind: Subscribed, Peer: from, At: time.Now()})
	}()
}
