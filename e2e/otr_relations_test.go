package e2e

import (
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// waitBotText waits for a bot message in the room containing text.
func (mu *matrixUser) waitBotText(t *testing.T, cursor int, room id.RoomID, text string) {
	t.Helper()
	if _, err := mu.WaitEventFrom(ctxFor(t), cursor, room, func(e *event.Event) bool {
		return e.Type == event.EventMessage && e.Sender == mu.bot && strings.Contains(e.Content.AsMessage().Body, text)
	}); err != nil {
		t.Fatalf("no notice %q: %v\nnotices:\n%s", text, err, mu.describeNotices(cursor, room))
	}
}

// TestNeverAroundOTR: while OTR runs, a reaction and a deletion of a plain
// message are refused with a notice, a reply goes inside OTR as its text
// only (no reply element, no quote), and a reaction to an OTR copy gets
// the usual notice; nothing but OTR data reaches the buddy. Once the buddy
// ended OTR (finished) a reaction is still refused; after the user's own
// "otr end" reactions go out again.
func TestNeverAroundOTR(t *testing.T) {
	alice := newMatrixUser(t, false)
	c := newOTRChat(t, alice, mainGhostPrefix)
	quoted := "plain before otr " + uniqueName("q")
	plain := c.send(t, quoted)
	if enc := c.bob.waitPlain(t, quoted); enc {
		t.Fatal("the plain message went encrypted")
	}
	second := "second plain " + uniqueName("q")
	plain2 := c.send(t, second)
	if enc := c.bob.waitPlain(t, second); enc {
		t.Fatal("the second plain message went encrypted")
	}
	c.start(t)
	_, w0 := c.bob.mark()

	cursor := alice.Cursor()
	alice.reactID(t, c.portal, plain, "👍")
	alice.waitBotText(t, cursor, c.portal, "Reactions are not sent while this chat is, or was, off the record")

	// waitEncrypted matches the whole text: the reply went inside OTR without its quote.
	reply := "reply inside otr " + uniqueName("r")
	alice.sendReply(t, c.portal, plain, reply)
	c.bob.waitEncrypted(t, reply)

	cursor = alice.Cursor()
	alice.redact(t, c.portal, plain)
	alice.waitBotText(t, cursor, c.portal, "deletions are not sent while this chat is, or was, off the record")

	secret := "otr secret " + uniqueName("s")
	c.bob.say(t, secret)
	cp := c.waitOTRMessage(t, secret)
	cursor = alice.Cursor()
	alice.reactID(t, c.portal, cp.ID, "❤️")
	alice.waitBotText(t, cursor, c.portal, "Reactions are not sent off the record")
	after := "after the reaction " + uniqueName("a")
	alice.sendReply(t, c.portal, cp.ID, after)
	c.bob.waitEncrypted(t, after)

	wire := c.bob.wireSince(w0)
	checkOTRWire(t, wire, quoted, reply, secret, after, "👍", "❤️")
	for _, m := range wire {
		if m.Reactions != nil || m.Reply != nil || m.Retract != "" || len(m.Fallbacks) > 0 {
			t.Errorf("plaintext metadata beside OTR: reactions %v reply %v retract %q fallbacks %v", m.Reactions, m.Reply, m.Retract, m.Fallbacks)
		}
	}

	// The buddy ends OTR: the chat is finished, reactions are still refused.
	cursor = alice.Cursor()
	c.bob.end(t)
	alice.waitNotice(t, cursor, c.portal, "finished")
	_, w1 := c.bob.mark()
	cursor = alice.Cursor()
	alice.reactID(t, c.portal, plain2, "🙂")
	alice.waitBotText(t, cursor, c.portal, "Reactions are not sent while this chat is, or was, off the record")
	// Back on the record by the user's choice, reactions go out again as XEP-0444.
	cursor = alice.Cursor()
	c.send(t, "!xmpp otr end")
	alice.waitNotice(t, cursor, c.portal, "ended")
	alice.reactID(t, c.portal, plain2, "🎈")
	got := c.bob.waitWire(t, w1, "a reaction after otr end", func(m xmppad.Message) bool { return m.Reactions != nil })
	if len(got.Reactions.Emoji) != 1 || got.Reactions.Emoji[0] != "🎈" {
		t.Errorf("after otr end the buddy got reactions %v, want only 🎈 (never the refused 🙂)", got.Reactions.Emoji)
	}
}
