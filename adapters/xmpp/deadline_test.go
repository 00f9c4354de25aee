package xmpp

import (
	"bytes"
	"context"
	"encoding/xml"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// stallConn wraps the connection mellium writes to and holds two goroutines at chosen points, so that
// a test can replay an interleaving that otherwise needs an unlucky scheduler:
//   - the first Write whose bytes contain mark is passed on and then held until releaseWrite;
//   - the first deadline in the past (SetDeadline or SetWriteDeadline) is passed on and then held until
//     releaseDeadline: its caller is "descheduled" right after setting it.
type stallConn struct {
	net.Conn
	mark  []byte
	wrote chan struct{} // closed when the marked write was passed on
	stale chan struct{} // closed when a past deadline was passed on

	writeGate, deadlineGate chan struct{}
	wroteOnce, staleOnce    sync.Once
	relWrite, relDeadline   sync.Once
}

func newStallConn(mark string) *stallConn {
	return &stallConn{mark: []byte(mark), wrote: make(chan struct{}), stale: make(chan struct{}),
		writeGate: make(chan struct{}), deadlineGate: make(chan struct{})}
}

func (c *stallConn) releaseWrite()    { c.relWrite.Do(func() { close(c.writeGate) }) }
func (c *stallConn) releaseDeadline() { c.relDeadline.Do(func() { close(c.deadlineGate) }) }

func (c *stallConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if bytes.Contains(b, c.mark) {
		held := false
		c.wroteOnce.Do(func() { held = true; close(c.wrote) })
		if held {
			<-c.writeGate
		}
	}
	return n, err
}

func (c *stallConn) SetDeadline(t time.Time) error {
	err := c.Conn.SetDeadline(t)
	c.holdIfPast(t)
	return err
}

func (c *stallConn) SetWriteDeadline(t time.Time) error {
	err := c.Conn.SetWriteDeadline(t)
	c.holdIfPast(t)
	return err
}

func (c *stallConn) holdIfPast(t time.Time) {
	if t.IsZero() || t.After(time.Now()) {
		return
	}
	held := false
	c.staleOnce.Do(func() { held = true; close(c.stale) })
	if held {
		<-c.deadlineGate
	}
}

type stallQuery struct {
	XMLName xml.Name `xml:"urn:example:stall query"`
}

// A context that ends while an IQ is being written must not break a later, unrelated write. mellium
// enforces a context by a goroutine that sets a past deadline when the context ends and resets it right
// after; when that goroutine ran late (CPU load), the past deadline landed on whatever was written next,
// and a Send made meanwhile failed with "i/o timeout", got queued (Send still returned its id and no
// error) and never left. guardConn ignores deadlines, and our writes no longer hand a context to mellium
// at all (write.go); the scenario stays: an IQ's context is cancelled while its write is under way, and
// a Send follows.
func TestPipeStaleDeadlineKeepsSend(t *testing.T) {
	sc := newStallConn("urn:example:stall")
	t.Cleanup(func() { sc.releaseWrite(); sc.releaseDeadline() })
	cl, _, f := pipeClientHook(t, nil, func(c net.Conn) net.Conn { sc.Conn = c; return sc })
	s, err := cl.current()
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	iqDone := make(chan error, 1)
	go func() { iqDone <- iqSet(ctx, s, stallQuery{}) }()
	await(t, sc.wrote, "the IQ's write")
	cancel() // the IQ's context ends while its write is under way
	sc.releaseWrite()
	await(t, iqDone, "the IQ to return") // its error (cancelled or not) does not matter

	id, err := cl.Send(ctxT(t), Outgoing{To: mustJID(t, "bob@localhost"), Body: "after the stale deadline"})
	queued, connected := cl.Queued(), cl.Connected()
	sc.releaseDeadline()
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if queued != 0 || !connected {
		t.Fatalf("Send returned id %s without error, but the message was queued (%d queued, connected %v, "+
			"session ended by %v)", id, queued, connected, s.cause())
	}
	got := f.next(func(s string) bool { return strings.HasPrefix(s, "<message") })
	if !strings.Contains(got, "after the stale deadline") {
		t.Fatalf("server got %s", got)
	}
}

// StateConnected means that sends go out: a handler reacting to it sees Connected() and an empty queue,
// and a message queued before connecting has been written.
func TestPipeConnectedAfterFlush(t *testing.T) {
	cl, rec, f, connect := newPipeClient(t, nil, nil)
	type snapshot struct {
		connected bool
		queued    int
	}
	snaps := make(chan snapshot, 10)
	rec.onState = func(s ConnState) {
		if s == StateConnected {
			snaps <- snapshot{cl.Connected(), cl.Queued()}
		}
	}
	if _, err := cl.Send(ctxT(t), Outgoing{To: mustJID(t, "bob@localhost"), Body: "queued before connecting"}); err != nil {
		t.Fatal(err)
	}
	if n := cl.Queued(); n != 1 {
		t.Fatalf("%d queued before connecting, want 1", n)
	}
	connect()
	if s := await(t, snaps, "StateConnected"); !s.connected || s.queued != 0 {
		t.Fatalf("at StateConnected: Connected() %v with %d queued; want true with 0", s.connected, s.queued)
	}
	got := f.next(func(s string) bool { return strings.HasPrefix(s, "<message") })
	if !strings.Contains(got, "queued before connecting") {
		t.Fatalf("server got %s", got)
	}
}
