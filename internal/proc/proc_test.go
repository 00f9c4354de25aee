package proc

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMain doubles as the child process: with PROC_TEST_LISTEN set it
// listens there (or says why not) and then waits for a signal, as prosody
// stays up when one of its ports is taken.
func TestMain(m *testing.M) {
	if addr := os.Getenv("PROC_TEST_LISTEN"); addr != "" {
		if _, err := net.Listen("tcp", addr); err != nil {
			fmt.Println("cannot listen:", err)
		} else {
			fmt.Println("listening on", addr)
		}
		select {}
	}
	os.Exit(m.Run())
}

func startListener(t *testing.T, port int) *Proc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "PROC_TEST_LISTEN=127.0.0.1:"+strconv.Itoa(port))
	p, err := Start("listener", cmd, Options{Log: t.TempDir() + "/listener.log"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Kill() })
	return p
}

// TestReadyOwnPort: readiness holds once the child itself listens; the
// port's holder is the child; Stop ends it with SIGTERM.
func TestReadyOwnPort(t *testing.T) {
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	p := startListener(t, port)
	if err := p.WaitReady(Ready{Ports: []int{port}, Timeout: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if !ListeningPorts(p.PID())[port] {
		t.Errorf("ListeningPorts(%d) lacks %d", p.PID(), port)
	}
	if h, held := PortHolder(port); !held || h.PID != p.PID() {
		t.Errorf("PortHolder(%d) = %v, %v; want pid %d", port, h, held, p.PID())
	}
	if err := p.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if !p.Exited() {
		t.Error("not exited after Stop")
	}
}

// TestReadyPortHeldByStranger: when another process (this test) holds the
// port, readiness fails with a PortBusyError naming it, instead of counting
// the stranger's socket as the child's.
func TestReadyPortHeldByStranger(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	p := startListener(t, port)
	err = p.WaitReady(Ready{Ports: []int{port}, Timeout: 30 * time.Second})
	var busy *PortBusyError
	if !errors.As(err, &busy) {
		t.Fatalf("WaitReady = %v, want a PortBusyError", err)
	}
	if busy.Port != port || busy.Holder.PID != os.Getpid() {
		t.Errorf("busy = %+v, want port %d held by pid %d", busy, port, os.Getpid())
	}
	want := fmt.Sprintf("listener cannot listen on 127.0.0.1:%d: the port is held by %s (pid %d)", port, Name(os.Getpid()), os.Getpid())
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
	t.Logf("error: %v", err)
}

// TestReadyExit: a child that exits during start-up fails readiness at once.
func TestReadyExit(t *testing.T) {
	p, err := Start("false", exec.Command("false"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = p.WaitReady(Ready{Ports: []int{1}, Timeout: 30 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "exited during start-up") {
		t.Fatalf("WaitReady = %v, want exited during start-up", err)
	}
}

// TestFreePort: ports are distinct, free, and below the ephemeral range
// (where outgoing connections take their local ports) when it leaves room.
func TestFreePort(t *testing.T) {
	lo, hi := pickRange()
	seen := map[int]bool{}
	for range 50 {
		port, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if seen[port] {
			t.Fatalf("FreePort returned %d twice", port)
		}
		seen[port] = true
		if hi > lo && (port < lo || port >= hi) {
			t.Errorf("FreePort returned %d, want one in [%d, %d)", port, lo, hi)
		}
	}
}

// TestPortHolderConnection: the local end of a connection keeps a server
// from binding its port, so PortHolder names its owner too.
func TestPortHolderConnection(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	port := c.LocalAddr().(*net.TCPAddr).Port
	if h, held := PortHolder(port); !held || h.PID != os.Getpid() {
		t.Errorf("PortHolder(%d) = %v, %v; want this process (pid %d)", port, h, held, os.Getpid())
	}
}
