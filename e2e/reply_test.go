package e2e

import (
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// sendReply sends a Matrix text reply and returns its event ID.
func (mu *matrixUser) sendReply(t *testing.T, room id.RoomID, to id.EventID, text string) id.EventID {
	t.Helper()
	content := &event.MessageEventContent{MsgType: event.MsgText, Body: text,
		RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: to}}}
	resp, err := mu.SendMessageEvent(ctxFor(t), room, event.EventMessage, content)
	if err != nil {
		t.Fatalf("replying: %v", err)
	}
	return resp.EventID
}

// TestRepliesBothWays: a Matrix reply goes out as XEP-0461 with a quoted
// XEP-0428 fallback; a buddy's reply comes in as a Matrix reply without its
// quote; a reply to a message the bridge never saw comes as a plain message
// with its quote kept.
func TestRepliesBothWays(t *testing.T) {
	alice := newMatrixUser(t, false)
	bob := newBuddy(t, "bob")
	ctx := ctxFor(t)
	ghost := ghostOf(bob.jid)

	bobID := bob.send(t, alice.jid, xmppad.Outgoing{Body: "what time is it?"})
	first := alice.waitFrom(t, ghost, "what time is it?")
	portal := first.RoomID

	// Matrix -> XMPP.
	alice.sendReply(t, portal, first.ID, "noon")
	got := waitFor(t, bob, func(m *xmppad.Message) bool { return m.Reply != nil })
	switch {
	case got.Reply.ID != bobID || !got.Reply.To.Bare().Equal(bob.jid):
		t.Errorf("reply names %s from %s, want %s from %s", got.Reply.ID, got.Reply.To, bobID, bob.jid)
	case got.Body != "> what time is it?\nnoon":
		t.Errorf("reply body %q, want the quote then the text", got.Body)
	case got.BodyWithout(xmppad.NSReply) != "noon":
		t.Errorf("reply body without its fallback %q", got.BodyWithout(xmppad.NSReply))
	}

	// XMPP -> Matrix.
	sent, err := alice.SendText(ctx, portal, "lunch?")
	if err != nil {
		t.Fatal(err)
	}
	mine := bob.waitMessage(t, "lunch?")
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "sure", Reply: &xmppad.Reply{To: alice.jid, ID: mine.ID}, ReplyQuote: "lunch?"})
	reply := alice.waitFrom(t, ghost, "sure")
	if rel := reply.Content.AsMessage().RelatesTo; rel == nil || rel.GetReplyTo() != sent {
		t.Errorf("the buddy's reply is not a Matrix reply to %s: %+v", sent, rel)
	}

	// A reply to a message the bridge never saw keeps its quote and loses nothing.
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "as I said", Reply: &xmppad.Reply{To: bob.jid, ID: "never-seen"}, ReplyQuote: "an old message"})
	stray := alice.waitFrom(t, ghost, "> an old message\nas I said")
	if rel := stray.Content.AsMessage().RelatesTo; rel != nil && rel.GetReplyTo() != "" {
		t.Errorf("a reply to an unknown message got a reply relation: %+v", rel)
	}
	if strings.Contains(stray.Content.AsMessage().Body, "never-seen") {
		t.Error("the stanza id leaked into the body")
	}
}
