package bridge

import (
	"errors"
	"strings"

	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/networkid"
	"mellium.im/xmpp/jid"
)

// errNotBareJID is returned for identifiers that are not user@domain.
var errNotBareJID = errors.New("that is not an XMPP address of the form user@example.org")

// parseBareJID parses and normalises a bare JID (user@domain, no resource).
// An "xmpp:" URI prefix is accepted.
func parseBareJID(s string) (jid.JID, error) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "xmpp:"))
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i]
	}
	j, err := jid.Parse(s)
	if err != nil || j.Localpart() == "" || j.Resourcepart() != "" {
		return jid.JID{}, errNotBareJID
	}
	return j, nil
}

// makeUserID is the network user ID of a contact: its normalised bare JID.
func makeUserID(j jid.JID) networkid.UserID {
	return networkid.UserID(j.Bare().String())
}

// parseUserID reverses makeUserID.
func parseUserID(id networkid.UserID) (jid.JID, error) {
	return parseBareJID(string(id))
}

// makeUserLoginID is the login ID of an account: its normalised bare JID.
func makeUserLoginID(j jid.JID) networkid.UserLoginID {
	return networkid.UserLoginID(j.Bare().String())
}

// makePortalKey is the key of the DM portal between a login and a contact.
// DMs are per login, so two Matrix users chatting with one contact get two portals.
func makePortalKey(login networkid.UserLoginID, contact jid.JID) networkid.PortalKey {
	return networkid.PortalKey{ID: networkid.PortalID(contact.Bare().String()), Receiver: login}
}

// parsePortalID returns the contact of a DM portal.
func parsePortalID(id networkid.PortalID) (jid.JID, error) {
	return parseBareJID(string(id))
}

// makeMessageID scopes an XMPP stanza id by its sender, since XMPP ids are
// only unique per sender (and XEP-0308 corrections name the sender's id).
func makeMessageID(sender jid.JID, stanzaID string) networkid.MessageID {
	return networkid.MessageID(sender.Bare().String() + "|" + stanzaID)
}

// parseMessageID returns the stanza id part of a message ID.
func parseMessageID(id networkid.MessageID) (sender, stanzaID string) {
	sender, stanzaID, _ = strings.Cut(string(id), "|")
	return sender, stanzaID
}

// makeEventSender describes a contact as the sender of a remote event.
func makeEventSender(contact jid.JID) bridgev2.EventSender {
	return bridgev2.EventSender{Sender: makeUserID(contact)}
}
