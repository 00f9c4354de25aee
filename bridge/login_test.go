package bridge

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"gopkg.in/yaml.v3"
	"maunium.net/go/mautrix/bridgev2"

	"github.com/offrecord/offrecord/config"
	"github.com/offrecord/offrecord/internal/prosodytest"
)

// silentListener accepts TCP connections and never sends a byte.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for {
			select {
			case c := <-held:
				c.Close()
			default:
				return
			}
		}
	})
	return ln.Addr().String()
}

// loginWith runs the real login flow (SubmitUserInput) with the example
// network config changed by mod, and returns the sentence the user sees.
func loginWith(t *testing.T, account, password string, mod func(*config.XMPPConfig)) string {
	t.Helper()
	var cfg config.Config
	if err := yaml.Unmarshal([]byte(config.ExampleConfig), &cfg); err != nil {
		t.Fatal(err)
	}
	cfg.PasswordKey = config.NewPasswordKey()
	mod(&cfg.XMPP)
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	p := &PasswordLogin{conn: &Connector{Config: cfg}, user: &bridgev2.User{Log: zerolog.Nop()}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := p.SubmitUserInput(ctx, map[string]string{"jid": account, "password": password})
	var re bridgev2.RespError
	if !errors.As(err, &re) {
		t.Fatalf("login gave %v, want a user-facing error", err)
	}
	return re.Err
}

// TestLoginErrorSentences: each way a login fails against a real prosody
// (or a listener that never answers) gives one sentence a person can act on.
func TestLoginErrorSentences(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.Options{})
	srv.Register("alice", "pw-alice")
	noTLS := prosodytest.Start(t, prosodytest.Options{NoTLS: true, Plaintext: true})
	noTLS.Register("alice", "pw-alice")
	silent := silentListener(t)
	local := func(c *config.XMPPConfig) { c.Server, c.CAFile = srv.Addr(), srv.CAFile() }
	for _, tc := range []struct {
		name, account string
		mod           func(*config.XMPPConfig)
		want          string
	}{{
		"unknown domain", "alice@nosuch.example", local,
		"Could not log in as alice@nosuch.example: the XMPP server at " + srv.Addr() +
			" does not serve the domain nosuch.example; check the part of your address after the @.",
	}, {
		"domain not in DNS", "alice@nosuch.invalid", func(c *config.XMPPConfig) {},
		"Could not log in as alice@nosuch.invalid: no XMPP server was found for the domain nosuch.invalid; check the part of your address after the @.",
	}, {
		"server offers no TLS", "alice@localhost", func(c *config.XMPPConfig) { c.Server = noTLS.Addr() },
		"Could not log in as alice@localhost: the XMPP server at " + noTLS.Addr() +
			" does not offer TLS, and this bridge only logs in over an encrypted connection.",
	}, {
		"tls disabled against STARTTLS-only", "alice@localhost", func(c *config.XMPPConfig) { local(c); c.TLS = config.TLSDisabled },
		"Could not log in as alice@localhost: the XMPP server at " + srv.Addr() +
			" requires STARTTLS, but this bridge is set to connect without TLS; the bridge admin should set network.xmpp.tls to required.",
	}, {
		"tls direct against a STARTTLS port", "alice@localhost", func(c *config.XMPPConfig) { local(c); c.TLS = config.TLSDirect },
		"Could not log in as alice@localhost: the XMPP server at " + srv.Addr() +
			" speaks STARTTLS, not direct TLS; the bridge admin should set network.xmpp.tls to required, or network.xmpp.server to the server's direct-TLS port.",
	}, {
		"STARTTLS against a direct-TLS port", "alice@localhost", func(c *config.XMPPConfig) { local(c); c.Server = srv.DirectTLSAddr() },
		"Could not log in as alice@localhost: the XMPP server at " + srv.DirectTLSAddr() +
			" does not answer plain XMPP and seems to expect direct TLS; the bridge admin should set network.xmpp.tls to direct, or network.xmpp.server to the server's STARTTLS port.",
	}, {
		"server does not answer", "alice@localhost", func(c *config.XMPPConfig) { c.Server, c.ConnectTimeout = silent, 2*time.Second },
		"Could not log in as alice@localhost: the XMPP server at " + silent + " did not answer within 2s.",
	}, {
		"connection refused", "alice@localhost", func(c *config.XMPPConfig) { c.Server = "127.0.0.1:1" },
		"Could not log in as alice@localhost: the XMPP server at 127.0.0.1:1 refused the connection; it may be down or listening on another port.",
	}, {
		"wrong password", "alice@localhost", local,
		"Could not log in as alice@localhost: the XMPP server refused the address or password.",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			pass := "pw-alice"
			if tc.name == "wrong password" {
				pass = "not-it"
			}
			got := loginWith(t, tc.account, pass, tc.mod)
			if got != tc.want {
				t.Errorf("login error\n got: %s\nwant: %s", got, tc.want)
			}
			if strings.Count(got, ". ") > 0 || strings.Contains(got, "\n") {
				t.Errorf("more than one sentence: %q", got)
			}
		})
	}
}
