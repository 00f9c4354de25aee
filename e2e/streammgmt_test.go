package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/internal/stacktest"
	"github.com/offrecord/offrecord/internal/xmppbuddy"
)

// smGhostPrefix is the ghost localpart prefix of the stream management bridge.
const smGhostPrefix = "xmppsm_"

// cutProxy is a TCP proxy between a bridge and prosody: it carries each connection both ways until
// cut closes all of them at once (a network failure for both ends), and keeps accepting new ones.
// It can also hold new connections (holdAfter, connectwait_test.go).
type cutProxy struct {
	ln net.Listener

	mu       sync.Mutex // guards the fields below
	target   string
	open     map[net.Conn]net.Conn // client side → server side
	accepted int
	// stalled makes every connection a black hole both ways (bytes are read and dropped), as a
	// network that stopped carrying anything; swallowed counts the bridge's bytes dropped so.
	stalled   bool
	swallowed watched
	// hold, when not nil, keeps new connections beyond the next pass accepted but unconnected to
	// prosody until release closes it; held counts them.
	hold chan struct{}
	pass int
	held watched
}

// watched is a count that can be waited on (cutProxy.waitAtLeast); cutProxy.mu guards it.
type watched struct {
	n    int
	grew chan struct{} // closed and replaced when n grows
}

func newWatched() watched { return watched{grew: make(chan struct{})} }

// add grows the count by k and wakes its waiters.
func (w *watched) add(k int) {
	w.n += k
	close(w.grew)
	w.grew = make(chan struct{})
}

// waitAtLeast waits until w reaches n; when ctx ends first it returns the count reached and ctx's error.
func (p *cutProxy) waitAtLeast(ctx context.Context, w *watched, n int) (int, error) {
	for {
		p.mu.Lock()
		got, grew := w.n, w.grew
		p.mu.Unlock()
		if got >= n {
			return got, nil
		}
		select {
		case <-grew:
		case <-ctx.Done():
			return got, ctx.Err()
		}
	}
}

// newCutProxy listens on a free loopback port; setTarget must be called before the first connection.
func newCutProxy() (*cutProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &cutProxy{ln: ln, open: map[net.Conn]net.Conn{}, swallowed: newWatched(), held: newWatched()}
	go p.serve()
	return p, nil
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) setTarget(addr string) {
	p.mu.Lock()
	p.target = addr
	p.mu.Unlock()
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		target := p.target
		p.accepted++
		hold := p.holdLocked()
		p.mu.Unlock()
		if hold != nil {
			go func() { <-hold; p.forward(c, target) }()
			continue
		}
		p.forward(c, target)
	}
}

// forward connects an accepted connection to target and carries it.
func (p *cutProxy) forward(c net.Conn, target string) {
	s, err := net.Dial("tcp", target)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	p.open[c] = s
	p.mu.Unlock()
	go p.carry(c, s)
}

// carry copies both ways until either side ends, then closes both.
func (p *cutProxy) carry(c, s net.Conn) {
	done := make(chan struct{}, 2)
	go func() { p.pipe(s, c, true); done <- struct{}{} }()
	go func() { p.pipe(c, s, false); done <- struct{}{} }()
	<-done
	_ = c.Close()
	_ = s.Close()
	p.mu.Lock()
	delete(p.open, c)
	p.mu.Unlock()
}

// pipe copies src to dst, dropping what it reads while the proxy is stalled; fromBridge says which
// way it runs.
func (p *cutProxy) pipe(dst, src net.Conn, fromBridge bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			stalled := p.stalled
			if stalled && fromBridge {
				p.swallowed.add(n)
			}
			p.mu.Unlock()
			if !stalled {
				if _, err := dst.Write(buf[:n]); err != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// stall makes the proxy drop everything both ways, on open and new connections, until unstall.
func (p *cutProxy) stall(on bool) {
	p.mu.Lock()
	p.stalled, p.swallowed.n = on, 0
	p.mu.Unlock()
}

// waitSwallowed waits until the bridge has written at least n bytes into the stall.
func (p *cutProxy) waitSwallowed(ctx context.Context, n int) error {
	if got, err := p.waitAtLeast(ctx, &p.swallowed, n); err != nil {
		return fmt.Errorf("the bridge wrote %d bytes into the stall, want %d: %w", got, n, err)
	}
	return nil
}

// cut closes every open connection, both sides.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c, s := range p.open {
		_ = c.Close()
		_ = s.Close()
		delete(p.open, c)
	}
}

func (p *cutProxy) connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

func (p *cutProxy) close() { _ = p.ln.Close(); p.cut() }

// TestStreamManagementCut: a Matrix user and an XMPP buddy each send 100 numbered messages; once the
// buddy has received 30 of the user's, every connection between the bridge and prosody is cut (at
// the proxy) and new ones accepted. The bridge resumes its XEP-0198 session, and the buddy receives
// the user's messages 1..100 exactly once each, in order, as the Matrix room shows the buddy's.
func TestStreamManagementCut(t *testing.T) {
	bot := startLazyBridge(t, st.sm, "stream management")
	alice := newMatrixUserOf(t, bot, false)
	bob := newBuddy(t, "smbob")
	ghost := ghostWithPrefix(smGhostPrefix, bob.jid)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	bob.send(t, alice.jid, xmppad.Outgoing{Body: "x2m hello"})
	portal := alice.waitFrom(t, ghost, "x2m hello").RoomID
	mark, cursor := bob.Mark(), alice.Cursor()
	logStart := logSize(t, st.sm.LogPath())

	const n, cutAt, window = 100, 30, 10
	body := func(prefix string, i int) string { return fmt.Sprintf("%s %03d", prefix, i) }
	errc := make(chan error, 2)
	var cut time.Time
	var before, atCutBob, atCutRoom int
	cutDone := make(chan struct{})
	go func() { // Matrix → XMPP, as fast as the homeserver takes them
		for i := 1; i <= n; i++ {
			if _, err := alice.SendText(ctx, portal, body("m2x", i)); err != nil {
				errc <- fmt.Errorf("sending m2x %d: %w", i, err)
				return
			}
		}
		errc <- nil
	}()
	go func() { // XMPP → Matrix, at most window ahead of what the room shows
		for i := 1; i <= n; i++ {
			if i > window {
				if _, err := stacktest.WaitText(ctx, alice.User, cursor, portal, ghost, body("x2m", i-window)); err != nil {
					errc <- err
					return
				}
			}
			if i == cutAt {
				// The cut: once the buddy has 30 of the user's messages, right after the buddy's
				// 30th went to the server, so that both directions have messages on the way.
				if _, err := bob.WaitBody(ctx, mark, body("m2x", cutAt)); err != nil {
					errc <- err
					return
				}
			}
			if _, err := bob.Send(ctx, xmppad.Outgoing{To: alice.jid, Body: body("x2m", i)}); err != nil {
				errc <- fmt.Errorf("sending x2m %d: %w", i, err)
				return
			}
			if i == cutAt {
				before, cut = st.smProxy.connections(), time.Now()
				st.smProxy.cut()
				atCutBob = len(fromUser(bob.Since(mark), alice.jid.String(), "m2x "))
				atCutRoom = len(roomBodies(alice, portal, ghost, "x2m "))
				close(cutDone)
			}
		}
		errc <- nil
	}()
	// Both bursts end (one may end before the cut).
	waitCut := cutDone
	for pending, cutSeen := 2, false; pending > 0; {
		select {
		case <-waitCut:
			waitCut, cutSeen = nil, true
			t.Logf("cut when the buddy had %d of the user's messages and the room %d of the buddy's", atCutBob, atCutRoom)
		case err := <-errc:
			if err != nil {
				t.Fatal(err)
			}
			pending--
			if pending == 0 && !cutSeen {
				t.Fatal("the bursts ended without the cut")
			}
		case <-ctx.Done():
			t.Fatal("the bursts did not finish")
		}
	}
	// Barriers: a message sent after the bursts arrives after anything sent twice would have.
	if _, err := alice.SendText(ctx, portal, "m2x end"); err != nil {
		t.Fatal(err)
	}
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "x2m end"})
	if _, err := bob.WaitBody(ctx, mark, "m2x end"); err != nil {
		t.Fatal(err)
	}
	if _, err := stacktest.WaitText(ctx, alice.User, cursor, portal, ghost, "x2m end"); err != nil {
		t.Fatal(err)
	}

	want := func(prefix string) []string {
		var out []string
		for i := 1; i <= n; i++ {
			out = append(out, body(prefix, i))
		}
		return append(out, prefix+" end")
	}
	if got := fromUser(bob.Since(mark), alice.jid.String(), "m2x "); !slices.Equal(got, want("m2x")) {
		t.Errorf("the buddy got %d messages from the user, want m2x 001..100 once each in order: %q", len(got), got)
	}
	if got := roomBodies(alice, portal, ghost, "x2m "); !slices.Equal(got, want("x2m")) {
		t.Errorf("the room shows %d messages from the buddy, want x2m 001..100 once each in order: %q", len(got), got)
	}
	if after := st.smProxy.connections(); after <= before {
		t.Errorf("the bridge made no new connection after the cut (%d before, %d after)", before, after)
	}

	// The bridge's own account of it: the session was resumed, not replaced.
	lost, resumed, failed, resent := resumeFigures(t, st.sm.LogPath(), logStart, alice.jid.String())
	if resumed.IsZero() || failed {
		t.Errorf("the bridge's session was not resumed (resumed %v, a new session %v)", !resumed.IsZero(), failed)
	} else {
		t.Logf("connection lost %v after the cut; resumed %v after that, %d stanzas written again",
			lost.Sub(cut).Round(time.Millisecond), resumed.Sub(lost).Round(time.Millisecond), resent)
	}
}

// fromUser returns the bodies with prefix of the messages from account in events.
func fromUser(events []xmppbuddy.Event, account, prefix string) []string {
	var out []string
	for _, ev := range events {
		if ev.Kind == xmppbuddy.Message && ev.Message.From.Bare().String() == account && strings.HasPrefix(ev.Message.Body, prefix) {
			out = append(out, ev.Message.Body)
		}
	}
	return out
}

// roomBodies returns the bodies with prefix of sender's messages in room, in timeline order, each
// event once (by event ID: the recorder may see one twice, the bridge must not send one twice).
func roomBodies(u *matrixUser, room id.RoomID, sender id.UserID, prefix string) []string {
	seen := map[id.EventID]bool{}
	var out []string
	for _, e := range u.MessageEvents(room) {
		b := e.Content.AsMessage().Body
		if e.Sender != sender || seen[e.ID] || !strings.HasPrefix(b, prefix) || b == prefix+"hello" {
			continue
		}
		seen[e.ID] = true
		out = append(out, b)
	}
	return out
}

func logSize(t *testing.T, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("bridge log: %v", err)
	}
	return fi.Size()
}

// resumeFigures reads the bridge's log from offset for account's first lost connection and what
// followed: when it was lost, when it was resumed, whether a new session replaced it instead, and how
// many stanzas were written again.
func resumeFigures(t *testing.T, path string, offset int64, account string) (lost, resumed time.Time, failed bool, resent int) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("bridge log: %v", err)
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			Message string    `json:"message"`
			Account string    `json:"account"`
			Time    time.Time `json:"time"`
			Resent  int       `json:"resent"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil || line.Account != account {
			continue
		}
		switch {
		case line.Message == "Connection lost" && lost.IsZero():
			lost = line.Time
		case line.Message == "Stream resumed" && !lost.IsZero() && resumed.IsZero():
			resumed, resent = line.Time, line.Resent
		case strings.HasPrefix(line.Message, "Stream could not be resumed"):
			failed = true
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	return lost, resumed, failed, resent
}

// TestStreamManagementUndelivered: a message the bridge wrote but the server never acknowledged (the
// network stopped carrying anything) is marked failed, with a notice, when the user logs out: it was
// shown as sent, and would otherwise be lost in silence.
func TestStreamManagementUndelivered(t *testing.T) {
	bot := startLazyBridge(t, st.sm, "stream management")
	alice := newMatrixUserOf(t, bot, false)
	bob := newBuddy(t, "smbob")
	ghost := ghostWithPrefix(smGhostPrefix, bob.jid)
	ctx := ctxFor(t)
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "before the stall"})
	portal := alice.waitFrom(t, ghost, "before the stall").RoomID
	mark := bob.Mark()

	st.smProxy.stall(true)
	t.Cleanup(func() { st.smProxy.stall(false); st.smProxy.cut() })
	cursor := alice.Cursor()
	lost, err := alice.SendText(ctx, portal, "into the stall")
	if err != nil {
		t.Fatal(err)
	}
	// The bridge took it (success, as for any message handed to the server) and wrote it.
	if _, err := alice.WaitEventFrom(ctx, cursor, portal, func(e *event.Event) bool {
		s, ok := e.Content.Parsed.(*event.BeeperMessageStatusEventContent)
		return ok && s.RelatesTo.EventID == lost && s.Status == event.MessageStatusSuccess
	}); err != nil {
		t.Fatalf("the message was not taken: %v", err)
	}
	if err := st.smProxy.waitSwallowed(ctx, 1); err != nil {
		t.Fatal(err)
	}

	alice.command(t, "logout "+alice.jid.String())
	n := alice.waitNotice(t, cursor, portal, "not_delivered")
	if body := n.Content.AsMessage().Body; !strings.Contains(body, "1 message was not delivered") {
		t.Errorf("the notice does not say how many: %q", body)
	}
	if _, err := alice.WaitEventFrom(ctx, cursor, portal, func(e *event.Event) bool {
		s, ok := e.Content.Parsed.(*event.BeeperMessageStatusEventContent)
		return ok && s.RelatesTo.EventID == lost && s.Status == event.MessageStatusFail
	}); err != nil {
		t.Errorf("the message was not marked failed: %v", err)
	}
	if got := fromUser(bob.Since(mark), alice.jid.String(), "into"); len(got) != 0 {
		t.Errorf("the buddy got %q through a stalled network", got)
	}
}
