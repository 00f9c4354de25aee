package stacktest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/offrecord/offrecord/internal/proc"
	"github.com/offrecord/offrecord/internal/prosodytest"
	"github.com/offrecord/offrecord/internal/xmppbuddy"
)

// hold listens on a free port in this process (the "other program").
func hold(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

// TestBusyFixedPortMoves: with MovePorts, fixed ports another process
// holds (prosody's, Dendrite's) are replaced by free ones, on which
// prosody's own process listens, and an XMPP login reaches it (not the
// stranger).
func TestBusyFixedPortMoves(t *testing.T) {
	if testing.Short() {
		t.Skip("real stack skipped in -short mode")
	}
	held, hsHeld := hold(t), hold(t)
	s, err := Start(t.TempDir(), Options{Prosody: prosodytest.Options{C2SPort: held}, DendritePort: hsHeld, MovePorts: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	note := strings.Join(s.Moved, "; ")
	if len(s.Moved) != 2 || !strings.Contains(note, fmt.Sprintf("port %d is held by %s (pid %d)", held, proc.Name(os.Getpid()), os.Getpid())) ||
		!strings.Contains(note, fmt.Sprintf("port %d is held", hsHeld)) || strings.HasSuffix(s.HS.URL(), fmt.Sprint(hsHeld)) {
		t.Errorf("Moved = %q, want ports %d and %d moved, held by this process", note, held, hsHeld)
	}
	_, port, _ := net.SplitHostPort(s.Prosody.Addr())
	var p int
	fmt.Sscan(port, &p)
	if p == held || !proc.ListeningPorts(s.Prosody.PID())[p] {
		t.Fatalf("prosody (pid %d) does not listen on its c2s port %d itself (held: %d)", s.Prosody.PID(), p, held)
	}
	account, pass, err := s.XMPPAccount("mover")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := xmppbuddy.Start(ctx, s.BuddyConfig(account, pass, "check"))
	if err != nil {
		t.Fatalf("XMPP login to the moved prosody: %v", err)
	}
	b.Close()
}

// TestBusyFixedPortFails: without MovePorts the start fails, naming the
// port and its holder.
func TestBusyFixedPortFails(t *testing.T) {
	if testing.Short() {
		t.Skip("real stack skipped in -short mode")
	}
	held := hold(t)
	s, err := Start(t.TempDir(), Options{Prosody: prosodytest.Options{C2SPort: held}})
	if err == nil {
		s.Close()
		t.Fatal("the stack started although prosody's port was held")
	}
	want := fmt.Sprintf("prosody cannot listen on 127.0.0.1:%d: the port is held by %s (pid %d)", held, proc.Name(os.Getpid()), os.Getpid())
	var busy *proc.PortBusyError
	if !errors.As(err, &busy) || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q, want one containing %q", err, want)
	}
}
