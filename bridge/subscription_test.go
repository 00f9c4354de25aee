package bridge

import (
	"strings"
	"testing"

	"maunium.net/go/mautrix/bridgev2/networkid"
	"mellium.im/xmpp/jid"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// An answer to a subscription request that cannot be sent (the session is
// gone) leaves the request pending, so the user can answer it again: before,
// the request was dropped first and "approve" then said the contact had not
// asked.
func TestSubscriptionAnswerFailureKeepsRequest(t *testing.T) {
	xc, err := xmppad.New(xmppad.Config{JID: "alice@localhost"}, xmppad.NopHandler{})
	if err != nil {
		t.Fatal(err)
	}
	_ = xc.Close()
	c := &Client{conn: &Connector{}, xc: xc}
	c.subs = &subscriptions{pending: map[string]networkid.MessageID{}, asked: map[string]bool{}}
	bob := jid.MustParse("bob@localhost")
	c.subs.pending[bob.String()] = "subreq-$event"
	for _, approve := range []bool{true, false} {
		why := c.approveSubscription(t.Context(), bob, approve)
		if !strings.Contains(why, "Could not answer bob@localhost") || !strings.Contains(why, "still waiting") {
			t.Fatalf("approve=%v: answer %q, want that it failed and the request still waits", approve, why)
		}
		if !c.pendingSubscription(bob) {
			t.Fatalf("approve=%v: the request is no longer pending after a failed answer", approve)
		}
	}
}
