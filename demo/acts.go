package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/internal/dendritetest"
	"github.com/offrecord/offrecord/internal/stacktest"
	"github.com/offrecord/offrecord/internal/xmppbuddy"
)

// act is one step of the scripted conversation. Acts run in order on one
// scene; a later feature (OTR) adds its own act by appending to acts.
type act struct {
	title string
	play  func(ctx context.Context, sc *scene) error
}

var acts = []act{
	{"the Matrix user logs the bridge in to demo@localhost", actLogin},
	{"buddy says hello over XMPP: a portal appears in Matrix", actHello},
	{"the Matrix user replies: buddy gets it over XMPP", actReply},
	{"buddy types", actTyping},
	{"corrections both ways", actCorrections},
}

// scene is what the acts share: both sides and what they have seen so far.
type scene struct {
	tr *transcript
	st *state

	mx   *dendritetest.User // the Matrix user @demo:localhost
	mgmt id.RoomID          // the DM with the bridge bot
	bot  id.UserID

	buddy    *xmppbuddy.Buddy // the scripted XMPP contact's client
	buddyJID jid.JID          // buddy@localhost
	userJID  jid.JID          // demo@localhost, the Matrix user's bridged account
	ghost    id.UserID
	portal   id.RoomID

	hello   sent    // buddy's first message
	reply   sent    // the Matrix user's reply
	replyTo jid.JID // the full JID the bridge sends the Matrix user's messages from

	otr *otrScene // the OTR acts' libotr buddy and its portal (otr.go)
}

// sent is one message as both networks know it.
type sent struct {
	xmppID  string
	eventID id.EventID
}

func (sc *scene) matrixSide() string { return "matrix " + sc.mx.UserID.String() }
func (sc *scene) xmppSide() string   { return "xmpp " + sc.buddyJID.String() }

// close disconnects the scripted clients (the servers keep running).
func (sc *scene) close() {
	if sc.otr != nil {
		_ = sc.otr.buddy.Close()
	}
	if sc.buddy != nil {
		_ = sc.buddy.Close()
	}
	if sc.mx != nil {
		sc.mx.Close()
	}
}

// since formats the time elapsed since t.
func since(t time.Time) string { return fmt.Sprintf("%.2fs after sending", time.Since(t).Seconds()) }

// actLogin logs the Matrix user in, has it send the bot `login password …`,
// and connects the scripted buddy.
func actLogin(ctx context.Context, sc *scene) error {
	st := sc.st
	sc.userJID = jid.MustParse(xmppUser + "@" + st.XMPPDomain)
	sc.buddyJID = jid.MustParse(xmppBuddy + "@" + st.XMPPDomain)
	sc.bot = id.UserID(st.Bot)
	sc.ghost = id.NewUserID("xmpp_"+id.EncodeUserLocalpart(sc.buddyJID.String()), id.UserID(st.Bot).Homeserver())

	cli, err := mautrix.NewClient(st.Homeserver, "", "")
	if err != nil {
		return err
	}
	if _, err := cli.Login(ctx, &mautrix.ReqLogin{
		Type:                     mautrix.AuthTypePassword,
		Identifier:               mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: matrixUser},
		Password:                 matrixPass,
		StoreCredentials:         true,
		InitialDeviceDisplayName: "offrecord demo script",
	}); err != nil {
		return fmt.Errorf("logging in to Matrix: %w", err)
	}
	if sc.mx, err = dendritetest.NewUserFromClient(ctx, cli, dendritetest.UserOptions{AutoJoin: true, Password: matrixPass}); err != nil {
		return err
	}
	sc.tr.say(sc.matrixSide(), "logged in to %s", st.Homeserver)
	if sc.mgmt, err = sc.mx.CreateDM(ctx, sc.bot, false); err != nil {
		return fmt.Errorf("DM with the bot: %w", err)
	}
	if err := sc.mx.WaitJoined(ctx, sc.mgmt, sc.bot); err != nil {
		return fmt.Errorf("the bot did not join its DM: %w", err)
	}
	sc.tr.say(sc.matrixSide(), "opened a DM with the bridge bot %s: %s", sc.bot, sc.mgmt)

	cursor := sc.mx.Cursor()
	if _, err := sc.mx.SendText(ctx, sc.mgmt, "login password "+sc.userJID.String()+" "+xmppUserPass); err != nil {
		return err
	}
	sc.tr.say(sc.matrixSide(), "sent the bot: login password %s ********", sc.userJID)
	notice, err := sc.mx.WaitEventFrom(ctx, cursor, sc.mgmt, func(e *event.Event) bool {
		return e.Sender == sc.bot && e.Type == event.EventMessage &&
			e.Content.AsMessage().MsgType == event.MsgNotice && e.Content.Raw["fi.mau.bridge_state"] == nil
	})
	if err != nil {
		return fmt.Errorf("no answer from the bot: %w", err)
	}
	answer := notice.Content.AsMessage().Body
	sc.tr.say(sc.matrixSide(), "bot answered: %q", answer)
	if !strings.Contains(answer, "Logged in as "+sc.userJID.String()) {
		return fmt.Errorf("the bridge did not log in: %q", answer)
	}

	if sc.buddy, err = xmppbuddy.Start(ctx, xmppbuddy.Config{
		JID: sc.buddyJID.String(), Password: xmppBudPass, Resource: "demo-script", Server: st.XMPPServer, CAFile: st.CAFile,
	}); err != nil {
		return fmt.Errorf("buddy's XMPP login: %w", err)
	}
	sc.tr.say(sc.xmppSide(), "online as %s (STARTTLS to %s)", sc.buddy.JID(), st.XMPPServer)
	return nil
}

// actHello: the buddy's first message creates the portal.
func actHello(ctx context.Context, sc *scene) error {
	const body = "Hello from XMPP! It's buddy."
	cursor, mark := sc.mx.Cursor(), sc.buddy.Mark()
	t := time.Now()
	msgID, err := sc.buddy.Send(ctx, xmppad.Outgoing{To: sc.userJID, Body: body, RequestReceipt: true, Markable: true})
	if err != nil {
		return err
	}
	sc.tr.say(sc.xmppSide(), "sent to %s: %q", sc.userJID, body)
	invite, err := sc.mx.WaitEventFrom(ctx, cursor, "", func(e *event.Event) bool {
		return e.Type == event.StateMember && e.GetStateKey() == sc.mx.UserID.String() &&
			e.Content.AsMember().Membership == event.MembershipInvite
	})
	if err != nil {
		return fmt.Errorf("no portal invite: %w", err)
	}
	sc.portal = invite.RoomID
	sc.tr.say(sc.matrixSide(), "invited by %s to a new portal %s, joins it", invite.Sender, sc.portal)
	evt, err := stacktest.WaitText(ctx, sc.mx, cursor, sc.portal, sc.ghost, body)
	if err != nil {
		return err
	}
	sc.hello = sent{xmppID: msgID, eventID: evt.ID}
	sc.tr.say(sc.matrixSide(), "saw in the portal: <%s> %q (%s)", sc.ghost, body, since(t))
	if _, _, err := sc.buddy.Wait(ctx, mark, func(ev xmppbuddy.Event) bool { return ev.Kind == xmppbuddy.Receipt && ev.ID == msgID }); err != nil {
		return fmt.Errorf("no delivery receipt: %w", err)
	}
	sc.tr.say(sc.xmppSide(), "got a delivery receipt (XEP-0184) from %s: the bridge put it into Matrix", sc.userJID)
	return nil
}

// actReply: the Matrix user answers in the portal; buddy marks it read.
func actReply(ctx context.Context, sc *scene) error {
	const body = "Hi buddy! Matrix here, reading you through offrecord."
	t, mark := time.Now(), sc.buddy.Mark()
	evID, err := sc.mx.SendText(ctx, sc.portal, body)
	if err != nil {
		return err
	}
	sc.tr.say(sc.matrixSide(), "sent in the portal: %q", body)
	got, err := sc.buddy.WaitBody(ctx, mark, body)
	if err != nil {
		return fmt.Errorf("buddy did not get the reply: %w", err)
	}
	m := got.Message
	sc.reply, sc.replyTo = sent{xmppID: m.ID, eventID: evID}, m.From
	sc.tr.say(sc.xmppSide(), "received from %s: %q (%s)", m.From, m.Body, since(t))
	if err := sc.buddy.Client().SendReceipt(ctx, m.From, m.ID); err != nil {
		return err
	}
	t = time.Now()
	if err := sc.buddy.Client().SendDisplayed(ctx, m.From, m.ID); err != nil {
		return err
	}
	sc.tr.say(sc.xmppSide(), "sent a delivery receipt and a displayed marker (XEP-0333)")
	if err := sc.mx.WaitReceipt(ctx, sc.portal, evID, sc.ghost); err != nil {
		return fmt.Errorf("no read receipt in Matrix: %w", err)
	}
	sc.tr.say(sc.matrixSide(), "saw a read receipt from %s on the reply (%s)", sc.ghost, since(t))
	return nil
}

// actTyping: XEP-0085 chat states become Matrix typing notifications.
func actTyping(ctx context.Context, sc *scene) error {
	for _, step := range []struct {
		state  xmppad.ChatState
		typing bool
		saw    string
	}{
		{xmppad.ChatComposing, true, "sees %s typing… (%s)"},
		{xmppad.ChatPaused, false, "sees %s stop typing (%s)"},
	} {
		cursor := sc.mx.Cursor()
		t := time.Now()
		if err := sc.buddy.Client().SendChatState(ctx, sc.userJID, step.state); err != nil {
			return err
		}
		sc.tr.say(sc.xmppSide(), "chat state %q (XEP-0085)", step.state)
		if err := waitTyping(ctx, sc.mx, cursor, sc.portal, sc.ghost, step.typing); err != nil {
			return fmt.Errorf("typing not shown in Matrix: %w", err)
		}
		sc.tr.say(sc.matrixSide(), step.saw, sc.ghost, since(t))
	}
	sc.tr.note("Matrix typing does not reach XMPP here: Dendrite does not pass typing to appservices (MSC2409).")
	return nil
}

// actCorrections: XEP-0308 corrections and Matrix edits, both ways.
func actCorrections(ctx context.Context, sc *scene) error {
	const fixed = "Hello from XMPP! It's buddy, your XMPP friend."
	cursor := sc.mx.Cursor()
	t := time.Now()
	if _, err := sc.buddy.Send(ctx, xmppad.Outgoing{To: sc.userJID, Body: fixed, Replace: sc.hello.xmppID}); err != nil {
		return err
	}
	sc.tr.say(sc.xmppSide(), "corrected its hello (XEP-0308): %q", fixed)
	if _, err := sc.mx.WaitEventFrom(ctx, cursor, sc.portal, func(e *event.Event) bool {
		c := e.Content.AsMessage()
		return e.Sender == sc.ghost && c.RelatesTo != nil && c.RelatesTo.Type == event.RelReplace &&
			c.RelatesTo.EventID == sc.hello.eventID && c.NewContent != nil && c.NewContent.Body == fixed
	}); err != nil {
		return fmt.Errorf("the correction did not become an edit: %w", err)
	}
	sc.tr.say(sc.matrixSide(), "saw the hello edited in place: %q (%s)", fixed, since(t))

	const edited = "Hi buddy! Matrix here, reading you through offrecord. (edited)"
	edit := &event.MessageEventContent{MsgType: event.MsgText, Body: "* " + edited}
	edit.SetEdit(sc.reply.eventID)
	edit.NewContent.Body = edited
	t, mark := time.Now(), sc.buddy.Mark()
	if _, err := sc.mx.SendMessageEvent(ctx, sc.portal, event.EventMessage, edit); err != nil {
		return err
	}
	sc.tr.say(sc.matrixSide(), "edited its reply: %q", edited)
	got, err := sc.buddy.WaitBody(ctx, mark, edited)
	if err != nil {
		return fmt.Errorf("buddy did not get the edit: %w", err)
	}
	m := got.Message
	if m.Replace != sc.reply.xmppID {
		return fmt.Errorf("the edit arrived as a new message, not a correction of %s", sc.reply.xmppID)
	}
	sc.tr.say(sc.xmppSide(), "received a correction of message %s: %q (%s)", m.Replace, m.Body, since(t))
	return nil
}

// waitTyping waits, after cursor, for an m.typing in room that lists (or no
// longer lists) user.
func waitTyping(ctx context.Context, u *dendritetest.User, cursor int, room id.RoomID, user id.UserID, typing bool) error {
	_, err := u.WaitEventFrom(ctx, cursor, room, func(e *event.Event) bool {
		c, ok := e.Content.Parsed.(*event.TypingEventContent)
		if e.Type != event.EphemeralEventTyping || !ok {
			return false
		}
		found := false
		for _, uid := range c.UserIDs {
			found = found || uid == user
		}
		return found == typing
	})
	return err
}
