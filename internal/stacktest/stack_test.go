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
func hold(t *testing.T) (int, net.Listener) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l.Addr().(*net.TCPAddr).Port, l
}

// checkOurs fails unless prosody's own process listens on its c2s port and
// an XMPP login there works.
func checkOurs(t *testing.T, s *Stack, held int) {
	t.Helper()
	_, port, _ := net.SplitHostPort(s.Prosody.Addr())
	if port == fmt.Sprint(held) {
		t.Fatalf("prosody kept the held port %d", held)
	}
	var p int
	fmt.Sscan(port, &p)
	if !proc.ListeningPorts(s.Prosody.PID())[p] {
		t.Errorf("prosody (pid %d) does not listen on its c2s port %d", s.Prosody.PID(), p)
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

// TestBusyFixedPortMoves: with MovePorts, a fixed port another process
// holds before the start, or takes between the check and prosody's start,
// is replaced by a free one, and the stack's prosody is really ours.
func TestBusyFixedPortMoves(t *testing.T) {
	if testing.Short() {
		t.Skip("real stack skipped in -short mode")
	}
	for _, race := range []bool{false, true} {
		t.Run(fmt.Sprintf("race=%v", race), func(t *testing.T) {
			var held int
			if race {
				free, err := proc.FreePort()
				if err != nil {
					t.Fatal(err)
				}
				held = free
				afterPortCheck = func() {
					l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", free))
					if err != nil {
						t.Errorf("taking the port: %v", err)
						return
					}
					t.Cleanup(func() { l.Close() })
				}
				defer func() { afterPortCheck = nil }()
			} else {
				held, _ = hold(t)
			}
			s, err := Start(t.TempDir(), Options{Prosody: prosodytest.Options{C2SPort: held}, MovePorts: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			note := strings.Join(s.Moved, "; ")
			if !strings.Contains(note, fmt.Sprint(held)) || !strings.Contains(note, fmt.Sprintf("pid %d", os.Getpid())) {
				t.Errorf("Moved = %q, want the port %d and this process as its holder", note, held)
			}
			t.Logf("moved: %s", note)
			checkOurs(t, s, held)
		})
	}
}

// TestBusyFixedPortFails: without MovePorts the start fails, naming the
// port and its holder.
func TestBusyFixedPortFails(t *testing.T) {
	if testing.Short() {
		t.Skip("real stack skipped in -short mode")
	}
	held, _ := hold(t)
	s, err := Start(t.TempDir(), Options{Prosody: prosodytest.Options{C2SPort: held}})
	if err == nil {
		s.Close()
		t.Fatal("the stack started although prosody's port was held")
	}
	want := fmt.Sprintf("127.0.0.1:%d: the port is held by %s (pid %d)", held, proc.Name(os.Getpid()), os.Getpid())
	if !errors.Is(err, proc.ErrPortBusy) || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q, want one containing %q", err, want)
	}
}
