// Package bridgetest builds and runs the real offrecord binary for
// end-to-end tests and the demo: it writes a config and an appservice
// registration for a loopback homeserver, starts the bridge as a child
// process and stops it again. A Bridge is safe for concurrent use.
package bridgetest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"

	"maunium.net/go/mautrix/id"

	"github.com/offrecord/offrecord/internal/proc"
	"github.com/offrecord/offrecord/internal/yamlfile"
)

// Options configure a bridge instance.
type Options struct {
	// Domain is the homeserver's server name.
	Domain string
	// XMPP sets network.xmpp keys (tls, ca_file, server, ...).
	XMPP map[string]any
	// Network sets other network.* keys.
	Network map[string]any
	// Encryption allows Matrix end-to-end encryption in portals; EncryptionDefault makes every new portal encrypted.
	Encryption, EncryptionDefault bool
	// LogLevel is the minimum log level ("trace" in tests). Logs go to bridge.log in Dir.
	LogLevel string
	// Extra sets any other config keys, by dotted path (e.g. "bridge.bridge_status_notices").
	Extra map[string]any
}

// Bridge is a prepared (and possibly running) offrecord process.
type Bridge struct {
	Bin  string // the offrecord binary
	Dir  string // config, registration, database and logs
	port int
	bot  string                    // the bot's localpart
	p    atomic.Pointer[proc.Proc] // nil while stopped
}

// Build compiles ./cmd/offrecord (once per process) into the module's
// .cache/bin and returns its path.
func Build() (string, error) { return build() }

var build = sync.OnceValues(func() (string, error) {
	root, err := proc.ModuleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(root, ".cache", "bin", "offrecord")
	cmd := exec.Command("go", "build", "-tags", "goolm", "-o", bin, "./cmd/offrecord")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building offrecord: %v\n%s", err, out)
	}
	return bin, nil
})

// Prepare writes config.yaml (from the binary's own -e example) and
// registration.yaml (from -g) into dir.
func Prepare(bin, dir string, opts Options) (*Bridge, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	b := &Bridge{Bin: bin, Dir: dir, bot: "xmppbot"}
	if bot, ok := opts.Extra["appservice.bot.username"].(string); ok {
		b.bot = bot
	}
	if b.port, err = proc.FreePort(); err != nil {
		return nil, err
	}
	if out, err := b.run("-e", "-c", b.ConfigPath()); err != nil {
		return nil, fmt.Errorf("offrecord -e: %v\n%s", err, out)
	}
	if err := b.editConfig(opts); err != nil {
		return nil, err
	}
	if out, err := b.run("-g", "-c", b.ConfigPath(), "-r", b.RegistrationPath()); err != nil {
		return nil, fmt.Errorf("offrecord -g: %v\n%s", err, out)
	}
	return b, nil
}

// run runs the binary to completion in the bridge folder.
func (b *Bridge) run(args ...string) ([]byte, error) {
	cmd := exec.Command(b.Bin, args...)
	cmd.Dir = b.Dir
	return cmd.CombinedOutput()
}

// editConfig fills in the loopback settings.
func (b *Bridge) editConfig(opts Options) error {
	level := opts.LogLevel
	if level == "" {
		level = "debug"
	}
	set := map[string]any{
		"homeserver.domain":            opts.Domain,
		"appservice.address":           "http://127.0.0.1:" + strconv.Itoa(b.port),
		"appservice.hostname":          "127.0.0.1",
		"appservice.port":              b.port,
		"database.uri":                 "file:" + b.DBPath() + "?_txlock=immediate",
		"bridge.permissions":           map[string]any{"*": "relay", opts.Domain: "user"},
		"encryption.allow":             opts.Encryption,
		"encryption.default":           opts.EncryptionDefault,
		"matrix.message_status_events": true,
		"matrix.delivery_receipts":     true,
		"logging.min_level":            level,
		"logging.writers": []any{map[string]any{
			"type": "file", "format": "json", "filename": b.LogPath(),
			"max_size": 1000, "max_backups": 0, "compress": false,
		}},
	}
	for k, v := range opts.XMPP {
		set["network.xmpp."+k] = v
	}
	for k, v := range opts.Network {
		set["network."+k] = v
	}
	for k, v := range opts.Extra {
		set[k] = v
	}
	return yamlfile.Edit(b.ConfigPath(), set)
}

// SetHomeserver points a prepared bridge at its homeserver (its
// client-server API URL); Start needs it.
func (b *Bridge) SetHomeserver(url string) error {
	return yamlfile.Edit(b.ConfigPath(), map[string]any{"homeserver.address": url})
}

// ConfigPath is the bridge's config file.
func (b *Bridge) ConfigPath() string { return filepath.Join(b.Dir, "config.yaml") }

// RegistrationPath is the appservice registration for the homeserver.
func (b *Bridge) RegistrationPath() string { return filepath.Join(b.Dir, "registration.yaml") }

// DBPath is the SQLite database file.
func (b *Bridge) DBPath() string { return filepath.Join(b.Dir, "offrecord.db") }

// LogPath is the bridge's JSON log file.
func (b *Bridge) LogPath() string { return filepath.Join(b.Dir, "bridge.log") }

// StdoutPath holds the process's standard output and error.
func (b *Bridge) StdoutPath() string { return filepath.Join(b.Dir, "stdout.log") }

// BotMXID is the bridge bot's user ID on domain.
func (b *Bridge) BotMXID(domain string) id.UserID {
	return id.NewUserID(b.bot, domain)
}

// Start launches the bridge and waits until it listens on its appservice
// port itself and the readiness endpoint answers. Dendrite has the port in
// the registration, so a port someone else took is not moved: the
// *proc.PortBusyError names the holder.
func (b *Bridge) Start() error {
	if b.p.Load() != nil {
		return errors.New("bridgetest: already running")
	}
	cmd := exec.Command(b.Bin, "-c", b.ConfigPath(), "-r", b.RegistrationPath(), "--ignore-unsupported-server")
	cmd.Dir = b.Dir
	p, err := proc.Start("offrecord", cmd, proc.Options{Log: b.StdoutPath()})
	if err != nil {
		return err
	}
	url := "http://127.0.0.1:" + strconv.Itoa(b.port) + "/_matrix/mau/ready"
	if err := p.WaitReady(proc.Ready{Ports: []int{b.port}, URL: url}); err != nil {
		_ = p.Kill()
		return fmt.Errorf("bridgetest: %w", err)
	}
	b.p.Store(p)
	return nil
}

// Stop sends SIGTERM and waits for a graceful exit (SIGKILL after a timeout).
func (b *Bridge) Stop() error { return b.p.Swap(nil).Stop() }

// Kill stops the bridge with SIGKILL, as a crash would: no graceful
// shutdown, nothing sent on the way out. It waits for the process to exit.
func (b *Bridge) Kill() error { return b.p.Swap(nil).Kill() }

// PID is the running process's ID, 0 when it is not running.
func (b *Bridge) PID() int { return b.p.Load().PID() }
