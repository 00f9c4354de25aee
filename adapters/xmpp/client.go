package xmpp

import (
	"context"
	"errors"
	"io"

	"mellium.im/xmpp/jid"
)

// Client keeps one XMPP account connected.
type Client struct {
	cfg Config
	h   Handler
}

// New checks cfg and returns a client that is not yet connected.
func New(cfg Config, h Handler) (*Client, error) {
	return &Client{cfg: cfg, h: h}, nil
}

// Connect makes the first connection synchronously and returns a classified error.
func (c *Client) Connect(ctx context.Context) error { return errors.New("xmpp: not implemented") }

// Run keeps the session up until ctx is done or Close is called.
func (c *Client) Run(ctx context.Context) {}

// Close sends unavailable presence, closes the stream and stops Run.
func (c *Client) Close() error { return nil }

// LocalJID returns the bound full JID.
func (c *Client) LocalJID() jid.JID { return jid.JID{} }

// Connected reports whether a session is up.
func (c *Client) Connected() bool { return false }

// Send sends m, or queues it while disconnected; it returns the stanza id.
func (c *Client) Send(ctx context.Context, m Outgoing) (id string, err error) {
	return "", ErrNotConnected
}

// SendChatState sends a XEP-0085 chat state; it is dropped when offline.
func (c *Client) SendChatState(ctx context.Context, to jid.JID, s ChatState) error {
	return ErrNotConnected
}

// SendReceipt sends a XEP-0184 receipt for id.
func (c *Client) SendReceipt(ctx context.Context, to jid.JID, id string) error {
	return ErrNotConnected
}

// SendDisplayed sends a XEP-0333 displayed marker for id.
func (c *Client) SendDisplayed(ctx context.Context, to jid.JID, id string) error {
	return ErrNotConnected
}

// SetPresence sets our own presence.
func (c *Client) SetPresence(ctx context.Context, show, status string) error {
	return ErrNotConnected
}

// Roster returns the cached roster.
func (c *Client) Roster() []RosterItem { return nil }

// OnlineResources returns the cached presences of a contact's resources.
func (c *Client) OnlineResources(bare jid.JID) []Presence { return nil }

// AddContact adds j to the roster and subscribes to its presence.
func (c *Client) AddContact(ctx context.Context, j jid.JID, name string) error {
	return ErrNotConnected
}

// Upload stores a file via XEP-0363 and returns its GET URL.
func (c *Client) Upload(ctx context.Context, filename string, size int64, contentType string, body io.Reader) (getURL string, err error) {
	return "", ErrNotConnected
}

// Download fetches url with at most maxSize bytes.
func (c *Client) Download(ctx context.Context, url string, maxSize int64) (data []byte, contentType string, err error) {
	return nil, "", ErrNotConnected
}
