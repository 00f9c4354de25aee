// Package xmppbuddy is a plain XMPP user for offrecord's tests, benchmarks
// and demo: our XMPP adapter (adapters/xmpp) with a record of everything the
// account received (messages, receipts, chat states, displayed markers,
// presences, bounces of its messages), each stamped on arrival, to be read
// and waited for by position (Mark, Since, Wait) as internal/otrbuddy's
// record is.
//
// A Buddy is safe for concurrent use.
package xmppbuddy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/internal/record"
)

// Config describes the buddy's account.
type Config struct {
	JID      string // bare JID, user@domain
	Password string
	Resource string // default "buddy"
	Server   string // host:port (STARTTLS required); empty means the domain's port 5222
	CAFile   string // extra PEM CA to trust (a test server's self-signed certificate)
	// ReconnectMin and ReconnectMax bound the client's reconnect backoff;
	// zero means the adapter's defaults.
	ReconnectMin, ReconnectMax time.Duration
}

// Kind says what an Event is.
type Kind string

// Event kinds.
const (
	Message   Kind = "message"    // a message stanza (Message), carbons and errors included
	Receipt   Kind = "receipt"    // a XEP-0184 receipt for the message ID
	ChatState Kind = "chat_state" // a XEP-0085 chat state (State)
	Displayed Kind = "displayed"  // a XEP-0333 displayed marker for the message ID
	Presence  Kind = "presence"   // a presence stanza (Presence), subscription requests included
	Bounce    Kind = "bounce"     // an error stanza in reply to our message ID (Error)
)

// Event is something the buddy's client received.
type Event struct {
	Kind    Kind
	From    jid.JID
	Message *xmppad.Message // Kind Message: a copy of the stanza as received
	ID      string          // Receipt, Displayed: the message they acknowledge
	State   xmppad.ChatState
	Error   *xmppad.StanzaError // Kind Bounce
	Carbon  xmppad.Carbon
	At      time.Time // when the handler got it

	Presence *xmppad.Presence // Kind Presence: a copy of the presence as received
}

// Buddy is one connected XMPP account.
type Buddy struct {
	client *xmppad.Client
	bare   jid.JID
	log    *record.Log[Event]
	cancel context.CancelFunc
}

// Start connects the account (ctx bounds the login) and keeps it connected
// until Close.
func Start(ctx context.Context, cfg Config) (*Buddy, error) {
	bare, err := jid.Parse(cfg.JID)
	if err != nil {
		return nil, fmt.Errorf("xmppbuddy: JID: %w", err)
	}
	if cfg.Resource == "" {
		cfg.Resource = "buddy"
	}
	b := &Buddy{bare: bare.Bare(), log: record.New[Event]()}
	b.client, err = xmppad.New(xmppad.Config{
		JID: b.bare.String(), Password: cfg.Password, Resource: cfg.Resource, Server: cfg.Server,
		TLS: xmppad.TLSRequired, CAFile: cfg.CAFile, ReconnectMin: cfg.ReconnectMin, ReconnectMax: cfg.ReconnectMax,
	}, handler{b: b})
	if err != nil {
		return nil, err
	}
	if err := b.client.Connect(ctx); err != nil {
		return nil, fmt.Errorf("xmppbuddy: XMPP login as %s: %w", b.bare, err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b.cancel = cancel
	go b.client.Run(runCtx)
	return b, nil
}

// JID is the bound full JID.
func (b *Buddy) JID() jid.JID { return b.client.LocalJID() }

// Client is the XMPP client, for anything beyond Send (receipts, chat
// states, uploads).
func (b *Buddy) Client() *xmppad.Client { return b.client }

// Send sends a message and returns its stanza id.
func (b *Buddy) Send(ctx context.Context, out xmppad.Outgoing) (string, error) {
	return b.client.Send(ctx, out)
}

// Close disconnects the account; the record stays readable.
func (b *Buddy) Close() error {
	err := b.client.Close()
	b.cancel()
	return err
}

// Mark is the position of the next event: waits from it ignore what came before.
func (b *Buddy) Mark() int { return b.log.Len() }

// Since returns the events from position i on.
func (b *Buddy) Since(i int) []Event { return b.log.Since(i) }

// Wait returns the first event at or after position i matching pred, and
// its position, waiting until ctx is done.
func (b *Buddy) Wait(ctx context.Context, i int, pred func(Event) bool) (Event, int, error) {
	ev, at, err := b.log.Wait(ctx, i, pred)
	if err != nil {
		return ev, at, fmt.Errorf("xmppbuddy %s: %w", b.bare, err)
	}
	return ev, at, nil
}

// WaitBody returns the first message at or after position i whose body is body.
func (b *Buddy) WaitBody(ctx context.Context, i int, body string) (Event, error) {
	ev, _, err := b.Wait(ctx, i, func(ev Event) bool { return ev.Kind == Message && ev.Message.Body == body })
	if err != nil {
		return ev, fmt.Errorf("%w (waiting for %q)", err, body)
	}
	return ev, nil
}

var _ xmppad.Handler = handler{}

// handler records what the client receives (unexported methods for users of Buddy).
type handler struct {
	xmppad.NopHandler
	b *Buddy
}

func (h handler) HandleMessage(m *xmppad.Message) {
	msg := *m
	h.b.log.Add(Event{Kind: Message, From: m.From, Message: &msg, Carbon: m.Carbon, At: time.Now()})
}

func (h handler) HandleReceipt(from jid.JID, id string) {
	h.b.log.Add(Event{Kind: Receipt, From: from, ID: id, At: time.Now()})
}

func (h handler) HandleChatState(from jid.JID, s xmppad.ChatState, c xmppad.Carbon) {
	h.b.log.Add(Event{Kind: ChatState, From: from, State: s, Carbon: c, At: time.Now()})
}

func (h handler) HandleDisplayed(from jid.JID, id string, c xmppad.Carbon) {
	h.b.log.Add(Event{Kind: Displayed, From: from, ID: id, Carbon: c, At: time.Now()})
}

func (h handler) HandlePresence(p *xmppad.Presence) {
	pr := *p
	h.b.log.Add(Event{Kind: Presence, From: p.From, Presence: &pr, At: time.Now()})
}

func (h handler) HandleError(err error) {
	var se *xmppad.StanzaError
	if errors.As(err, &se) {
		h.b.log.Add(Event{Kind: Bounce, From: se.From, ID: se.ID, Error: se, At: time.Now()})
	}
}
