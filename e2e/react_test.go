package e2e

import (
	"slices"
	"testing"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// reactID sends a reaction and returns its event ID.
func (mu *matrixUser) reactID(t *testing.T, room id.RoomID, target id.EventID, key string) id.EventID {
	t.Helper()
	content := &event.ReactionEventContent{RelatesTo: event.RelatesTo{Type: event.RelAnnotation, EventID: target, Key: key}}
	resp, err := mu.SendMessageEvent(ctxFor(t), room, event.EventReaction, content)
	if err != nil {
		t.Fatalf("reacting %s: %v", key, err)
	}
	return resp.EventID
}

// waitReactions waits for the buddy to get a XEP-0444 set for a message.
func (b *buddy) waitReactions(t *testing.T, target string, want ...string) *xmppad.Message {
	t.Helper()
	return waitFor(t, b, func(m *xmppad.Message) bool {
		if m.Reactions == nil || m.Reactions.ID != target {
			return false
		}
		got := slices.Clone(m.Reactions.Emoji)
		slices.Sort(got)
		w := slices.Clone(want)
		slices.Sort(w)
		return slices.Equal(got, w)
	})
}

// TestReactionsBothWays: Matrix reactions go out as the user's whole
// XEP-0444 set (added, then one taken back), and a buddy's sets come in as
// reactions from their ghost (an empty set removes them); a reaction to a
// message the bridge never saw is dropped and nothing else is lost.
func TestReactionsBothWays(t *testing.T) {
	alice := newMatrixUser(t, false)
	bob := newBuddy(t, "bob")
	ctx := ctxFor(t)
	ghost := ghostOf(bob.jid)

	bobID := bob.send(t, alice.jid, xmppad.Outgoing{Body: "react to me"})
	first := alice.waitFrom(t, ghost, "react to me")
	portal := first.RoomID

	// Matrix -> XMPP: each reaction sends the whole set; a redaction takes one back.
	thumbs := alice.reactID(t, portal, first.ID, "👍")
	bob.waitReactions(t, bobID, "👍")
	alice.reactID(t, portal, first.ID, "🎉")
	bob.waitReactions(t, bobID, "👍", "🎉")
	alice.redact(t, portal, thumbs)
	bob.waitReactions(t, bobID, "🎉")

	// XMPP -> Matrix: a set on alice's message shows as the ghost's reactions.
	sent, err := alice.SendText(ctx, portal, "react to mine")
	if err != nil {
		t.Fatal(err)
	}
	mine := bob.waitMessage(t, "react to mine")
	bob.send(t, alice.jid, xmppad.Outgoing{Reactions: &xmppad.Reactions{ID: mine.ID, Emoji: []string{"❤️", "😂"}}})
	var heart, laugh *event.Event
	for heart == nil || laugh == nil {
		evt, err := alice.WaitEvent(ctx, portal, func(e *event.Event) bool {
			if e.Type != event.EventReaction || e.Sender != ghost {
				return false
			}
			rel := e.Content.AsReaction().RelatesTo
			return rel.EventID == sent && ((rel.Key == "❤️" && heart == nil) || (rel.Key == "😂" && laugh == nil))
		})
		if err != nil {
			t.Fatalf("buddy's reactions not bridged: %v", err)
		}
		if evt.Content.AsReaction().RelatesTo.Key == "❤️" {
			heart = evt
		} else {
			laugh = evt
		}
	}
	// A smaller set takes ❤️ back; the empty set takes the rest.
	bob.send(t, alice.jid, xmppad.Outgoing{Reactions: &xmppad.Reactions{ID: mine.ID, Emoji: []string{"😂"}}})
	waitRedaction(t, alice, portal, heart.ID)
	bob.send(t, alice.jid, xmppad.Outgoing{Reactions: &xmppad.Reactions{ID: mine.ID}})
	waitRedaction(t, alice, portal, laugh.ID)

	// Bad input: reactions to an id the bridge never saw are dropped; what follows still arrives.
	cursor := alice.Cursor()
	bob.send(t, alice.jid, xmppad.Outgoing{Reactions: &xmppad.Reactions{ID: "no-such-message", Emoji: []string{"🤷"}}})
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "after a stray reaction"})
	after := alice.waitFrom(t, ghost, "after a stray reaction")
	for _, e := range alice.Events("")[cursor:] {
		if e.ID == after.ID {
			break
		}
		if e.RoomID == portal && e.Type == event.EventReaction {
			t.Errorf("a reaction to an unknown message was bridged: %v", e.Content.Raw)
		}
	}
}

// waitRedaction waits for the redaction of an event.
func waitRedaction(t *testing.T, mu *matrixUser, room id.RoomID, target id.EventID) {
	t.Helper()
	if _, err := mu.WaitEvent(ctxFor(t), room, func(e *event.Event) bool {
		return e.Type == event.EventRedaction && e.Redacts == target
	}); err != nil {
		t.Fatalf("%s not redacted: %v", target, err)
	}
}

// TestRelationsFromOtherResource: what the user does from another XMPP
// client of the account (carbons) shows as theirs: a reaction to the
// buddy's message, and the retraction of a message sent from there.
func TestRelationsFromOtherResource(t *testing.T) {
	alice := newMatrixUser(t, false)
	bob := newBuddy(t, "bob")
	bobID := bob.send(t, alice.jid, xmppad.Outgoing{Body: "ping from bob"})
	first := alice.waitFrom(t, ghostOf(bob.jid), "ping from bob")
	portal := first.RoomID
	self := ghostOf(alice.jid)

	phone := connectBuddy(t, alice.jid, alice.pass, "phone")
	phoneID := phone.send(t, bob.jid, xmppad.Outgoing{Body: "typed on my phone"})
	mine := alice.waitFrom(t, self, "typed on my phone")
	phone.send(t, bob.jid, xmppad.Outgoing{Reactions: &xmppad.Reactions{ID: bobID, Emoji: []string{"👋"}}})
	if _, err := alice.WaitEvent(ctxFor(t), portal, func(e *event.Event) bool {
		rel := e.Content.AsReaction().RelatesTo
		return e.Type == event.EventReaction && e.Sender == self && rel.EventID == first.ID && rel.Key == "👋"
	}); err != nil {
		t.Fatalf("the reaction from the phone was not bridged: %v", err)
	}
	phone.send(t, bob.jid, xmppad.Outgoing{Retract: phoneID})
	waitRedaction(t, alice, portal, mine.ID)
}
