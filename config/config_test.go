package config

import (
	"strings"
	"testing"

	up "go.mau.fi/util/configupgrade"
	"gopkg.in/yaml.v3"
	"maunium.net/go/mautrix/bridgev2"

	"github.com/offrecord/offrecord/otr"
)

func exampleConfig(t *testing.T) Config {
	t.Helper()
	var c Config
	if err := yaml.Unmarshal([]byte(ExampleConfig), &c); err != nil {
		t.Fatalf("parsing the example network config: %v", err)
	}
	c.PasswordKey = NewPasswordKey()
	return c
}

func TestExampleValidates(t *testing.T) {
	c := exampleConfig(t)
	if err := c.Validate(); err != nil {
		t.Fatalf("example config does not validate: %v", err)
	}
	if c.XMPP.TLS != TLSRequired {
		t.Errorf("default TLS policy = %q, want required", c.XMPP.TLS)
	}
	if c.XMPP.AllowPlainAuth {
		t.Error("plain auth without TLS must be off by default")
	}
	if c.OTR.Enabled || c.OTR.Policy != otr.PolicyManual || !c.OTR.AllowV2 || !c.OTR.RedactOnEnd || c.OTR.KeyMode != otr.KeyPerSession {
		t.Errorf("OTR defaults = %+v; want disabled, manual, v2 allowed, redact on end, per-session keys", c.OTR)
	}
	if got := c.FormatDisplayname(DisplaynameParams{Name: "Bob", JID: "bob@example.org"}); got != "Bob (XMPP)" {
		t.Errorf("display name = %q", got)
	}
	if got := c.FormatDisplayname(DisplaynameParams{JID: "bob@example.org"}); got != "bob@example.org (XMPP)" {
		t.Errorf("display name without roster name = %q", got)
	}
}

func TestValidateRejects(t *testing.T) {
	for name, mutate := range map[string]func(*Config){
		"plain auth with tls":   func(c *Config) { c.XMPP.AllowPlainAuth, c.XMPP.TLS = true, TLSRequired },
		"empty resource":        func(c *Config) { c.XMPP.Resource = "" },
		"backoff inverted":      func(c *Config) { c.XMPP.ReconnectMax = c.XMPP.ReconnectMin / 2 },
		"password key generate": func(c *Config) { c.PasswordKey = "generate" },
		"short password key":    func(c *Config) { c.PasswordKey = "c2hvcnQ" },
		"bad template":          func(c *Config) { c.DisplaynameTemplate = "{{" },
	} {
		t.Run(name, func(t *testing.T) {
			c := exampleConfig(t)
			mutate(&c)
			if err := c.Validate(); err == nil {
				t.Fatal("Validate accepted a bad config")
			}
		})
	}
}

func TestUpgradeGeneratesPasswordKeyAndKeepsValues(t *testing.T) {
	var base, user yaml.Node
	if err := yaml.Unmarshal([]byte(ExampleConfig), &base); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte("xmpp:\n    tls: disabled\n    resource: desk\n"), &user); err != nil {
		t.Fatal(err)
	}
	helper := up.NewHelper(&base, &user)
	Upgrade(helper)
	out, err := yaml.Marshal(&base)
	if err != nil {
		t.Fatal(err)
	}
	var c Config
	if err := yaml.Unmarshal(out, &c); err != nil {
		t.Fatal(err)
	}
	if c.XMPP.TLS != TLSDisabled || c.XMPP.Resource != "desk" {
		t.Errorf("user values lost: tls=%q resource=%q", c.XMPP.TLS, c.XMPP.Resource)
	}
	if _, err := c.PasswordKeyBytes(); err != nil {
		t.Errorf("password key not generated: %v", err)
	}
}

func TestFullExampleDefaultsToSQLite(t *testing.T) {
	example, err := FullExample(bridgev2.BridgeName{NetworkID: "xmpp", DisplayName: "XMPP"})
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Database struct{ Type, URI string } `yaml:"database"`
		Network  Config                     `yaml:"network"`
	}
	if err := yaml.Unmarshal([]byte(example), &parsed); err != nil {
		t.Fatalf("full example is not YAML: %v", err)
	}
	if parsed.Database.Type != "sqlite3-fk-wal" || !strings.HasPrefix(parsed.Database.URI, "file:") {
		t.Errorf("database = %+v, want sqlite3-fk-wal", parsed.Database)
	}
	if parsed.Network.XMPP.Resource != "offrecord" {
		t.Errorf("network section not under network: %+v", parsed.Network.XMPP)
	}
}

func TestExampleRequest(t *testing.T) {
	for _, tc := range []struct {
		args []string
		path string
		ok   bool
	}{
		{[]string{"-e"}, "config.yaml", true},
		{[]string{"-c", "x.yaml", "-e"}, "x.yaml", true},
		{[]string{"--generate-example-config", "--config=y.yaml"}, "y.yaml", true},
		{[]string{"-c", "x.yaml"}, "x.yaml", false},
		{[]string{"-g"}, "config.yaml", false},
	} {
		path, ok := ExampleRequest(tc.args)
		if path != tc.path || ok != tc.ok {
			t.Errorf("ExampleRequest(%q) = %q, %v; want %q, %v", tc.args, path, ok, tc.path, tc.ok)
		}
	}
}
