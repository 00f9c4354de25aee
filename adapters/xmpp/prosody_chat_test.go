package xmpp

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/offrecord/offrecord/internal/prosodytest"
	"mellium.im/xmpp/stanza"
)

func TestProsodyChat(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.Options{})
	alice, ar := account(t, srv, "alice", nil)
	bob, br := account(t, srv, "bob", nil)
	online(t, alice, ar)
	online(t, bob, br)
	ctx := ctxT(t)

	id, err := alice.Send(ctx, Outgoing{To: bob.LocalJID().Bare(), Body: "hello bob", RequestReceipt: true,
		Markable: true, ChatState: ChatActive, OOB: &OOB{URL: "https://example.org/cat.png", Desc: "cat"}})
	if err != nil {
		t.Fatal(err)
	}
	m := br.awaitBody(t, "hello bob")
	switch {
	case m.ID != id:
		t.Errorf("id %q, want %q", m.ID, id)
	case m.From.String() != "alice@localhost/offrecord":
		t.Errorf("from %v", m.From)
	case m.Type != stanza.ChatMessage:
		t.Errorf("type %q", m.Type)
	case !m.ReceiptRequested || !m.Markable || m.ChatState != ChatActive:
		t.Errorf("request %v markable %v state %q", m.ReceiptRequested, m.Markable, m.ChatState)
	case len(m.OOB) != 1 || m.OOB[0] != (OOB{URL: "https://example.org/cat.png", Desc: "cat"}):
		t.Errorf("oob %+v", m.OOB)
	case m.Carbon != CarbonNone:
		t.Errorf("carbon %v", m.Carbon)
	}

	// Receipts are not answered automatically: only SendReceipt does it.
	if err := bob.SendReceipt(ctx, m.From, m.ID); err != nil {
		t.Fatal(err)
	}
	r := await(t, ar.receipts, "receipt")
	if r.id != id || r.from.String() != "bob@localhost/offrecord" {
		t.Fatalf("receipt %+v", r)
	}
	if err := bob.SendDisplayed(ctx, m.From, m.ID); err != nil {
		t.Fatal(err)
	}
	if d := await(t, ar.displayed, "displayed"); d.id != id || d.carbon != CarbonNone {
		t.Fatalf("displayed %+v", d)
	}
	if err := bob.SendChatState(ctx, m.From, ChatComposing); err != nil {
		t.Fatal(err)
	}
	if cs := await(t, ar.chat, "chat state"); cs.s != ChatComposing || cs.from.Bare().String() != "bob@localhost" {
		t.Fatalf("chat state %+v", cs)
	}
	select {
	case extra := <-ar.receipts:
		t.Fatalf("unexpected second receipt %+v", extra)
	default:
	}

	// Correction.
	if _, err := alice.Send(ctx, Outgoing{To: bob.LocalJID().Bare(), Body: "hello Bob", Replace: id}); err != nil {
		t.Fatal(err)
	}
	if c := br.awaitBody(t, "hello Bob"); c.Replace != id {
		t.Fatalf("correction replaces %q, want %q", c.Replace, id)
	}

	// An error bounce from the server about an unknown user reaches HandleError with the id.
	badID, err := alice.Send(ctx, Outgoing{To: mustJID(t, "nobody@localhost"), Body: "anyone?"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		e := await(t, ar.errs, "error bounce")
		var se *StanzaError
		if errors.As(e, &se) {
			if se.ID != badID {
				t.Fatalf("bounce for %q, want %q", se.ID, badID)
			}
			break
		}
	}

	// Presence of bob is cached on alice's side after subscription both ways.
	if err := alice.AddContact(ctx, bob.LocalJID().Bare(), "Bob"); err != nil {
		t.Fatal(err)
	}
	for p := await(t, br.presences, "subscribe"); p.Type != stanza.SubscribePresence; p = await(t, br.presences, "subscribe") {
	}
	if err := bob.ApproveSubscription(ctx, alice.LocalJID().Bare(), true); err != nil {
		t.Fatal(err)
	}
	for {
		e := await(t, ar.rosters, "roster push")
		if e.push && len(e.items) == 1 && e.items[0].Subscription == "to" {
			break
		}
	}
	if items := alice.Roster(); len(items) != 1 || items[0].Name != "Bob" {
		t.Fatalf("roster %+v", items)
	}
	for len(alice.OnlineResources(bob.LocalJID().Bare())) == 0 {
		await(t, ar.presences, "bob's presence")
	}
}

func TestProsodyCarbons(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.Options{})
	a1, r1 := account(t, srv, "alice", nil)
	a2, r2 := account(t, srv, "alice", func(c *Config) { c.Resource = "phone" })
	bob, br := account(t, srv, "bob", nil)
	online(t, a1, r1)
	online(t, a2, r2)
	online(t, bob, br)
	ctx := ctxT(t)

	// alice/phone writes to bob: alice/offrecord sees it as a sent carbon.
	id, err := a2.Send(ctx, Outgoing{To: bob.LocalJID().Bare(), Body: "from my phone"})
	if err != nil {
		t.Fatal(err)
	}
	m := r1.awaitBody(t, "from my phone")
	if m.Carbon != CarbonSent || m.ID != id || m.From.String() != "alice@localhost/phone" || m.To.String() != "bob@localhost" {
		t.Fatalf("carbon %+v", m)
	}
	// bob answers alice/phone directly: alice/offrecord sees a received carbon.
	if _, err := bob.Send(ctx, Outgoing{To: a2.LocalJID(), Body: "to your phone"}); err != nil {
		t.Fatal(err)
	}
	if m := r1.awaitBody(t, "to your phone"); m.Carbon != CarbonReceived || m.From.Bare().String() != "bob@localhost" {
		t.Fatalf("carbon %+v", m)
	}
	// A private message is not copied: the next thing alice/offrecord sees is the later non-private one.
	if _, err := a2.Send(ctx, Outgoing{To: bob.LocalJID().Bare(), Body: "private", Private: true}); err != nil {
		t.Fatal(err)
	}
	br.awaitBody(t, "private")
	if _, err := a2.Send(ctx, Outgoing{To: bob.LocalJID().Bare(), Body: "public"}); err != nil {
		t.Fatal(err)
	}
	if m := await(t, r1.msgs, "carbon"); m.Body != "public" {
		t.Fatalf("got carbon of %q, want only the non-private one", m.Body)
	}
}

func TestProsodyRestartQueue(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.Options{})
	alice, ar := account(t, srv, "alice", nil)
	bob, br := account(t, srv, "bob", nil)
	online(t, alice, ar)
	online(t, bob, br)
	ctx := ctxT(t)

	srv.Stop()
	ar.awaitState(t, StateDisconnected)
	br.awaitState(t, StateDisconnected)
	const n = 20
	for i := range n {
		if _, err := alice.Send(ctx, Outgoing{To: bob.LocalJID().Bare(), Body: fmt.Sprint("queued ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if q := alice.Queued(); q != n {
		t.Fatalf("queued %d, want %d", q, n)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	ar.awaitState(t, StateConnected)
	br.awaitState(t, StateConnected)
	if _, err := alice.Send(ctx, Outgoing{To: bob.LocalJID().Bare(), Body: "end"}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) == 0 || got[len(got)-1] != "end" {
		got = append(got, await(t, br.msgs, "queued message").Body)
	}
	if len(got) != n+1 {
		t.Fatalf("got %d messages, want %d: %q", len(got), n+1, got)
	}
	for i := range n {
		if want := fmt.Sprint("queued ", i); got[i] != want {
			t.Fatalf("message %d is %q, want %q (all: %q)", i, got[i], want, got)
		}
	}
}

func TestProsodyKeepaliveDeadConnection(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.Options{})
	alice, ar := account(t, srv, "alice", func(c *Config) {
		c.KeepaliveInterval = 200 * time.Millisecond
		c.KeepaliveTimeout = 300 * time.Millisecond
		c.ConnectTimeout = time.Second
	})
	online(t, alice, ar)
	srv.Pause()
	e := ar.awaitState(t, StateDisconnected)
	if !errors.Is(e.err, ErrKeepalive) {
		t.Fatalf("disconnected with %v, want ErrKeepalive", e.err)
	}
	if alice.Connected() {
		t.Fatal("still Connected() after keepalive failure")
	}
	srv.Resume()
	ar.awaitState(t, StateConnected)
}

func TestProsodyUploadDownload(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.Options{UploadLimit: 1 << 20})
	alice, ar := account(t, srv, "alice", nil)
	online(t, alice, ar)
	ctx := ctxT(t)
	data := make([]byte, 100_000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	url, err := alice.Upload(ctx, "pic.png", int64(len(data)), "image/png", bytesReader(data))
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	got, ct, err := alice.Download(ctx, url, 1<<20)
	if err != nil {
		t.Fatalf("Download %s: %v", url, err)
	}
	if string(got) != string(data) || ct != "image/png" {
		t.Fatalf("downloaded %d bytes of %q, want %d of image/png", len(got), ct, len(data))
	}
	if _, _, err := alice.Download(ctx, url, 1000); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("capped download: %v, want ErrTooLarge", err)
	}
	if _, err := alice.Upload(ctx, "big.bin", 2<<20, "", bytesReader(make([]byte, 2<<20))); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized upload: %v, want ErrTooLarge", err)
	}
}
