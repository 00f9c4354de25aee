// Package config holds the `network:` section of offrecord's configuration:
// its Go form, its commented example YAML and the upgrader that merges an
// existing config with new defaults. Values are read once at start-up and
// are safe to read concurrently afterwards.
package config

import (
	"bytes"
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"text/template"
	"time"

	up "go.mau.fi/util/configupgrade"
)

// ExampleConfig is the commented example of the network section.
//
//go:embed example-config.yaml
var ExampleConfig string

// TLS policies accepted in xmpp.tls.
const (
	TLSRequired = "required"
	TLSDirect   = "direct"
	TLSDisabled = "disabled"
)

// Config is the network section of the bridge config.
type Config struct {
	XMPP                XMPPConfig `yaml:"xmpp"`
	DisplaynameTemplate string     `yaml:"displayname_template"`
	PasswordKey         string     `yaml:"password_key"`
	OTR                 OTRConfig  `yaml:"otr"`

	displaynameTemplate *template.Template
}

// XMPPConfig describes how the bridge connects to XMPP servers.
type XMPPConfig struct {
	TLS               string        `yaml:"tls"`
	CAFile            string        `yaml:"ca_file"`
	AllowPlainAuth    bool          `yaml:"allow_plain_auth"`
	Server            string        `yaml:"server"`
	Resource          string        `yaml:"resource"`
	ConnectTimeout    time.Duration `yaml:"connect_timeout"`
	KeepaliveInterval time.Duration `yaml:"keepalive_interval"`
	KeepaliveTimeout  time.Duration `yaml:"keepalive_timeout"`
	ReconnectMin      time.Duration `yaml:"reconnect_min"`
	ReconnectMax      time.Duration `yaml:"reconnect_max"`
	QueueLimit        int           `yaml:"queue_limit"`
	MaxFileSize       int64         `yaml:"max_file_size"`
}

// OTR policies accepted in otr.policy.
const (
	OTRPolicyNever         = "never"
	OTRPolicyManual        = "manual"
	OTRPolicyOpportunistic = "opportunistic"
	OTRPolicyAlways        = "always"
)

// OTR key modes accepted in otr.key_mode.
const (
	OTRKeyPerSession = "per_session"
	OTRKeyPerAccount = "per_account"
)

// OTRConfig describes Off-the-Record messaging at the bridge edge.
type OTRConfig struct {
	Enabled                bool          `yaml:"enabled"`
	Policy                 string        `yaml:"policy"`
	AllowV2                bool          `yaml:"allow_v2"`
	KeyMode                string        `yaml:"key_mode"`
	StartTimeout           time.Duration `yaml:"start_timeout"`
	AcceptTimeout          time.Duration `yaml:"accept_timeout"`
	IdleTimeout            time.Duration `yaml:"idle_timeout"`
	RedactOnEnd            bool          `yaml:"redact_on_end"`
	RequireEncryptedPortal bool          `yaml:"require_encrypted_portal"`
	EncryptPortals         bool          `yaml:"encrypt_portals"`
}

// DisplaynameParams are the values available to displayname_template.
type DisplaynameParams struct {
	Name  string
	JID   string
	Local string
}

// Validate checks the values and prepares the display name template.
func (c *Config) Validate() error {
	switch c.XMPP.TLS {
	case TLSRequired, TLSDirect, TLSDisabled:
	default:
		return fmt.Errorf("network.xmpp.tls must be required, direct or disabled, not %q", c.XMPP.TLS)
	}
	if c.XMPP.AllowPlainAuth && c.XMPP.TLS != TLSDisabled {
		return fmt.Errorf("network.xmpp.allow_plain_auth is only allowed with network.xmpp.tls: disabled")
	}
	if c.XMPP.Resource == "" {
		return fmt.Errorf("network.xmpp.resource must not be empty")
	}
	if c.XMPP.ReconnectMin <= 0 || c.XMPP.ReconnectMax < c.XMPP.ReconnectMin {
		return fmt.Errorf("network.xmpp.reconnect_min must be positive and not above reconnect_max")
	}
	if _, err := c.PasswordKeyBytes(); err != nil {
		return err
	}
	switch c.OTR.Policy {
	case OTRPolicyNever, OTRPolicyManual, OTRPolicyOpportunistic, OTRPolicyAlways:
	default:
		return fmt.Errorf("network.otr.policy must be never, manual, opportunistic or always, not %q", c.OTR.Policy)
	}
	switch c.OTR.KeyMode {
	case OTRKeyPerSession, OTRKeyPerAccount:
	default:
		return fmt.Errorf("network.otr.key_mode must be per_session or per_account, not %q", c.OTR.KeyMode)
	}
	tpl, err := template.New("displayname").Parse(c.DisplaynameTemplate)
	if err != nil {
		return fmt.Errorf("network.displayname_template: %w", err)
	}
	c.displaynameTemplate = tpl
	return nil
}

// FormatDisplayname renders displayname_template for a contact.
func (c *Config) FormatDisplayname(p DisplaynameParams) string {
	tpl := c.displaynameTemplate
	if tpl == nil {
		tpl = template.Must(template.New("displayname").Parse(c.DisplaynameTemplate))
	}
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, p); err != nil || strings.TrimSpace(buf.String()) == "" {
		return p.JID
	}
	return buf.String()
}

// PasswordKeyBytes decodes password_key into the 32-byte AES key.
func (c *Config) PasswordKeyBytes() ([]byte, error) {
	key, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(c.PasswordKey, "="))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("network.password_key must be 32 bytes in base64 (or \"generate\" before the first start)")
	}
	return key, nil
}

// NewPasswordKey returns a fresh random password_key value.
func NewPasswordKey() string {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic(fmt.Errorf("reading random bytes: %w", err))
	}
	return base64.RawStdEncoding.EncodeToString(key)
}

// Upgrade copies the user's values over the example, key by key, and
// generates the password key on first use.
func Upgrade(helper up.Helper) {
	for _, key := range []string{"tls", "ca_file", "server", "resource", "connect_timeout",
		"keepalive_interval", "keepalive_timeout", "reconnect_min", "reconnect_max"} {
		helper.Copy(up.Str, "xmpp", key)
	}
	helper.Copy(up.Bool, "xmpp", "allow_plain_auth")
	helper.Copy(up.Int, "xmpp", "queue_limit")
	helper.Copy(up.Int, "xmpp", "max_file_size")
	helper.Copy(up.Str, "displayname_template")
	for _, key := range []string{"policy", "key_mode", "start_timeout", "accept_timeout", "idle_timeout"} {
		helper.Copy(up.Str, "otr", key)
	}
	for _, key := range []string{"enabled", "allow_v2", "redact_on_end", "require_encrypted_portal", "encrypt_portals"} {
		helper.Copy(up.Bool, "otr", key)
	}
	if key, ok := helper.Get(up.Str, "password_key"); !ok || key == "generate" || key == "" {
		helper.Set(up.Str, NewPasswordKey(), "password_key")
	} else {
		helper.Copy(up.Str, "password_key")
	}
}

// Upgrader is the network section's upgrader for mautrix's config loader.
var Upgrader = &up.StructUpgrader{
	SimpleUpgrader: Upgrade,
	Blocks: [][]string{
		{"displayname_template"},
		{"password_key"},
		{"otr"},
	},
	Base: ExampleConfig,
}
