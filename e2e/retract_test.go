package e2e

import (
	"errors"
	"strings"
	"testing"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// TestDeletionsBothWays: a Matrix redaction of the user's message goes out
// as a XEP-0424 retraction; a buddy's retraction of their own message
// redacts its copy; a retraction naming the user's message does nothing;
// the user's redaction of the buddy's message (where the homeserver allows
// it) is not sent, with a notice.
func TestDeletionsBothWays(t *testing.T) {
	alice := newMatrixUser(t, false)
	bob := newBuddy(t, "bob")
	ctx := ctxFor(t)
	ghost := ghostOf(bob.jid)

	bob.send(t, alice.jid, xmppad.Outgoing{Body: "hi alice"})
	first := alice.waitFrom(t, ghost, "hi alice")
	portal := first.RoomID

	// Matrix -> XMPP.
	sent, err := alice.SendText(ctx, portal, "oops, wrong chat")
	if err != nil {
		t.Fatal(err)
	}
	mine := bob.waitMessage(t, "oops, wrong chat")
	alice.redact(t, portal, sent)
	if got := waitFor(t, bob, func(m *xmppad.Message) bool { return m.Retract != "" }); got.Retract != mine.ID {
		t.Errorf("retraction of %q, want %q", got.Retract, mine.ID)
	}

	// XMPP -> Matrix: bob retracts his own message.
	bobID := bob.send(t, alice.jid, xmppad.Outgoing{Body: "take this back"})
	his := alice.waitFrom(t, ghost, "take this back")
	bob.send(t, alice.jid, xmppad.Outgoing{Retract: bobID})
	waitRedaction(t, alice, portal, his.ID)

	// Bad input: bob names alice's message; it stays, and what follows arrives.
	kept, err := alice.SendText(ctx, portal, "mine to keep")
	if err != nil {
		t.Fatal(err)
	}
	keptID := bob.waitMessage(t, "mine to keep").ID
	cursor := alice.Cursor()
	bob.send(t, alice.jid, xmppad.Outgoing{Retract: keptID})
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "after a stray retraction"})
	after := alice.waitFrom(t, ghost, "after a stray retraction")
	for _, e := range alice.Events("")[cursor:] {
		if e.ID == after.ID {
			break
		}
		if e.Type == event.EventRedaction && e.Redacts == kept {
			t.Error("the buddy's retraction removed alice's message")
		}
	}

	// Alice deletes bob's message. In a portal the bridge made, the
	// homeserver refuses her the power level to redact others' events; where
	// it lets her, the redaction stays in Matrix: she is told, nothing goes out.
	cursor = alice.Cursor()
	w0 := bob.Mark()
	if err := alice.tryRedact(t, portal, first.ID); err != nil {
		if !errors.Is(err, mautrix.MForbidden) {
			t.Fatalf("redacting the buddy's message: %v", err)
		}
		return
	}
	if _, err := alice.WaitEventFrom(ctx, cursor, portal, func(e *event.Event) bool {
		return e.Type == event.EventMessage && e.Sender == alice.bot && strings.Contains(e.Content.AsMessage().Body, "only your own messages")
	}); err != nil {
		t.Fatalf("no notice for deleting the buddy's message: %v", err)
	}
	if _, err := alice.SendText(ctx, portal, "after deleting his"); err != nil {
		t.Fatal(err)
	}
	bob.waitMessage(t, "after deleting his")
	for _, ev := range bob.Since(w0) {
		if ev.Message != nil && ev.Message.Retract != "" {
			t.Errorf("a retraction went out for the buddy's message: %q", ev.Message.Retract)
		}
	}
}
