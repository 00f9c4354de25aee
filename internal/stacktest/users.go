package stacktest

import (
	"context"
	"fmt"
	"strings"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
	"mellium.im/xmpp/jid"

	"github.com/offrecord/offrecord/internal/dendritetest"
	"github.com/offrecord/offrecord/internal/otrbuddy"
	"github.com/offrecord/offrecord/internal/xmppbuddy"
)

// XMPPAccount registers name on prosody with password "pw-"+name and
// returns its bare JID and the password.
func (s *Stack) XMPPAccount(name string) (jid.JID, string, error) {
	pass := "pw-" + name
	if err := s.Prosody.Register(name, pass); err != nil {
		return jid.JID{}, "", err
	}
	return jid.MustParse(name + "@" + s.Prosody.Domain()), pass, nil
}

// BuddyConfig is the xmppbuddy config of an account on this prosody
// (STARTTLS with the test CA).
func (s *Stack) BuddyConfig(account jid.JID, pass, resource string) xmppbuddy.Config {
	return xmppbuddy.Config{JID: account.String(), Password: pass, Resource: resource,
		Server: s.Prosody.Addr(), CAFile: s.Prosody.CAFile()}
}

// OTRBuddyConfig is the otrbuddy config of an account on this prosody.
func (s *Stack) OTRBuddyConfig(account jid.JID, pass, resource string) otrbuddy.Config {
	return otrbuddy.Config{JID: account.String(), Password: pass, Resource: resource,
		Server: s.Prosody.Addr(), CAFile: s.Prosody.CAFile()}
}

// BotReply reports whether e is a notice of bot that is not a bridge state
// notice: the answer to a command.
func BotReply(bot id.UserID, e *event.Event) bool {
	return e.Sender == bot && e.Type == event.EventMessage && e.Content.AsMessage().MsgType == event.MsgNotice &&
		e.Content.Raw["fi.mau.bridge_state"] == nil
}

// Login opens a management room of u with the bridge bot, sends "login
// password ACCOUNT PASS" and waits for the bot's answer, which must say
// "Logged in as ACCOUNT". It returns the room and the event cursor from
// before the command (the bridge state notices of the login follow it).
func Login(ctx context.Context, u *dendritetest.User, bot id.UserID, account jid.JID, pass string) (id.RoomID, int, error) {
	mgmt, err := u.CreateDM(ctx, bot, false)
	if err != nil {
		return "", 0, fmt.Errorf("management room: %w", err)
	}
	if err := u.WaitJoined(ctx, mgmt, bot); err != nil {
		return "", 0, fmt.Errorf("the bot did not join the management room: %w", err)
	}
	cursor := u.Cursor()
	if _, err := u.SendText(ctx, mgmt, "login password "+account.String()+" "+pass); err != nil {
		return "", 0, err
	}
	reply, err := u.WaitEventFrom(ctx, cursor, mgmt, func(e *event.Event) bool { return BotReply(bot, e) })
	if err != nil {
		return "", 0, fmt.Errorf("no answer from the bot to login: %w", err)
	}
	if body := reply.Content.AsMessage().Body; !strings.Contains(body, "Logged in as "+account.String()) {
		return "", 0, fmt.Errorf("login of %s refused: %q", account, body)
	}
	return mgmt, cursor, nil
}

// WaitBridgeState waits for bot's bridge state notice state (CONNECTED,
// TRANSIENT_DISCONNECT, ...) in room after cursor.
func WaitBridgeState(ctx context.Context, u *dendritetest.User, bot id.UserID, room id.RoomID, cursor int, state string) error {
	_, err := u.WaitEventFrom(ctx, cursor, room, func(e *event.Event) bool {
		bs, _ := e.Content.Raw["fi.mau.bridge_state"].(map[string]any)
		return e.Sender == bot && bs != nil && bs["state_event"] == state
	})
	if err != nil {
		return fmt.Errorf("no %s bridge state notice: %w", state, err)
	}
	return nil
}

// Ghost is the Matrix ID of contact's ghost for a bridge whose
// username_template is prefix+"{{.}}".
func Ghost(prefix string, contact jid.JID) id.UserID {
	return id.NewUserID(prefix+id.EncodeUserLocalpart(contact.Bare().String()), dendritetest.ServerName)
}

// WaitText waits in room (any room when "") after cursor for a timeline
// m.room.message from sender whose body is body.
func WaitText(ctx context.Context, u *dendritetest.User, cursor int, room id.RoomID, sender id.UserID, body string) (*event.Event, error) {
	evt, err := u.WaitEventFrom(ctx, cursor, room, func(e *event.Event) bool {
		return e.Sender == sender && e.Type == event.EventMessage && e.Mautrix.EventSource&event.SourceTimeline != 0 &&
			e.Content.AsMessage().Body == body
	})
	if err != nil {
		return nil, fmt.Errorf("no message %q from %s: %w", body, sender, err)
	}
	return evt, nil
}
