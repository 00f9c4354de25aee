package prosodytest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/offrecord/offrecord/internal/proc"
)

func TestStartRegisterRestart(t *testing.T) {
	s := Start(t, Options{})
	if err := s.Register("alice", "secret"); err != nil {
		t.Fatal(err)
	}
	greet := func() string {
		conn, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = conn.Write([]byte(`<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`))
		buf := make([]byte, 4096)
		var got strings.Builder
		for !strings.Contains(got.String(), "</stream:features>") {
			n, err := conn.Read(buf)
			if err != nil {
				t.Fatalf("read features: %v (got %q)", err, got.String())
			}
			got.Write(buf[:n])
		}
		return got.String()
	}
	if f := greet(); !strings.Contains(f, "starttls") {
		t.Fatalf("features lack starttls: %s", f)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if f := greet(); !strings.Contains(f, "starttls") {
		t.Fatalf("after restart, features lack starttls: %s", f)
	}

	// Direct TLS with the generated certificate verifies against CACertPEM.
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.CACertPEM()) {
		t.Fatal("CACertPEM holds no certificate")
	}
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", s.DirectTLSAddr(),
		&tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		t.Fatalf("direct TLS: %v", err)
	}
	conn.Close()
}

func TestPlaintextWithMAM(t *testing.T) {
	s := Start(t, Options{NoTLS: true, Plaintext: true, MAM: true})
	conn, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = conn.Write([]byte(`<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`))
	buf := make([]byte, 4096)
	var got strings.Builder
	for !strings.Contains(got.String(), "</stream:features>") {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("read features: %v (got %q)", err, got.String())
		}
		got.Write(buf[:n])
	}
	if f := got.String(); strings.Contains(f, "starttls") || !strings.Contains(f, "PLAIN") {
		t.Fatalf("plaintext server features: %s", f)
	}
	if b, err := os.ReadFile(s.ConfigFile()); err != nil || !strings.Contains(string(b), `"mam"`) {
		t.Fatalf("config lacks mam: %v", err)
	}
}

// TestPortHeldByAnotherProcess: prosody starting while another process
// (this test) listens on its c2s port fails with an error naming the port
// and the holder, instead of taking the stranger for prosody.
func TestPortHeldByAnotherProcess(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	s, err := StartDir(t.TempDir(), Options{C2SPort: port})
	if err == nil {
		s.Stop()
		t.Fatal("prosody started although its c2s port was held by another process")
	}
	want := fmt.Sprintf("prosody cannot listen on 127.0.0.1:%d: the port is held by %s (pid %d)", port, proc.Name(os.Getpid()), os.Getpid())
	if !errors.Is(err, proc.ErrPortBusy) || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q, want one containing %q", err, want)
	}
	t.Logf("error: %v", err)
}
