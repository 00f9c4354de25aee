package xmpp

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/offrecord/offrecord/internal/prosodytest"
)

// account starts a client for user on srv (registered with password "pw-"+user) and connects it.
func account(t testing.TB, srv *prosodytest.Server, user string, mod func(*Config)) (*Client, *recorder) {
	t.Helper()
	srv.Register(user, "pw-"+user)
	cfg := Config{
		JID: user + "@" + srv.Domain(), Password: "pw-" + user, Resource: "offrecord",
		Server: srv.Addr(), TLS: TLSRequired, CAFile: srv.CAFile(),
		ConnectTimeout: 10 * time.Second, ReconnectMin: 50 * time.Millisecond, ReconnectMax: 500 * time.Millisecond,
		Logger: testLogger(t),
	}
	if mod != nil {
		mod(&cfg)
	}
	rec := newRecorder()
	c, err := New(cfg, rec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, rec
}

// online connects c and starts Run.
func online(t testing.TB, c *Client, rec *recorder) {
	t.Helper()
	if err := c.Connect(ctxT(t)); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	rec.awaitState(t, StateConnected)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go c.Run(ctx)
}

func TestProsodyLoginSTARTTLS(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.Options{})
	c, rec := account(t, srv, "alice", nil)
	if err := c.Connect(ctxT(t)); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if got := c.LocalJID().String(); got != "alice@localhost/offrecord" {
		t.Fatalf("bound %q, want alice@localhost/offrecord", got)
	}
	if !c.Connected() {
		t.Fatal("Connected() false after Connect")
	}
	rec.awaitState(t, StateConnected)
	r := await(t, rec.rosters, "roster")
	if r.push || len(r.items) != 0 {
		t.Fatalf("roster %+v, want empty non-push", r)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if e := rec.awaitState(t, StateDisconnected); e.err != nil {
		t.Fatalf("close gave %v", e.err)
	}
	if _, err := c.Send(ctxT(t), Outgoing{To: mustJID(t, "bob@localhost"), Body: "x"}); err != ErrClosed {
		t.Fatalf("Send after Close: %v, want ErrClosed", err)
	}
}

func TestProsodyWrongPassword(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.Options{})
	c, rec := account(t, srv, "alice", func(c *Config) { c.Password = "wrong-secret" })
	err := c.Connect(ctxT(t))
	wantErr(t, err, ErrAuth)
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Fatalf("error leaks the password: %v", err)
	}
	rec.awaitState(t, StateLoggedOut)
}

func TestProsodyUnknownHost(t *testing.T) {
	rec := newRecorder()
	c, err := New(Config{JID: "alice@nonexistent.invalid", Password: "x", ConnectTimeout: 10 * time.Second, Logger: testLogger(t)}, rec)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wantErr(t, c.Connect(ctxT(t)), ErrHostUnknown)

	// A closed port on loopback is "unreachable" too.
	c2, _ := New(Config{JID: "alice@localhost", Password: "x", Server: "127.0.0.1:1", Logger: testLogger(t)}, newRecorder())
	defer c2.Close()
	wantErr(t, c2.Connect(ctxT(t)), ErrHostUnknown)
}

func TestProsodyUntrustedCert(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.Options{})
	c, _ := account(t, srv, "alice", func(c *Config) { c.CAFile = "" })
	wantErr(t, c.Connect(ctxT(t)), ErrTLS)

	d, _ := account(t, srv, "alice", func(c *Config) { c.CAFile = ""; c.TLS = TLSDirect; c.Server = srv.DirectTLSAddr() })
	wantErr(t, d.Connect(ctxT(t)), ErrTLS)
}

func TestProsodyDirectTLS(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.Options{})
	c, _ := account(t, srv, "alice", func(c *Config) { c.TLS = TLSDirect; c.Server = srv.DirectTLSAddr() })
	if err := c.Connect(ctxT(t)); err != nil {
		t.Fatalf("direct TLS Connect: %v", err)
	}
}

func TestProsodyTLSRequiredButNotOffered(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.Options{NoTLS: true, Plaintext: true})
	c, _ := account(t, srv, "alice", nil)
	wantErr(t, c.Connect(ctxT(t)), ErrTLSRequired)

	// The same server is fine when TLS is explicitly disabled and PLAIN allowed.
	p, _ := account(t, srv, "alice", func(c *Config) { c.TLS = TLSDisabled; c.AllowPlainAuth = true })
	if err := p.Connect(ctxT(t)); err != nil {
		t.Fatalf("plaintext Connect: %v", err)
	}
}
