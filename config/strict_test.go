package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	up "go.mau.fi/util/configupgrade"
	"gopkg.in/yaml.v3"
)

// upgradeAndDecode runs the upgrader over a user's network section and
// decodes the result, as mxmain does at start-up.
func upgradeAndDecode(t *testing.T, user string) (Config, string, error) {
	t.Helper()
	var base, cfg yaml.Node
	if err := yaml.Unmarshal([]byte(ExampleConfig), &base); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(user), &cfg); err != nil {
		t.Fatal(err)
	}
	Upgrade(up.NewHelper(&base, &cfg))
	out, err := yaml.Marshal(&base)
	if err != nil {
		t.Fatal(err)
	}
	var c Config
	err = yaml.Unmarshal(out, &c)
	return c, string(out), err
}

func TestUpgradeReadsYAML11Booleans(t *testing.T) {
	c, out, err := upgradeAndDecode(t, "otr:\n    enabled: yes\n    require_encrypted_portal: on\n    redact_on_end: Off\n    allow_v2: NO\n")
	if err != nil {
		t.Fatal(err)
	}
	if !c.OTR.Enabled || !c.OTR.RequireEncryptedPortal || c.OTR.RedactOnEnd || c.OTR.AllowV2 {
		t.Errorf("read enabled=%v require_encrypted_portal=%v redact_on_end=%v allow_v2=%v; want true true false false",
			c.OTR.Enabled, c.OTR.RequireEncryptedPortal, c.OTR.RedactOnEnd, c.OTR.AllowV2)
	}
	// The rewritten config says what was meant, in YAML 1.2 words.
	for _, line := range []string{"enabled: true", "require_encrypted_portal: true", "redact_on_end: false", "allow_v2: false"} {
		if !strings.Contains(out, line) {
			t.Errorf("upgraded config lacks %q", line)
		}
	}
}

func TestDecodeNamesTheKey(t *testing.T) {
	for user, want := range map[string]string{
		"otr:\n    enabled: maybe\n":           "network.otr.enabled must be true or false",
		"otr:\n    enabled: 1\n":               "network.otr.enabled must be true or false",
		"otr:\n    enabled:\n":                 "network.otr.enabled must be true or false",
		"otr:\n    enable: true\n":             "network.otr.enable is not a known setting",
		"xmpp:\n    queue_limit: lots\n":       "network.xmpp.queue_limit must be a whole number",
		"xmpp:\n    queue_limit: 1.5\n":        "network.xmpp.queue_limit must be a whole number",
		"xmpp:\n    max_file_size: 5MB\n":      "network.xmpp.max_file_size must be a whole number",
		"xmpp:\n    connect_timeout: 30\n":     "network.xmpp.connect_timeout must be a duration with a unit",
		"otr:\n    idle_timeout: forever\n":    "network.otr.idle_timeout must be a duration with a unit",
		"xmpp:\n    server: [a, b]\n":          "network.xmpp.server must be a single value",
		"xmpp:\n    tls: false\n":              "network.xmpp.tls must be a word",
		"xmpp:\n    tls: maybe\n":              "network.xmpp.tls must be required, direct or disabled, not \"maybe\"",
		"xmpp:\n    download_from: all\n":      "network.xmpp.download_from must be contacts or everyone",
		"otr:\n    policy: sometimes\n":        "network.otr.policy must be never, manual, opportunistic or always, not \"sometimes\"",
		"otr:\n    policy: 2\n":                "network.otr.policy must be a word",
		"otr:\n    key_mode: per_moon\n":       "network.otr.key_mode must be per_session or per_account",
		"otr: yes\n":                           "network.otr must be a map of settings",
		"xmpp:\n    download_trusted_hosts: x": "network.xmpp.download_trusted_hosts must be a list",
		"color: blue\n":                        "network.color is not a known setting",
	} {
		t.Run(want, func(t *testing.T) {
			_, _, err := upgradeAndDecode(t, user)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("config %q: error %v, want %q", user, err, want)
			}
		})
	}
}

func TestValidateNamesTheKey(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for yamlText, want := range map[string]string{
		"otr:\n    start_timeout: -5s\n":                       "network.otr.start_timeout must be between",
		"otr:\n    idle_timeout: 0s\n":                         "network.otr.idle_timeout must be between",
		"otr:\n    accept_timeout: 0s\n":                       "network.otr.accept_timeout must be between",
		"xmpp:\n    queue_limit: -1\n":                         "network.xmpp.queue_limit must be between 1 and",
		"xmpp:\n    queue_limit: 0\n":                          "network.xmpp.queue_limit must be between 1 and",
		"xmpp:\n    max_file_size: 0\n":                        "network.xmpp.max_file_size must be between",
		"xmpp:\n    connect_timeout: 0s\n":                     "network.xmpp.connect_timeout must be between",
		"xmpp:\n    keepalive_interval: -1m\n":                 "network.xmpp.keepalive_interval must be between",
		"xmpp:\n    keepalive_timeout: 0s\n":                   "network.xmpp.keepalive_timeout must be between",
		"xmpp:\n    reconnect_min: 0s\n":                       "network.xmpp.reconnect_min must be between",
		"xmpp:\n    reconnect_min: 10m\n":                      "network.xmpp.reconnect_max (5m0s) must not be below",
		"xmpp:\n    download_timeout: 0s\n":                    "network.xmpp.download_timeout must be between",
		"xmpp:\n    server: xmpp.example.org\n":                "network.xmpp.server must be host:port",
		"xmpp:\n    server: xmpp.example.org:0\n":              "network.xmpp.server has no valid port",
		"xmpp:\n    server: xmpp.example.org:99999\n":          "network.xmpp.server has no valid port",
		"xmpp:\n    ca_file: /nonexistent/ca.pem\n":            "network.xmpp.ca_file cannot be read",
		"xmpp:\n    ca_file: " + notPEM + "\n":                 "network.xmpp.ca_file " + notPEM + " holds no PEM certificate",
		"xmpp:\n    download_trusted_hosts: [\"http://x/\"]\n": "network.xmpp.download_trusted_hosts",
	} {
		t.Run(want, func(t *testing.T) {
			c, _, err := upgradeAndDecode(t, yamlText)
			if err != nil {
				t.Fatalf("decoding %q: %v", yamlText, err)
			}
			err = c.Validate()
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("config %q: Validate gave %v, want %q", yamlText, err, want)
			}
		})
	}
	// And the untouched example passes.
	c, _, err := upgradeAndDecode(t, "xmpp:\n    download_trusted_hosts: [files.lan, \"10.0.0.5:8080\", \"[fd00::1]:443\"]\n")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
}

func TestUpgradeKeepsAPasswordKeyOfAnotherType(t *testing.T) {
	c, _, err := upgradeAndDecode(t, "password_key: 12345\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.PasswordKey != "12345" {
		t.Fatalf("password_key replaced by %q; a wrong key must be reported, not silently regenerated", c.PasswordKey)
	}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "network.password_key") {
		t.Fatalf("Validate: %v", err)
	}
}
