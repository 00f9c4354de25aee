// Package config holds the `network:` section of offrecord's configuration:
// its Go form, its commented example YAML and the upgrader that merges an
// existing config with new defaults. Values are read once at start-up and
// are safe to read concurrently afterwards.
package config

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	_ "embed"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"text/template"
	"time"

	up "go.mau.fi/util/configupgrade"
	"gopkg.in/yaml.v3"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/otr"
)

// ExampleConfig is the commented example of the network section.
//
//go:embed example-config.yaml
var ExampleConfig string

// TLS modes accepted in xmpp.tls: the adapter's typed values, read once
// when the config is decoded.
const (
	TLSRequired = xmppad.TLSRequired
	TLSDirect   = xmppad.TLSDirect
	TLSDisabled = xmppad.TLSDisabled
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
	TLS               xmppad.TLSMode `yaml:"tls"`
	CAFile            string         `yaml:"ca_file"`
	AllowPlainAuth    bool           `yaml:"allow_plain_auth"`
	Server            string         `yaml:"server"`
	Resource          string         `yaml:"resource"`
	ConnectTimeout    time.Duration  `yaml:"connect_timeout"`
	KeepaliveInterval time.Duration  `yaml:"keepalive_interval"`
	KeepaliveTimeout  time.Duration  `yaml:"keepalive_timeout"`
	ReconnectMin      time.Duration  `yaml:"reconnect_min"`
	ReconnectMax      time.Duration  `yaml:"reconnect_max"`
	QueueLimit        int            `yaml:"queue_limit"`
	MaxFileSize       int64          `yaml:"max_file_size"`
	// DownloadFrom says whose links are downloaded: DownloadFromContacts or DownloadFromEveryone.
	DownloadFrom DownloadFrom `yaml:"download_from"`
	// DownloadTrustedHosts may be downloaded from on non-public addresses.
	DownloadTrustedHosts []string      `yaml:"download_trusted_hosts"`
	DownloadTimeout      time.Duration `yaml:"download_timeout"`
	// ApproveSubscriptions approves every presence subscription request at
	// once; otherwise only those of contacts the user asked, and the rest
	// are shown in the portal to approve or deny.
	ApproveSubscriptions bool `yaml:"approve_subscriptions"`
}

// DownloadFrom says whose links the bridge downloads (xmpp.download_from).
type DownloadFrom string

// Values accepted in xmpp.download_from.
const (
	DownloadFromContacts DownloadFrom = "contacts"
	DownloadFromEveryone DownloadFrom = "everyone"
)

// UnmarshalText reads contacts or everyone.
func (d *DownloadFrom) UnmarshalText(b []byte) error {
	switch v := DownloadFrom(b); v {
	case DownloadFromContacts, DownloadFromEveryone:
		*d = v
		return nil
	}
	return fmt.Errorf("must be contacts or everyone, not %q", b)
}

// OTRConfig describes Off-the-Record messaging at the bridge edge.
type OTRConfig struct {
	Enabled                bool          `yaml:"enabled"`
	Policy                 otr.Policy    `yaml:"policy"`
	AllowV2                bool          `yaml:"allow_v2"`
	KeyMode                otr.KeyMode   `yaml:"key_mode"`
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

// Validate checks the values (every key it rejects is named in the error)
// and prepares the display name template.
func (c *Config) Validate() error {
	x := &c.XMPP
	if x.AllowPlainAuth && x.TLS != TLSDisabled {
		return fmt.Errorf("network.xmpp.allow_plain_auth is only allowed with network.xmpp.tls: disabled")
	}
	if err := checkCAFile(x.CAFile); err != nil {
		return err
	}
	if err := checkServer(x.Server); err != nil {
		return err
	}
	if x.Resource == "" {
		return fmt.Errorf("network.xmpp.resource must not be empty")
	}
	for _, d := range []struct {
		key      string
		v        time.Duration
		min, max time.Duration
	}{
		{"xmpp.connect_timeout", x.ConnectTimeout, time.Second, 10 * time.Minute},
		{"xmpp.keepalive_interval", x.KeepaliveInterval, time.Second, 24 * time.Hour},
		{"xmpp.keepalive_timeout", x.KeepaliveTimeout, time.Second, time.Hour},
		{"xmpp.reconnect_min", x.ReconnectMin, 10 * time.Millisecond, time.Hour},
		{"xmpp.reconnect_max", x.ReconnectMax, 10 * time.Millisecond, 24 * time.Hour},
		{"xmpp.download_timeout", x.DownloadTimeout, time.Second, time.Hour},
		{"otr.start_timeout", c.OTR.StartTimeout, time.Second, time.Hour},
		{"otr.accept_timeout", c.OTR.AcceptTimeout, time.Second, 24 * time.Hour},
		{"otr.idle_timeout", c.OTR.IdleTimeout, time.Second, 30 * 24 * time.Hour},
	} {
		if d.v < d.min || d.v > d.max {
			return fmt.Errorf("network.%s must be between %v and %v, not %v", d.key, d.min, d.max, d.v)
		}
	}
	if x.ReconnectMax < x.ReconnectMin {
		return fmt.Errorf("network.xmpp.reconnect_max (%v) must not be below network.xmpp.reconnect_min (%v)", x.ReconnectMax, x.ReconnectMin)
	}
	if x.QueueLimit < 1 || x.QueueLimit > 1_000_000 {
		return fmt.Errorf("network.xmpp.queue_limit must be between 1 and 1000000, not %d", x.QueueLimit)
	}
	if x.MaxFileSize < 1 || x.MaxFileSize > 1<<30 {
		return fmt.Errorf("network.xmpp.max_file_size must be between 1 and 1073741824 bytes (files are held in memory), not %d", x.MaxFileSize)
	}
	for _, h := range x.DownloadTrustedHosts {
		if err := checkHost(h); err != nil {
			return fmt.Errorf("network.xmpp.download_trusted_hosts: %q %v", h, err)
		}
	}
	if _, err := c.PasswordKeyBytes(); err != nil {
		return err
	}
	tpl, err := template.New("displayname").Parse(c.DisplaynameTemplate)
	if err != nil {
		return fmt.Errorf("network.displayname_template: %w", err)
	}
	c.displaynameTemplate = tpl
	return nil
}

// checkCAFile makes sure a configured CA file can be read and holds a certificate.
func checkCAFile(path string) error {
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("network.xmpp.ca_file cannot be read: %w", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(data) {
		return fmt.Errorf("network.xmpp.ca_file %s holds no PEM certificate", path)
	}
	return nil
}

// checkServer accepts an empty server or host:port with a port from 1 to 65535.
func checkServer(server string) error {
	if server == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(server)
	if err != nil || host == "" {
		return fmt.Errorf("network.xmpp.server must be host:port (e.g. xmpp.example.org:5222), not %q", server)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("network.xmpp.server has no valid port (1-65535): %q", server)
	}
	return nil
}

// checkHost accepts a host name, an IP address or either with a port.
func checkHost(h string) error {
	host := h
	if hh, port, err := net.SplitHostPort(h); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("has no valid port")
		}
		host = hh
	}
	host = strings.Trim(host, "[]")
	if host == "" || strings.ContainsAny(host, "/ @?#") {
		return fmt.Errorf("is not a host name, address or host:port")
	}
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

// Upgrade copies the user's values over the example, key by key (see
// copyTree: YAML 1.1 booleans are read as such, values of the wrong type and
// unknown keys are kept for the decoder to reject by name), and generates the
// password key on first use.
func Upgrade(helper up.Helper) {
	copyTree(helper, nil)
	// A value of another type is kept (and rejected by Validate): replacing it
	// would silently make every stored login unusable.
	if node := helper.GetNode("password_key"); node == nil || node.Kind == yaml.ScalarNode &&
		(node.Tag == up.NullTag || node.Tag == up.StrTag && (node.Value == "generate" || node.Value == "")) {
		helper.Set(up.Str, NewPasswordKey(), "password_key")
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
