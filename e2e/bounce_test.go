package e2e

import (
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"
	"mellium.im/xmpp/jid"
)

// TestBouncedMessageTold: a message to an address that does not exist (a
// typo in start-chat) bounces at the XMPP server. The user is told, in the
// portal, that it was not delivered and why, and the message's status turns
// to failed — it is never silently lost.
func TestBouncedMessageTold(t *testing.T) {
	alice := newMatrixUser(t, false)
	ctx := ctxFor(t)
	nobody := uniqueName("nobody") + "@" + alice.jid.Domain().String() // never registered
	room := startChat(t, alice, jid.MustParse(nobody))
	cursor := alice.Cursor()
	sent, err := alice.SendText(ctx, room, "is anyone there?")
	if err != nil {
		t.Fatal(err)
	}
	// prosody answers a message to an unknown local user with an error stanza.
	notice, err := alice.WaitEventFrom(ctx, cursor, room, func(e *event.Event) bool {
		return e.Type == event.EventMessage && e.Sender == alice.bot &&
			strings.Contains(e.Content.AsMessage().Body, "could not be delivered")
	})
	if err != nil {
		t.Fatalf("no notice that the message bounced: %v\nnotices:\n%s", err, alice.describeNotices(cursor, room))
	}
	body := notice.Content.AsMessage().Body
	if !strings.Contains(body, nobody) || !strings.Contains(body, "service unavailable") {
		t.Errorf("bounce notice %q does not name the address and the server's reason", body)
	}
	if _, err := alice.WaitEventFrom(ctx, cursor, room, func(e *event.Event) bool {
		st, ok := e.Content.Parsed.(*event.BeeperMessageStatusEventContent)
		return ok && e.Type == event.BeeperMessageStatus && st.RelatesTo.EventID == sent &&
			st.Status == event.MessageStatusFail
	}); err != nil {
		t.Fatalf("the bounced message %s never got a failed status: %v", sent, err)
	}
}
