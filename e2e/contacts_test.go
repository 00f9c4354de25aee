package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/offrecord/offrecord/bridge"
	"github.com/offrecord/offrecord/internal/dendritetest"
	"github.com/offrecord/offrecord/internal/otrbuddy"
)

// waitBotNotice waits, in any room, for the bot's notice of kind after cursor.
func (mu *matrixUser) waitBotNotice(t *testing.T, cursor int, kind string) *event.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), otrWait)
	defer cancel()
	evt, err := mu.WaitEventFrom(ctx, cursor, "", func(e *event.Event) bool { return otrKindOf(mu.bot, e) == kind })
	if err != nil {
		t.Fatalf("no %q notice from the bot: %v", kind, err)
	}
	return evt
}

// subscribeTo has the buddy add the bridged account and ask for its
// presence, as a real contact does who writes first.
func (b *otrBuddy) subscribeTo(t *testing.T, who *matrixUser) {
	t.Helper()
	if err := b.Client().AddContact(ctxFor(t), who.jid, "Alice"); err != nil {
		t.Fatalf("the buddy could not add %s: %v", who.jid, err)
	}
}

// waitOnline waits until the buddy sees the bridged account online.
func (b *otrBuddy) waitOnline(t *testing.T, cursor int) {
	t.Helper()
	b.waitEvent(t, cursor, "the bridged account online", func(ev otrbuddy.Event) bool {
		return ev.Kind == otrbuddy.Online && ev.Peer.Bare().Equal(b.alice)
	})
}

// TestBuddyWritesFirstThenOTR: nothing arranged beforehand. The buddy adds
// the user, which the user approves with a ✅ reaction in the portal the
// request made; the buddy then sees the user online, writes, asks for OTR,
// and the user accepts. Every bot notice has an HTML body, the user's own
// OTR message carries the bot's 🔑 and the room topic shows OTR is on.
func TestBuddyWritesFirstThenOTR(t *testing.T) {
	alice := newMatrixUser(t, false)
	bob := newOTRBuddy(t, alice.jid)
	ev0, _ := bob.mark()
	cursor := alice.Cursor()
	bob.subscribeTo(t, alice)
	req := alice.waitBotNotice(t, cursor, "subscription_request")
	portal := req.RoomID
	if _, err := alice.SendReaction(ctxFor(t), portal, req.ID, "✅"); err != nil {
		t.Fatalf("reacting to the request: %v", err)
	}
	alice.waitNotice(t, cursor, portal, "subscription_approved")
	bob.waitOnline(t, ev0)
	// The bridge asks for the buddy's presence in return.
	bob.waitEvent(t, ev0, "the bridge's own subscription request", func(ev otrbuddy.Event) bool {
		return ev.Kind == otrbuddy.Subscribed && ev.Peer.Equal(bob.alice)
	})

	c := &otrChat{alice: alice, bob: bob, portal: portal, ghost: ghostWithPrefix(mainGhostPrefix, bob.jid)}
	hello := "hello first " + uniqueName("h")
	bob.say(t, hello)
	if evt := alice.waitFrom(t, c.ghost, hello); evt.RoomID != portal {
		t.Fatalf("the buddy's hello went to %s, not the request's portal %s", evt.RoomID, portal)
	}
	ev1, _ := bob.mark()
	cursor = alice.Cursor()
	bob.query(t)
	alice.waitNotice(t, cursor, portal, "pending_acceptance")
	c.otr(t, "accept", "secure")
	bob.waitSecure(t, ev1)
	mine := c.send(t, "off the record from matrix")
	bob.waitEncrypted(t, "off the record from matrix")
	bob.say(t, "off the record from xmpp")
	c.waitOTRMessage(t, "off the record from xmpp")

	ctx, cancel := context.WithTimeout(context.Background(), otrWait)
	defer cancel()
	if _, err := alice.WaitEvent(ctx, portal, func(e *event.Event) bool {
		r, ok := e.Content.Parsed.(*event.ReactionEventContent)
		return ok && e.Sender == alice.bot && r.RelatesTo.EventID == mine && r.RelatesTo.Key == "🔑"
	}); err != nil {
		t.Errorf("the user's own OTR message has no 🔑 from the bot: %v", err)
	}
	if _, err := alice.WaitEvent(ctx, portal, func(e *event.Event) bool {
		tc, ok := e.Content.Parsed.(*event.TopicEventContent)
		return ok && e.Type == event.StateTopic && strings.HasPrefix(tc.Topic, "🔑 Off the record")
	}); err != nil {
		t.Errorf("the room topic does not show OTR: %v", err)
	}
	// An edit of an OTR message, and a reaction to the answered request, get a sentence.
	cursor = alice.Cursor()
	edit := &event.MessageEventContent{MsgType: event.MsgText, Body: "* changed"}
	edit.SetEdit(mine)
	if _, err := alice.SendMessageEvent(ctxFor(t), portal, event.EventMessage, edit); err != nil {
		t.Fatal(err)
	}
	if n := alice.waitNotice(t, cursor, portal, "not_sent"); !strings.Contains(n.Content.AsMessage().Body, "Edits are not sent off the record") {
		t.Errorf("edit of an OTR message: %q", n.Content.AsMessage().Body)
	}
	cursor = alice.Cursor()
	if _, err := alice.SendReaction(ctxFor(t), portal, req.ID, "👍"); err != nil {
		t.Fatal(err)
	}
	if n := alice.waitNotice(t, cursor, portal, "not_sent"); !strings.Contains(n.Content.AsMessage().Body, "already answered") {
		t.Errorf("reaction to an answered request: %q", n.Content.AsMessage().Body)
	}
	for _, e := range alice.Events(portal) {
		if e.Sender != alice.bot || e.Type != event.EventMessage {
			continue
		}
		if m := e.Content.AsMessage(); m.MsgType == event.MsgNotice && (m.Format != event.FormatHTML || m.FormattedBody == "") {
			t.Errorf("bot notice without formatted_body: %q", m.Body)
		}
	}
}

// TestSubscriptionApproveByCommandDenyByReaction: one contact's request is
// approved with the command, another's denied with ❌ (that one is told).
func TestSubscriptionApproveByCommandDenyByReaction(t *testing.T) {
	alice := newMatrixUser(t, false)
	carol := newOTRBuddy(t, alice.jid)
	dave := newOTRBuddy(t, alice.jid)

	evC, _ := carol.mark()
	cursor := alice.Cursor()
	carol.subscribeTo(t, alice)
	req := alice.waitBotNotice(t, cursor, "subscription_request")
	alice.commandIn(t, req.RoomID, "!xmpp subscription approve")
	alice.waitNotice(t, cursor, req.RoomID, "subscription_approved")
	carol.waitOnline(t, evC)

	evD, _ := dave.mark()
	cursor = alice.Cursor()
	dave.subscribeTo(t, alice)
	req = alice.waitBotNotice(t, cursor, "subscription_request")
	if _, err := alice.SendReaction(ctxFor(t), req.RoomID, req.ID, "❌"); err != nil {
		t.Fatalf("reacting to the request: %v", err)
	}
	alice.waitNotice(t, cursor, req.RoomID, "subscription_denied")
	dave.waitEvent(t, evD, "the denial", func(ev otrbuddy.Event) bool {
		return ev.Kind == otrbuddy.Unsubscribed && ev.Peer.Equal(dave.alice)
	})
	for _, ev := range dave.EventsSince(evD) {
		if ev.Kind == otrbuddy.Online && ev.Peer.Bare().Equal(dave.alice) {
			t.Error("a denied contact sees the user online")
		}
	}
}

// TestSubscriptionAutoApprove: with approve_subscriptions on, a request is
// approved at once and the contact sees the user online.
func TestSubscriptionAutoApprove(t *testing.T) {
	bot := startNoOTRBridge(t)
	alice := newMatrixUserOf(t, bot, false)
	bob := newOTRBuddy(t, alice.jid)
	ev0, _ := bob.mark()
	bob.subscribeTo(t, alice)
	bob.waitOnline(t, ev0)
}

// TestOTRBuddyUnseenEnds: the bridge cannot see the buddy's presence (it
// never approved the bridge's request), yet the buddy writes first and asks
// for OTR: the user can accept (a buddy who just wrote OTR is online). When
// the buddy ends OTR, the user's next message is refused and marked failed
// with one notice, never sent.
func TestOTRBuddyUnseenEnds(t *testing.T) {
	alice := newMatrixUser(t, false)
	bob := newOTRBuddyApproving(t, alice.jid, false)
	cursor := alice.Cursor()
	bob.subscribeTo(t, alice)
	req := alice.waitBotNotice(t, cursor, "subscription_request")
	portal := req.RoomID
	alice.commandIn(t, portal, "!xmpp subscription approve")
	c := &otrChat{alice: alice, bob: bob, portal: portal, ghost: ghostWithPrefix(mainGhostPrefix, bob.jid)}
	ev0, _ := bob.mark()
	cursor = alice.Cursor()
	bob.query(t)
	alice.waitNotice(t, cursor, portal, "pending_acceptance")
	c.otr(t, "accept", "secure")
	bob.waitSecure(t, ev0)
	bob.say(t, "bye now")
	c.waitOTRMessage(t, "bye now")
	cursor = alice.Cursor()
	bob.end(t)
	alice.waitNotice(t, cursor, portal, "finished")
	c.refused(t, "are you still there "+uniqueName("r"))
	if kinds := alice.noticesSince(cursor, portal); len(kinds) != 1 {
		t.Errorf("notices after the buddy ended: %v, want one", kinds)
	}
}

// TestOTRBuddyEndsUnseen: the buddy's client drops OTR without telling us
// (as clients do when they think the contact is offline). The user's next
// message goes out encrypted and the buddy's libotr cannot read it (libotr
// 4.1.1 only reports it to its user); when the buddy then writes without
// encryption, the bridge marks the unanswered message failed, says so in one
// notice, and refuses the next one.
func TestOTRBuddyEndsUnseen(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	c.start(t)
	if err := c.bob.Forget(ctxFor(t), c.bob.alice); err != nil {
		t.Fatalf("libotr forget: %v", err)
	}
	cursor := alice.Cursor()
	ev0, _ := c.bob.mark()
	lostMsg := c.send(t, "into the void "+uniqueName("v"))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("libotr said:\n%s\nwire:\n%s", c.bob.describeEvents(), c.bob.describeWire())
		}
	})
	c.bob.waitEvent(t, ev0, "libotr cannot read it", func(ev otrbuddy.Event) bool {
		return ev.Kind == otrbuddy.LibotrEvent && ev.Detail == "rcvdmsg_not_in_private"
	})
	c.bob.say(t, "hey, are you there?")
	n := alice.waitNotice(t, cursor, c.portal, "undelivered")
	if body := n.Content.AsMessage().Body; !strings.Contains(body, "1 message did not arrive") {
		t.Errorf("the notice does not say which messages failed: %q", body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), otrWait)
	defer cancel()
	if _, err := alice.WaitEventFrom(ctx, cursor, c.portal, func(e *event.Event) bool {
		st, ok := e.Content.Parsed.(*event.BeeperMessageStatusEventContent)
		return ok && st.RelatesTo.EventID == lostMsg && st.Status == event.MessageStatusFail
	}); err != nil {
		t.Errorf("the lost message was not marked failed: %v", err)
	}
	c.refused(t, "after the loss "+uniqueName("r"))
	if kinds := alice.noticesSince(cursor, c.portal); len(kinds) != 1 {
		t.Errorf("notices after the loss: %v, want just one", kinds)
	}
}

// TestOTRBuddyOfflineNoStoredDisconnect: the buddy's resource goes offline
// mid-session; the bridge sends nothing to it, so the server stores no OTR
// disconnect for its next login.
func TestOTRBuddyOfflineNoStoredDisconnect(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	c.start(t)
	cursor := alice.Cursor()
	c.bob.goOffline(t)
	alice.waitNotice(t, cursor, c.portal, "buddy_offline")
	c.refused(t, "while away "+uniqueName("w"))
	offline := filepath.Join(st.prosody.Dir(), "data")
	for _, f := range filesContaining(t, offline, "?OTR") {
		if strings.Contains(f, "offline") {
			data, _ := os.ReadFile(filepath.Join(offline, f))
			t.Errorf("prosody stored OTR for the buddy's next login in %s (%d bytes)", f, len(data))
		}
	}
}

// TestOTRBuddyEndsLastMessageStays: the buddy's last message stays readable
// after it ends OTR, until the user confirms with end; then the copies go
// and the notice says how many.
func TestOTRBuddyEndsLastMessageStays(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	c.start(t)
	c.bob.say(t, "my last words")
	last := c.waitOTRMessage(t, "my last words").ID
	cursor := alice.Cursor()
	c.bob.end(t)
	alice.waitNotice(t, cursor, c.portal, "finished")
	c.otr(t, "status", "status") // an event after the finish: nothing redacted up to here
	for _, e := range alice.Events("")[cursor:] {
		if e.Type == event.EventRedaction && e.Redacts == last {
			t.Fatal("the buddy's last message was redacted before the user confirmed")
		}
	}
	ended := c.otr(t, "end", "ended")
	c.waitRedacted(t, cursor, last)
	if n, _ := bridge.ParseNotice(ended.Content.Raw); n.Count != 1 || !strings.Contains(ended.Content.AsMessage().Body, "1 off-the-record message removed") {
		t.Errorf("the end notice does not count the removed message: %q %+v", ended.Content.AsMessage().Body, n)
	}
}

// TestOTRVerifiedThenFailedSMP: a successful SMP, then a failed one: the
// status no longer says verified.
func TestOTRVerifiedThenFailedSMP(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	c.start(t)
	ev, _ := c.bob.mark()
	cursor := alice.Cursor()
	c.send(t, "!xmpp otr verify right secret")
	c.bob.waitSMP(t, ev, "askforsecret")
	if err := c.bob.SMPAnswer(ctxFor(t), c.bob.alice, "right secret"); err != nil {
		t.Fatal(err)
	}
	alice.waitNotice(t, cursor, c.portal, "smp_succeeded")
	if n, _ := bridge.ParseNotice(c.otr(t, "status", "status").Content.Raw); !n.Verified {
		t.Fatalf("status after a successful SMP: %+v", n)
	}
	ev, _ = c.bob.mark()
	cursor = alice.Cursor()
	c.send(t, "!xmpp otr verify right secret")
	c.bob.waitSMP(t, ev, "askforsecret")
	if err := c.bob.SMPAnswer(ctxFor(t), c.bob.alice, "wrong secret"); err != nil {
		t.Fatal(err)
	}
	alice.waitNotice(t, cursor, c.portal, "smp_failed", "smp_aborted")
	if n, _ := bridge.ParseNotice(c.otr(t, "status", "status").Content.Raw); n.Verified {
		t.Errorf("status after a failed SMP still says verified: %+v", n)
	}
}

// TestLoginNotAskedWhereBotCannotRedact: in a DM made with the private_chat
// preset the bot has no power to redact, so it does not ask for a password.
func TestLoginNotAskedWhereBotCannotRedact(t *testing.T) {
	u := st.hs.NewUser(t, uniqueName("matrix"), dendritetest.UserOptions{AutoJoin: true})
	ctx := ctxFor(t)
	resp, err := u.CreateRoom(ctx, &mautrix.ReqCreateRoom{Preset: "private_chat", IsDirect: true, Invite: []id.UserID{st.bot}})
	if err != nil {
		t.Fatal(err)
	}
	if err := u.WaitJoined(ctx, resp.RoomID, st.bot); err != nil {
		t.Fatalf("the bot did not join: %v", err)
	}
	mu := &matrixUser{User: u, mgmt: resp.RoomID, bot: st.bot}
	reply := mu.commandIn(t, resp.RoomID, "!xmpp login")
	if !strings.Contains(reply, "I cannot delete messages in this room, so I will not ask for your password here") {
		t.Errorf("login in a room where the bot cannot redact: %q", reply)
	}
}
