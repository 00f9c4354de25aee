package e2e

import (
	"slices"
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/internal/xmppbuddy"
)

// userBlocked reads com.beeper.user_blocked from a portal's m.bridge state event.
func userBlocked(e *event.Event) (blocked, ok bool) {
	if e.Type != event.StateBridge {
		return false, false
	}
	channel, _ := e.Content.Raw["channel"].(map[string]any)
	b, _ := channel["com.beeper.user_blocked"].(bool)
	return b, true
}

// waitBlockedState waits for the portal's bridge info to say blocked (or not).
func (mu *matrixUser) waitBlockedState(t *testing.T, cursor int, portal id.RoomID, blocked bool) {
	t.Helper()
	if _, err := mu.WaitEventFrom(ctxFor(t), cursor, portal, func(e *event.Event) bool {
		b, ok := userBlocked(e)
		return ok && b == blocked
	}); err != nil {
		t.Fatalf("the portal's m.bridge never said user_blocked=%v: %v", blocked, err)
	}
}

// blocklistOf fetches the account's blocklist from prosody with another
// client of the account.
func blocklistOf(t *testing.T, phone *buddy) []string {
	t.Helper()
	list, err := phone.client.Blocklist(ctxFor(t))
	if err != nil {
		t.Fatalf("fetching the blocklist: %v", err)
	}
	out := make([]string, len(list))
	for i, j := range list {
		out[i] = j.String()
	}
	return out
}

// waitBounce waits for the buddy's message id to bounce and returns the error.
func (b *buddy) waitBounce(t *testing.T, cursor int, msgID string) *xmppad.StanzaError {
	t.Helper()
	ev, _, err := b.Wait(ctxFor(t), cursor, func(ev xmppbuddy.Event) bool {
		return ev.Kind == xmppbuddy.Bounce && ev.ID == msgID
	})
	if err != nil {
		t.Fatalf("the buddy's message %s did not bounce: %v", msgID, err)
	}
	return ev.Error
}

// blockSetup makes a Matrix user with a portal to a buddy (opened by the
// buddy's hello) and a second client of the user's XMPP account ("phone").
func blockSetup(t *testing.T) (alice *matrixUser, bob *buddy, portal id.RoomID, phone *buddy) {
	t.Helper()
	alice = newMatrixUser(t, false)
	bob = newBuddy(t, "bob")
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "hi before the block"})
	portal = alice.waitFrom(t, ghostOf(bob.jid), "hi before the block").RoomID
	return alice, bob, portal, connectBuddy(t, alice.jid, alice.pass, "phone")
}

// TestBlockFromMatrix: the Matrix user blocks the contact's ghost (a
// com.beeper.block_user event, as Beeper sends) and unblocks them with the
// unblock-user command (as an Element user would). The account's blocklist
// on prosody follows; while blocked the buddy's messages bounce and are not
// bridged, the user's own are refused with a notice, and after the unblock
// messages go both ways again.
func TestBlockFromMatrix(t *testing.T) {
	alice, bob, portal, phone := blockSetup(t)
	ghost := ghostOf(bob.jid)

	cursor := alice.Cursor()
	if _, err := alice.SendMessageEvent(ctxFor(t), portal, event.BeeperBlockUser, &event.BeeperBlockUserEventContent{Block: true}); err != nil {
		t.Fatalf("sending com.beeper.block_user: %v", err)
	}
	notice := alice.waitNotice(t, cursor, portal, "blocked")
	if body := notice.Content.AsMessage().Body; !strings.Contains(body, bob.jid.String()) || strings.Contains(body, "another XMPP client") {
		t.Errorf("block notice %q", body)
	}
	alice.waitBlockedState(t, cursor, portal, true)
	if list := blocklistOf(t, phone); !slices.Contains(list, bob.jid.String()) {
		t.Fatalf("prosody's blocklist %v lacks %s", list, bob.jid)
	}

	// While blocked: prosody bounces the buddy's message, nothing reaches
	// Matrix, and the user's message is refused before it leaves.
	mark := bob.Mark()
	blockedID := bob.send(t, alice.jid, xmppad.Outgoing{Body: "while blocked"})
	if se := bob.waitBounce(t, mark, blockedID); se.Err.Condition != stanza.ServiceUnavailable {
		t.Errorf("blocked message bounced with %q, want service-unavailable", se.Err.Condition)
	}
	cursor = alice.Cursor()
	if _, err := alice.SendText(ctxFor(t), portal, "to a blocked contact"); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.WaitEventFrom(ctxFor(t), cursor, portal, func(e *event.Event) bool {
		return e.Sender == alice.bot && strings.Contains(e.Content.AsMessage().Body, "you blocked this contact")
	}); err != nil {
		t.Fatalf("no refusal notice for a message to a blocked contact: %v", err)
	}

	cursor = alice.Cursor()
	if _, err := alice.SendText(ctxFor(t), portal, "!xmpp unblock-user"); err != nil {
		t.Fatal(err)
	}
	alice.waitNotice(t, cursor, portal, "unblocked")
	alice.waitBlockedState(t, cursor, portal, false)
	if list := blocklistOf(t, phone); slices.Contains(list, bob.jid.String()) {
		t.Fatalf("prosody's blocklist %v still has %s", list, bob.jid)
	}
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "after the unblock"})
	alice.waitFrom(t, ghost, "after the unblock")
	if _, err := alice.SendText(ctxFor(t), portal, "hello again"); err != nil {
		t.Fatal(err)
	}
	bob.waitMessage(t, "hello again")
	for _, e := range alice.Events(portal) {
		if body := e.Content.AsMessage().Body; e.Type == event.EventMessage && body == "while blocked" {
			t.Error("a message of the blocked contact was bridged")
		}
	}
	for _, ev := range bob.Since(0) {
		if ev.Kind == xmppbuddy.Message && ev.Message.Body == "to a blocked contact" {
			t.Error("a message to the blocked contact was sent")
		}
	}
}

// TestBlockFromOtherClient: a block and an unblock made on another XMPP
// client of the account reach the bridge as blocklist pushes: the portal's
// m.bridge state follows and the bot tells the user in the portal.
func TestBlockFromOtherClient(t *testing.T) {
	alice, bob, portal, phone := blockSetup(t)
	ghost := ghostOf(bob.jid)

	cursor := alice.Cursor()
	if err := phone.client.Block(ctxFor(t), bob.jid, jid.MustParse("spam.example")); err != nil {
		t.Fatalf("blocking from the phone: %v", err)
	}
	notice := alice.waitNotice(t, cursor, portal, "blocked")
	if body := notice.Content.AsMessage().Body; !strings.Contains(body, "another XMPP client") {
		t.Errorf("remote block notice %q", body)
	}
	alice.waitBlockedState(t, cursor, portal, true)

	cursor = alice.Cursor()
	if err := phone.client.Unblock(ctxFor(t), bob.jid); err != nil {
		t.Fatalf("unblocking from the phone: %v", err)
	}
	alice.waitNotice(t, cursor, portal, "unblocked")
	alice.waitBlockedState(t, cursor, portal, false)
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "bridged again"})
	alice.waitFrom(t, ghost, "bridged again")
}
