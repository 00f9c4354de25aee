package e2e

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"maunium.net/go/mautrix/event"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// linkTarget is a loopback HTTP server standing for something on the
// bridge's own machine or LAN; it counts the requests it sees.
func linkTarget(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("internal secret"))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// waitLinkAsText waits for the link to reach Matrix as a text message from
// the contact's ghost. The bridge decides about the download before it sends
// the message, so once the text is there, any request would have been made.
func waitLinkAsText(t *testing.T, alice *matrixUser, b *buddy, link string) {
	t.Helper()
	evt := alice.waitFrom(t, ghostOf(b.jid), link)
	if mt := evt.Content.AsMessage().MsgType; mt != event.MsgText {
		t.Errorf("the link arrived as %s, want m.text", mt)
	}
}

// TestStrangerLinkNotFetched: a stranger's XEP-0066 link to a loopback
// address is not fetched (xmpp.download_from: contacts, the default) and
// reaches Matrix as readable text.
func TestStrangerLinkNotFetched(t *testing.T) {
	srv, hits := linkTarget(t)
	alice := newMatrixUser(t, false)
	stranger := newBuddy(t, "stranger")
	link := srv.URL + "/admin/secret.txt"
	stranger.send(t, alice.jid, xmppad.Outgoing{Body: link, OOB: &xmppad.OOB{URL: link}})
	waitLinkAsText(t, alice, stranger, link)
	if n := hits.Load(); n != 0 {
		t.Fatalf("the loopback server saw %d requests from the bridge, want 0", n)
	}
}

// TestContactLinkToLoopbackNotFetched: even from a roster contact, a link to
// a loopback address (not the own upload service) is not fetched, and it
// reaches Matrix as text.
func TestContactLinkToLoopbackNotFetched(t *testing.T) {
	srv, hits := linkTarget(t)
	alice := newMatrixUser(t, false)
	bob := newBuddy(t, "bob")
	// Alice adds bob from another client of hers; the server pushes the
	// roster change to the bridge's session before bob's message arrives.
	phone := connectBuddy(t, alice.jid, alice.pass, "phone")
	if err := phone.client.AddContact(ctxFor(t), bob.jid, "Bob"); err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{srv.URL + "/metadata", "http://localhost:" + srv.URL[len("http://127.0.0.1:"):] + "/x"} {
		bob.send(t, alice.jid, xmppad.Outgoing{Body: link, OOB: &xmppad.OOB{URL: link}})
		waitLinkAsText(t, alice, bob, link)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the loopback server saw %d requests from the bridge, want 0", n)
	}
}
