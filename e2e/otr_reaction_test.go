package e2e

import (
	"testing"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/offrecord/offrecord/internal/otrbuddy"
)

// react sends a reaction to an event.
func (mu *matrixUser) react(t *testing.T, room id.RoomID, target id.EventID, key string) {
	t.Helper()
	content := &event.ReactionEventContent{RelatesTo: event.RelatesTo{Type: event.RelAnnotation, EventID: target, Key: key}}
	if _, err := mu.SendMessageEvent(ctxFor(t), room, event.EventReaction, content); err != nil {
		t.Fatalf("reacting %s: %v", key, err)
	}
}

// TestOTRAcceptByReaction: a ✅ reaction to the buddy's request notice
// accepts it, as `otr accept` does.
func TestOTRAcceptByReaction(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	ev0, _ := c.bob.mark()
	cursor := alice.Cursor()
	c.bob.query(t)
	pending := alice.waitNotice(t, cursor, c.portal, "pending_acceptance")
	cursor = alice.Cursor()
	alice.react(t, c.portal, pending.ID, "✅")
	alice.waitNotice(t, cursor, c.portal, "accepted")
	alice.waitNotice(t, cursor, c.portal, "secure")
	c.bob.waitSecure(t, ev0)
	c.bob.say(t, "accepted by reaction")
	c.waitOTRMessage(t, "accepted by reaction")
}

// TestOTRDenyByReaction: a ❌ reaction declines; the buddy is told in plain words.
func TestOTRDenyByReaction(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	ev0, _ := c.bob.mark()
	cursor := alice.Cursor()
	c.bob.query(t)
	pending := alice.waitNotice(t, cursor, c.portal, "pending_acceptance")
	cursor = alice.Cursor()
	alice.react(t, c.portal, pending.ID, "❌")
	alice.waitNotice(t, cursor, c.portal, "declined")
	c.send(t, "plain after a ❌")
	if enc := c.bob.waitPlain(t, "plain after a ❌"); enc {
		t.Error("a message after the ❌ was encrypted")
	}
	for _, ev := range c.bob.EventsSince(ev0) {
		if ev.Kind == otrbuddy.Secure {
			t.Error("libotr went secure after the ❌")
		}
	}
}
