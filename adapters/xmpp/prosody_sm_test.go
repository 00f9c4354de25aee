package xmpp

import (
	"bytes"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/offrecord/offrecord/internal/prosodytest"
)

// tapConn is the connection mellium uses (in cleartext, TLS disabled), counting stanzas and stream
// management elements each way. After dropNext, the next write holding a message is lost: the
// connection is closed instead, as by a network failure with that message in flight.
type tapConn struct {
	net.Conn
	mu              sync.Mutex // guards the fields below
	in, out         tapCount
	inTail, outTail []byte
	drop            bool
	dropped         chan struct{}
}

func (c *tapConn) dropNext() {
	c.mu.Lock()
	c.drop = true
	c.mu.Unlock()
}

type tapCount struct{ messages, r, a int }

var tapMarks = []struct {
	mark []byte
	of   func(*tapCount) *int
}{
	{[]byte("<message"), func(c *tapCount) *int { return &c.messages }},
	{[]byte(`<r xmlns="urn:xmpp:sm:3"`), func(c *tapCount) *int { return &c.r }},
	{[]byte(`<r xmlns='urn:xmpp:sm:3'`), func(c *tapCount) *int { return &c.r }},
	{[]byte(`<a xmlns="urn:xmpp:sm:3"`), func(c *tapCount) *int { return &c.a }},
	{[]byte(`<a xmlns='urn:xmpp:sm:3'`), func(c *tapCount) *int { return &c.a }},
	{[]byte(`<a h=`), func(c *tapCount) *int { return &c.a }},
}

// tapAdd adds the marks in b (joined to the end of the previous chunk, so that none is missed at a
// chunk boundary nor counted twice).
func tapAdd(c *tapCount, tail *[]byte, b []byte) {
	buf := append(append([]byte(nil), *tail...), b...)
	for _, m := range tapMarks {
		for i := 0; ; {
			j := bytes.Index(buf[i:], m.mark)
			if j < 0 {
				break
			}
			if i+j+len(m.mark) > len(*tail) { // ends in the new bytes
				*m.of(c)++
			}
			i += j + 1
		}
	}
	if len(buf) > 32 {
		buf = buf[len(buf)-32:]
	}
	*tail = buf
}

func (c *tapConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	tapAdd(&c.in, &c.inTail, b[:n])
	c.mu.Unlock()
	return n, err
}

func (c *tapConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	if c.drop && bytes.Contains(b, []byte("<message")) {
		c.drop = false
		c.mu.Unlock()
		_ = c.Conn.Close()
		close(c.dropped)
		return 0, net.ErrClosed
	}
	tapAdd(&c.out, &c.outTail, b)
	c.mu.Unlock()
	return c.Conn.Write(b)
}

func (c *tapConn) counts() (in, out tapCount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.in, c.out
}

// inbox collects the bodies a recorder receives, for waits on how many arrived.
type inbox struct {
	mu     sync.Mutex
	bodies []string
	grew   chan struct{} // closed and replaced on each arrival
}

func collect(rec *recorder) *inbox {
	ib := &inbox{grew: make(chan struct{})}
	go func() {
		for m := range rec.msgs {
			ib.mu.Lock()
			ib.bodies = append(ib.bodies, m.Body)
			close(ib.grew)
			ib.grew = make(chan struct{})
			ib.mu.Unlock()
		}
	}()
	return ib
}

// wait waits until at least n bodies arrived.
func (ib *inbox) wait(t testing.TB, n int) {
	deadline := time.After(2 * waitFor)
	for {
		ib.mu.Lock()
		got, grew := len(ib.bodies), ib.grew
		ib.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-grew:
		case <-deadline:
			t.Errorf("timed out waiting for %d messages (got %d)", n, got)
			return
		}
	}
}

func (ib *inbox) all() []string {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	return slices.Clone(ib.bodies)
}

// Against prosody's mod_smacks: 100 messages each way, each side keeping at most 5 in flight (paced by
// what the other side received, never by time), and alice's connection cut as she writes her 31st,
// which is lost in flight. Her session is resumed, and both receive exactly 1..100 once each, in
// order. Logs how long the resumption took and what stream management cost on the wire.
func TestProsodyResumeBurst(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.Options{NoTLS: true, Plaintext: true})
	var tapMu sync.Mutex
	var taps []*tapConn
	plain := func(c *Config) { c.TLS, c.AllowPlainAuth = TLSDisabled, true }
	alice, ar := account(t, srv, "alice", plain)
	alice.connHook = func(c net.Conn) net.Conn {
		tc := &tapConn{Conn: c, dropped: make(chan struct{})}
		tapMu.Lock()
		taps = append(taps, tc)
		tapMu.Unlock()
		return tc
	}
	bob, br := account(t, srv, "bob", plain)
	online(t, alice, ar)
	online(t, bob, br)
	aliceIn, bobIn := collect(ar), collect(br)
	ctx := ctxT(t)
	const n, window, cutAt = 100, 5, 30

	// Message i goes out once the peer has received i-window of ours and we i-2*window of theirs: at
	// most window in flight, and neither direction runs ahead of the other.
	burst := func(from *Client, to *Client, peerIn, ownIn *inbox, prefix string, before func(int), errc chan<- error) {
		for i := 1; i <= n; i++ {
			peerIn.wait(t, i-window)
			ownIn.wait(t, i-2*window)
			before(i)
			if _, err := from.Send(ctx, Outgoing{To: to.LocalJID().Bare(), Body: fmt.Sprintf("%s %03d", prefix, i)}); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}
	errc := make(chan error, 2)
	tapMu.Lock()
	first := taps[0]
	tapMu.Unlock()
	var bobAtCut, aliceAtCut int
	go burst(alice, bob, bobIn, aliceIn, "a2b", func(i int) {
		if i == cutAt+1 {
			bobAtCut, aliceAtCut = len(bobIn.all()), len(aliceIn.all())
			first.dropNext()
		}
	}, errc)
	go burst(bob, alice, aliceIn, bobIn, "b2a", func(int) {}, errc)

	await(t, first.dropped, "alice's message lost with the connection")
	cut := time.Now()
	ar.awaitState(t, StateDisconnected)
	ar.awaitState(t, StateConnected)
	took := time.Since(cut)
	if !alice.Resumed() {
		t.Fatal("alice's session was not resumed")
	}
	for range 2 {
		if err := await(t, errc, "a burst to finish"); err != nil {
			t.Fatal(err)
		}
	}
	aliceIn.wait(t, n)
	bobIn.wait(t, n)
	// Barriers: anything doubled would arrive before these.
	if _, err := alice.Send(ctx, Outgoing{To: bob.LocalJID().Bare(), Body: "a2b end"}); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Send(ctx, Outgoing{To: alice.LocalJID().Bare(), Body: "b2a end"}); err != nil {
		t.Fatal(err)
	}
	aliceIn.wait(t, n+1)
	bobIn.wait(t, n+1)
	want := func(prefix string) []string {
		var out []string
		for i := 1; i <= n; i++ {
			out = append(out, fmt.Sprintf("%s %03d", prefix, i))
		}
		return append(out, prefix+" end")
	}
	if got := bobIn.all(); !slices.Equal(got, want("a2b")) {
		t.Errorf("bob got %d messages %q", len(got), got)
	}
	if got := aliceIn.all(); !slices.Equal(got, want("b2a")) {
		t.Errorf("alice got %d messages %q", len(got), got)
	}
	tapMu.Lock()
	conns := len(taps)
	var in, out tapCount
	for _, tc := range taps {
		i, o := tc.counts()
		in.messages, in.r, in.a = in.messages+i.messages, in.r+i.r, in.a+i.a
		out.messages, out.r, out.a = out.messages+o.messages, out.r+o.r, out.a+o.a
	}
	tapMu.Unlock()
	if conns != 2 {
		t.Errorf("%d connections, want 2 (one cut, one resumed)", conns)
	}
	t.Logf("cut when bob had %d of alice's and alice %d of bob's; resumed in %v", bobAtCut, aliceAtCut, took.Round(time.Millisecond))
	t.Logf("alice wrote %d message stanzas (%d sent), %d <r/>, %d <a/>; read %d messages (%d received), %d <r/>, %d <a/>",
		out.messages, n+1, out.r, out.a, in.messages, n+1, in.r, in.a)
	t.Logf("stream management elements per message: %.2f outbound (r+a), %.2f inbound (r+a)",
		float64(out.r+in.a)/float64(n+1), float64(in.r+out.a)/float64(n+1))
}
