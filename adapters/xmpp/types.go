package xmpp

import (
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// TLSMode says how the connection is secured.
type TLSMode string

// TLS modes.
const (
	TLSRequired TLSMode = "required" // STARTTLS required (default)
	TLSDirect   TLSMode = "direct"   // XEP-0368 direct TLS on connect
	TLSDisabled TLSMode = "disabled" // no TLS at all; only when explicitly configured (tests / loopback)
)

// UnmarshalText reads a TLS mode's word (required, direct or disabled).
func (m *TLSMode) UnmarshalText(b []byte) error {
	switch v := TLSMode(b); v {
	case TLSRequired, TLSDirect, TLSDisabled:
		*m = v
		return nil
	}
	return fmt.Errorf("must be required, direct or disabled, not %q", b)
}

// Config describes one account's connection.
type Config struct {
	JID                        string        // bare JID of the account, user@domain
	Password                   string        // never logged
	Resource                   string        // stable resource we bind; the server may override it
	Server                     string        // optional host:port; empty means domain:5222 (or :5223 for direct TLS)
	TLS                        TLSMode       // empty means TLSRequired
	CAFile                     string        // extra PEM CA(s) to trust
	InsecureSkipVerify         bool          // never default
	AllowPlainAuth             bool          // PLAIN without TLS; only honoured with TLSDisabled
	ConnectTimeout             time.Duration // 0 means 30s
	KeepaliveInterval          time.Duration // XEP-0199 ping interval; 0 means 60s
	KeepaliveTimeout           time.Duration // missing pong within this means reconnect; 0 means 20s
	ReconnectMin, ReconnectMax time.Duration // exponential backoff doubling to the cap, with jitter; 0 means 1s / 5m
	QueueLimit                 int           // outgoing messages kept while disconnected; 0 means 1000
	Logger                     zerolog.Logger
}

// Handler receives events. Methods are called from the client's goroutine(s) and must not block for long;
// the client never holds its locks while calling them.
type Handler interface {
	// HandleMessage gets a chat/normal message with a body or attachment, including carbons (m.Carbon).
	HandleMessage(m *Message)
	// HandleChatState gets a XEP-0085 chat state notification without a body.
	HandleChatState(from jid.JID, s ChatState, carbon Carbon)
	// HandleReceipt gets a XEP-0184 delivery receipt for the message id.
	HandleReceipt(from jid.JID, id string)
	// HandleDisplayed gets a XEP-0333 displayed marker for the message id.
	HandleDisplayed(from jid.JID, id string, carbon Carbon)
	// HandlePresence gets a presence of a contact.
	HandlePresence(p *Presence)
	// HandleRoster gets the full roster after connecting (push false) and pushes afterwards (push true).
	HandleRoster(items []RosterItem, push bool)
	// HandleConnState gets connection state changes.
	HandleConnState(s ConnState, err error)
	// HandleError gets errors not tied to a call, e.g. a message error stanza (see *StanzaError), or
	// messages that never reached the server when the client was closed (*UndeliveredError).
	HandleError(err error)
}

// Carbon says whether a message is a XEP-0280 carbon copy and which way.
type Carbon int

// Carbon kinds.
const (
	CarbonNone     Carbon = iota // not a carbon
	CarbonReceived               // copy of a message another resource of ours received
	CarbonSent                   // copy of a message another resource of ours sent
)

// ChatState is a XEP-0085 chat state.
type ChatState string

// Chat states.
const (
	ChatActive    ChatState = "active"
	ChatComposing ChatState = "composing"
	ChatPaused    ChatState = "paused"
	ChatInactive  ChatState = "inactive"
	ChatGone      ChatState = "gone"
)

// Message is a received message.
type Message struct {
	ID               string             // stanza id (or XEP-0359 origin-id when present)
	From, To         jid.JID            // full JIDs as on the wire (for carbons: of the forwarded message)
	Type             stanza.MessageType // chat, normal, error …
	Body             string             // never logged
	Subject          string             // subject, if any
	Replace          string             // XEP-0308: id of the message this corrects
	OOB              []OOB              // XEP-0066 jabber:x:oob URLs (+desc)
	ReceiptRequested bool               // XEP-0184 request
	Markable         bool               // XEP-0333
	ChatState        ChatState          // if also present
	Delay            time.Time          // XEP-0203 delay, zero if none
	Carbon           Carbon             // XEP-0280
	EME              string             // XEP-0380 namespace if present (e.g. "urn:xmpp:otr:0")
	Error            *stanza.Error      // for type=error
	Reactions        *Reactions         // XEP-0444: the sender's full set of reactions to a message
	Reply            *Reply             // XEP-0461: the message this one answers
	Retract          string             // XEP-0424: id of the sender's message to remove
	Fallbacks        []Fallback         // XEP-0428: body text that stands in for an extension
	Unstyled         bool               // XEP-0393 <unstyled/>: show the body without styling
	ServerID         string             // XEP-0359 stanza-id our server gave it (its archive id), "" if none
}

// OOB is a XEP-0066 out-of-band URL.
type OOB struct{ URL, Desc string }

// Outgoing is a message to send.
type Outgoing struct {
	To                                jid.JID    // bare or full
	ID                                string     // generated if empty; returned by Send
	Body                              string     // never logged
	Replace                           string     // XEP-0308
	OOB                               *OOB       // XEP-0066 (body defaults to the URL)
	RequestReceipt                    bool       // XEP-0184
	Markable                          bool       // XEP-0333
	ChatState                         ChatState  // optional XEP-0085 state sent along
	NoStore, NoPermanentStore, NoCopy bool       // XEP-0334 hints
	Private                           bool       // XEP-0280 <private/>, carbons not copied
	EME                               string     // XEP-0380 encryption namespace
	Reactions                         *Reactions // XEP-0444 (the full set); the body may then be empty
	Reply                             *Reply     // XEP-0461
	ReplyQuote                        string     // quoted text put before Body as the reply's XEP-0428 fallback
	Retract                           string     // XEP-0424: id of our message to remove; the body defaults to a fallback
}

// Presence is a contact's presence for one full JID.
type Presence struct {
	From     jid.JID
	Type     stanza.PresenceType
	Show     string
	Status   string
	Priority int8
}

// RosterItem is one roster entry (RFC 6121).
type RosterItem struct {
	JID          jid.JID
	Name         string
	Subscription string
	Ask          string
	Groups       []string
}

// ConnState is the state of the connection.
type ConnState int

// Connection states.
const (
	StateConnecting   ConnState = iota // dialling and negotiating
	StateConnected                     // session established and queue flushed: Send writes directly
	StateDisconnected                  // connection lost (err says why) or closed
	StateReconnecting                  // waiting for the next attempt
	StateLoggedOut                     // credentials refused; Run stops
)

// String names the state.
func (s ConnState) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateConnected:
		return "connected"
	case StateDisconnected:
		return "disconnected"
	case StateReconnecting:
		return "reconnecting"
	case StateLoggedOut:
		return "logged_out"
	}
	return "unknown"
}
