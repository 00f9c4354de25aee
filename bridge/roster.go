package bridge

import (
	"github.com/rs/zerolog"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/bridgev2/matrix"
	"maunium.net/go/mautrix/event"
	"mellium.im/xmpp/stanza"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// HandleRoster renames existing contact ghosts when roster names change.
// Ghosts are not created for every roster entry: only chats make them.
func (c *Client) HandleRoster(items []xmppad.RosterItem, push bool) {
	ctx := c.backgroundCtx()
	for _, item := range items {
		contact := item.JID.Bare()
		if contact.Localpart() == "" {
			continue
		}
		ghost, err := c.conn.Bridge.GetExistingGhostByID(ctx, makeUserID(contact))
		if err != nil || ghost == nil {
			continue
		}
		ghost.UpdateInfo(ctx, c.userInfo(contact, item.Name))
	}
}

// HandlePresence mirrors a contact's presence on their ghost, where the
// homeserver supports presence. Failures are only logged at debug level:
// many homeservers disable presence.
func (c *Client) HandlePresence(p *xmppad.Presence) {
	contact := p.From.Bare()
	if contact.Equal(c.self) || contact.Localpart() == "" {
		return
	}
	switch p.Type {
	case stanza.SubscribePresence, stanza.UnsubscribePresence, stanza.SubscribedPresence, stanza.UnsubscribedPresence:
		c.handleSubscription(&presenceFrom{contact: contact, typ: p.Type})
		return
	}
	if l := c.conn.otr; l != nil {
		l.presence(c, p)
	}
	ctx := c.backgroundCtx()
	ghost, err := c.conn.Bridge.GetExistingGhostByID(ctx, makeUserID(contact))
	if err != nil || ghost == nil {
		return
	}
	intent, ok := ghost.Intent.(*matrix.ASIntent)
	if !ok {
		return
	}
	req := mautrix.ReqPresence{Presence: event.PresenceOffline}
	if xc := c.xmpp(); xc != nil {
		for _, r := range xc.OnlineResources(contact) {
			if r.Type != stanza.AvailablePresence {
				continue
			}
			switch r.Show {
			case "", "chat":
				req = mautrix.ReqPresence{Presence: event.PresenceOnline, StatusMsg: r.Status}
			default:
				if req.Presence != event.PresenceOnline {
					req = mautrix.ReqPresence{Presence: event.PresenceUnavailable, StatusMsg: r.Status}
				}
			}
		}
	}
	if err := intent.Matrix.SetPresence(ctx, req); err != nil {
		zerolog.Ctx(ctx).Debug().Err(err).Str("contact", contact.String()).Msg("Homeserver did not take ghost presence")
	}
}
