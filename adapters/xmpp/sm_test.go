package xmpp

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// msgFrom is an injected chat message from bob with body.
func msgFrom(body string) string {
	return fmt.Sprintf(`<message from='bob@localhost/pc' to='alice@localhost/offrecord' type='chat' id='%s'><body>%s</body></message>`, body, body)
}

// awaitAcked waits until the server has acknowledged every stanza c wrote (while unacknowledged ones
// remain, an ack request is always under way, so an ack will come).
func awaitAcked(t *testing.T, c *Client, acks <-chan int) {
	t.Helper()
	drain(acks)
	deadline := time.After(waitFor)
	for c.Unacked() != 0 {
		select {
		case <-acks:
		case <-deadline:
			t.Fatal("timed out waiting for the server to acknowledge everything")
		}
	}
}

// drain empties ch.
func drain[T any](ch <-chan T) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// ackChan installs an ackHook on c and returns its channel.
func ackChan(c *Client) <-chan int {
	ch := make(chan int, 1000)
	c.ackHook = func(n int) { ch <- n }
	return ch
}

// smConnected starts a client on a new fake server and waits until the server has its presence and
// has acknowledged everything it wrote so far.
func smConnected(t *testing.T) (*smServer, *Client, *recorder, <-chan int) {
	t.Helper()
	f := newSMServer(t)
	c, rec := smClient(t, f, nil)
	acks := ackChan(c)
	runClient(t, c, rec, f)
	f.waitGot("<presence")
	awaitAcked(t, c, acks)
	return f, c, rec, acks
}

// bodies receives n messages and returns their bodies.
func bodies(t *testing.T, rec *recorder, n int) []string {
	t.Helper()
	var out []string
	for range n {
		out = append(out, await(t, rec.msgs, "message").Body)
	}
	return out
}

func seq(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprint(prefix, i))
	}
	return out
}

// After binding, the client enables stream management with resumption; it answers <r/> with the number
// of stanzas it handled since <enabled/> (here the two IQ results of the setup and three messages), and
// asks for acks after its own writes until the server has acknowledged all of them.
func TestSMEnableCountsAndAcks(t *testing.T) {
	f, c, rec, acks := smConnected(t)
	for _, b := range []string{"s1", "s2", "s3"} {
		f.inject(msgFrom(b))
	}
	if got := bodies(t, rec, 3); !slices.Equal(got, []string{"s1", "s2", "s3"}) {
		t.Fatalf("got %q", got)
	}
	f.request()
	if h := f.waitA(1); h != 5 {
		t.Fatalf("client acked h=%d, want 5 (2 IQ results + 3 messages)", h)
	}
	for i := range 10 {
		if _, err := c.Send(ctxT(t), Outgoing{To: mustJID(t, "bob@localhost"), Body: fmt.Sprint("m", i)}); err != nil {
			t.Fatal(err)
		}
	}
	awaitAcked(t, c, acks)
	if n := c.Unacked(); n != 0 {
		t.Fatalf("%d unacknowledged after the server's ack", n)
	}
	f.mu.Lock()
	enables := f.enables
	f.mu.Unlock()
	if enables != 1 {
		t.Fatalf("%d <enable/>, want 1", enables)
	}
}

// A connection that drops mid-burst both ways is resumed: the server gets each of the client's
// messages once and in order (those it had received before the drop are not sent again, those lost in
// flight are), and the client handles each of the server's once and in order (the server sends again
// only what the client's count does not cover). The resumed session sends no new presence.
func TestSMResumeMidBurst(t *testing.T) {
	f, c, rec, _ := smConnected(t)

	// The server loses the client's 6th message in flight and cuts the connection there; it holds
	// its acks, so the client does not know what arrived.
	f.set(func(f *smServer) { f.holdAcks, f.loseFrom, f.loseCut = true, f.sess.in+6, true })
	for _, b := range seq("s", 1, 3) {
		f.inject(msgFrom(b))
	}
	if got := bodies(t, rec, 3); !slices.Equal(got, seq("s", 1, 3)) {
		t.Fatalf("before the drop got %q", got)
	}
	// s4 and s5 are sent by the server but lost in flight.
	f.injectLost(msgFrom("s4"))
	f.injectLost(msgFrom("s5"))
	for _, b := range seq("m", 1, 10) {
		if _, err := c.Send(ctxT(t), Outgoing{To: mustJID(t, "bob@localhost"), Body: b}); err != nil {
			t.Fatalf("Send %s: %v", b, err)
		}
	}
	rec.awaitState(t, StateDisconnected)
	await(t, f.resumed, "resumption")
	rec.awaitState(t, StateConnected)
	if !c.Resumed() {
		t.Fatal("Resumed() false after a resumption")
	}
	if got := bodies(t, rec, 2); !slices.Equal(got, []string{"s4", "s5"}) {
		t.Fatalf("after resuming got %q, want s4 s5", got)
	}
	f.inject(msgFrom("s6")) // a barrier: nothing doubled came before it
	if got := bodies(t, rec, 1); got[0] != "s6" {
		t.Fatalf("after s5 got %q, want s6", got)
	}
	f.waitGot("m10")
	var want []string
	for i := 1; i <= 10; i++ {
		conn := 1
		if i >= 6 {
			conn = 2
		}
		want = append(want, fmt.Sprintf("%d:m%d", conn, i))
	}
	if got := f.messages(); !slices.Equal(got, want) {
		t.Fatalf("server got %q, want %q", got, want)
	}
	f.mu.Lock()
	resumes, enables, got := f.resumes, f.enables, f.got
	f.mu.Unlock()
	if !slices.Equal(resumes, []uint32{5}) {
		t.Fatalf("client resumed with h=%v, want [5] (2 IQ results + s1..s3)", resumes)
	}
	presences := 0
	for _, g := range got {
		if strings.Contains(g, "<presence") {
			presences++
		}
	}
	if enables != 1 || presences != 1 {
		t.Fatalf("%d <enable/> and %d presences, want 1 and 1", enables, presences)
	}
}

// A stanza cut off in the middle by the drop is not counted as handled: the server sends it again
// after resuming, and the client handles it once.
func TestSMCutStanzaSentAgain(t *testing.T) {
	f := newSMServer(t)
	c, rec := smClient(t, f, nil)
	runClient(t, c, rec, f)
	f.waitGot("<presence")
	f.inject(msgFrom("whole"))
	if got := bodies(t, rec, 1); got[0] != "whole" {
		t.Fatalf("got %q", got)
	}
	f.injectPartial(msgFrom("halved"))
	await(t, f.resumed, "resumption")
	f.inject(msgFrom("after"))
	if got := bodies(t, rec, 2); !slices.Equal(got, []string{"halved", "after"}) {
		t.Fatalf("after resuming got %q, want halved after", got)
	}
	f.mu.Lock()
	resumes := f.resumes
	f.mu.Unlock()
	if !slices.Equal(resumes, []uint32{3}) {
		t.Fatalf("resumed with h=%v, want [3] (2 IQ results + 1 message)", resumes)
	}
}

// When resumption fails, the client binds a new session, enables stream management again and sends
// the messages the server had not acknowledged again, before those queued meanwhile. With the
// server's count in <failed h/>, only what the server did not get is sent again; without it, the
// messages the server got but had not acknowledged arrive twice (the price of losing none).
func TestSMResumeFailed(t *testing.T) {
	for _, withH := range []bool{true, false} {
		t.Run(fmt.Sprint("h=", withH), func(t *testing.T) {
			f, c, rec, _ := smConnected(t)
			f.set(func(f *smServer) { f.holdAcks, f.forget, f.forgetH = true, true, withH })
			for _, b := range seq("m", 1, 5) {
				if _, err := c.Send(ctxT(t), Outgoing{To: mustJID(t, "bob@localhost"), Body: b}); err != nil {
					t.Fatal(err)
				}
			}
			f.waitGot("m5")
			f.cut()
			rec.awaitState(t, StateDisconnected)
			for _, b := range seq("m", 6, 8) {
				if _, err := c.Send(ctxT(t), Outgoing{To: mustJID(t, "bob@localhost"), Body: b}); err != nil {
					t.Fatal(err)
				}
			}
			f.set(func(f *smServer) { f.holdAcks = false })
			rec.awaitState(t, StateConnected)
			f.waitGot("m8")
			if c.Resumed() {
				t.Fatal("Resumed() true after a failed resumption")
			}
			want := []string{"1:m1", "1:m2", "1:m3", "1:m4", "1:m5"}
			if !withH {
				want = append(want, "2:m1", "2:m2", "2:m3", "2:m4", "2:m5")
			}
			want = append(want, "2:m6", "2:m7", "2:m8")
			if got := f.messages(); !slices.Equal(got, want) {
				t.Fatalf("server got %q, want %q", got, want)
			}
			f.mu.Lock()
			enables, got := f.enables, f.got
			f.mu.Unlock()
			presences := 0
			for _, g := range got {
				if strings.HasPrefix(g, "2:<presence") {
					presences++
				}
			}
			if enables != 2 || presences != 1 {
				t.Fatalf("%d <enable/> and %d presences on the new session, want 2 and 1", enables, presences)
			}
		})
	}
}

// A server without stream management gets none: no <enable/>, nothing kept for acks, no resumption
// on reconnect (messages sent meanwhile are queued as before).
func TestSMNotOffered(t *testing.T) {
	f := newSMServer(t)
	f.offer = false
	c, rec := smClient(t, f, nil)
	runClient(t, c, rec, f)
	f.waitGot("<presence")
	if _, err := c.Send(ctxT(t), Outgoing{To: mustJID(t, "bob@localhost"), Body: "m1"}); err != nil {
		t.Fatal(err)
	}
	f.waitGot("m1")
	if n := c.Unacked(); n != 0 {
		t.Fatalf("%d unacknowledged without stream management", n)
	}
	f.cut()
	rec.awaitState(t, StateDisconnected)
	if _, err := c.Send(ctxT(t), Outgoing{To: mustJID(t, "bob@localhost"), Body: "m2"}); err != nil {
		t.Fatal(err)
	}
	rec.awaitState(t, StateConnected)
	f.waitGot("m2")
	f.mu.Lock()
	enables, resumes := f.enables, f.resumes
	f.mu.Unlock()
	if enables != 0 || len(resumes) != 0 {
		t.Fatalf("%d <enable/> and %d <resume/> to a server without stream management", enables, len(resumes))
	}
	if got := f.messages(); !slices.Equal(got, []string{"1:m1", "2:m2"}) {
		t.Fatalf("server got %q", got)
	}
}

// Closing the client reports the messages that did not reach the server as far as it knows: the
// server's last ack (sent when the stream closes) covers m1 and m2, but m3 was lost; a message queued
// while never connected is reported too.
func TestSMUndeliveredOnClose(t *testing.T) {
	f, c, rec, _ := smConnected(t)
	f.set(func(f *smServer) { f.holdAcks, f.loseFrom = true, f.sess.in+3 })
	var ids []string
	for _, b := range seq("m", 1, 3) {
		id, err := c.Send(ctxT(t), Outgoing{To: mustJID(t, "bob@localhost"), Body: b})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	f.waitGot("m2")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	var ue *UndeliveredError
	for {
		err := await(t, rec.errs, "UndeliveredError")
		if errors.As(err, &ue) {
			break
		}
	}
	if len(ue.Messages) != 1 || ue.Messages[0].ID != ids[2] || ue.Messages[0].To.String() != "bob@localhost" {
		t.Fatalf("undelivered %+v, want only m3 (%s)", ue.Messages, ids[2])
	}

	// Never connected: the queued message is reported.
	c2, rec2 := smClient(t, f, nil)
	id, err := c2.Send(ctxT(t), Outgoing{To: mustJID(t, "bob@localhost"), Body: "queued"})
	if err != nil {
		t.Fatal(err)
	}
	_ = c2.Close()
	if err := await(t, rec2.errs, "UndeliveredError"); !errors.As(err, &ue) || len(ue.Messages) != 1 || ue.Messages[0].ID != id {
		t.Fatalf("got %v, want the queued message undelivered", err)
	}
}

// A server that stops acknowledging while the unacknowledged list is full is treated like one that
// stopped answering pings: the session is dropped, and the message waiting for room is queued, not
// lost.
func TestSMNoAckDropsSession(t *testing.T) {
	f := newSMServer(t)
	c, rec := smClient(t, f, func(cfg *Config) { cfg.QueueLimit = 3; cfg.KeepaliveTimeout = 200 * time.Millisecond })
	acks := ackChan(c)
	if err := c.Connect(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	rec.awaitState(t, StateConnected)
	f.waitGot("<presence")
	awaitAcked(t, c, acks)
	f.set(func(f *smServer) { f.holdAcks = true })
	for _, b := range seq("m", 1, 4) {
		if _, err := c.Send(ctxT(t), Outgoing{To: mustJID(t, "bob@localhost"), Body: b}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.current()
	if err != nil {
		t.Fatal(err)
	}
	await(t, s.done, "the session to end") // no Run: nothing reconnects
	if err := s.cause(); !errors.Is(err, ErrKeepalive) || !errors.Is(err, errNoAck) {
		t.Fatalf("session ended with %v, want the no-ack error", err)
	}
	if q, u := c.Queued(), c.Unacked(); q != 1 || u != 3 {
		t.Fatalf("%d queued and %d unacknowledged, want 1 (m4) and 3 (m1..m3)", q, u)
	}
}

// An ack for more stanzas than the client counted means the count cannot be trusted: the session is
// not resumed after a drop, but replaced by a new one.
func TestSMCountMismatchNoResume(t *testing.T) {
	f, _, rec, acks := smConnected(t)
	drain(acks)
	f.set(func(f *smServer) { f.writeLocked(`<a xmlns='urn:xmpp:sm:3' h='1000'/>`) })
	await(t, acks, "the ack")
	f.cut()
	rec.awaitState(t, StateDisconnected)
	rec.awaitState(t, StateConnected)
	f.mu.Lock()
	resumes, enables := f.resumes, f.enables
	f.mu.Unlock()
	if len(resumes) != 0 || enables != 2 {
		t.Fatalf("%d <resume/> and %d <enable/>, want a new session (0 and 2)", len(resumes), enables)
	}
}

// A stanza sent again (after a failed resumption here, as after a resumption) is the stanza that was
// written, not a new one built from the message: for OTR data the same ciphertext under the same id,
// never a fresh encryption, let alone the plaintext.
func TestSMResendIsTheSameStanza(t *testing.T) {
	f, c, _, _ := smConnected(t)
	f.set(func(f *smServer) { f.holdAcks, f.forget = true, true })
	const wire = "?OTR:AAMDQ2lwaGVydGV4dA==."
	id, err := c.Send(ctxT(t), Outgoing{To: mustJID(t, "bob@localhost/pc"), Body: wire, EME: "urn:xmpp:otr:0",
		NoStore: true, NoPermanentStore: true, NoCopy: true, Private: true})
	if err != nil {
		t.Fatal(err)
	}
	first := f.waitGot(id)
	f.cut()
	second := f.waitGot(id)
	if !strings.HasPrefix(first, "1:") || !strings.HasPrefix(second, "2:") || first[2:] != second[2:] {
		t.Fatalf("sent again as\n%s\nafter\n%s", second, first)
	}
}

// Closing right after a message was handed to the Handler acknowledges that message in the last
// <a/>: the server must not take it for undelivered (it would store it offline and deliver it a
// second time to the next session). Repeated, because the handler counts a stanza on its own
// goroutine, after posting its events.
func TestSMFinalAckCoversHandled(t *testing.T) {
	for i := range 30 {
		f, c, rec, _ := smConnected(t)
		f.inject(msgFrom(fmt.Sprint("last", i)))
		await(t, rec.msgs, "message")
		f.mu.Lock()
		want := f.sess.acked + uint32(len(f.sess.out)) // all the server sent, the message included
		f.mu.Unlock()
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if h := f.waitA(0); h != want {
			t.Fatalf("round %d: the last ack says h=%d, want %d (the message just handled counted)", i, h, want)
		}
	}
}
