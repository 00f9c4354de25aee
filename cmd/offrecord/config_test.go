package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/offrecord/offrecord/internal/bridgetest"
)

// runMain runs the real offrecord binary (built by bridgetest) with args in
// a fresh folder, returning its combined output and exit code. (The test
// binary's own OFFRECORD_RUN_MAIN mode cannot take -c: mautrix's flag parser
// reads the process's original arguments, where -test.run=… reads as a
// bundle of short flags and anything after -- is ignored.)
func runMain(t *testing.T, args ...string) (string, int) {
	t.Helper()
	bin, err := bridgetest.Build()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	}
	t.Fatalf("running main: %v", err)
	return "", -1
}

// setScalar sets the scalar at path (creating nothing) to value, written
// as a plain YAML scalar exactly as given.
func setScalar(t *testing.T, root *yaml.Node, path string, value string) {
	t.Helper()
	n := root.Content[0]
	keys := strings.Split(path, ".")
	for i, key := range keys {
		found := false
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == key {
				if i == len(keys)-1 {
					n.Content[j+1] = &yaml.Node{Kind: yaml.ScalarNode, Value: value} // no tag: written plain, read back as YAML reads it
					return
				}
				n, found = n.Content[j+1], true
				break
			}
		}
		if !found {
			t.Fatalf("no key %s in the example config", path)
		}
	}
}

// configWith writes a config that would pass mautrix's own checks, with the
// network keys set to the raw YAML values given.
func configWith(t *testing.T, network map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	if out, code := runMain(t, "-e", "-c", path); code != 0 {
		t.Fatalf("offrecord -e: %s", out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"homeserver.address":  "http://127.0.0.1:9",
		"homeserver.domain":   "example.org",
		"appservice.as_token": "test-as-token",
		"appservice.hs_token": "test-hs-token",
		"database.uri":        "file:" + filepath.Join(dir, "offrecord.db") + "?_txlock=immediate",
	} {
		setScalar(t, &root, k, v)
	}
	for k, v := range network {
		setScalar(t, &root, "network."+k, v)
	}
	out, err := yaml.Marshal(&root)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(out), `"@admin:example.com": admin`, `"@admin:example.org": admin`, 1)
	text = strings.Replace(text, `"example.com": user`, `"example.org": user`, 1)
	text = strings.Replace(text, "        - type: file\n          format: json\n          filename: ./logs/bridge.log\n          max_size: 100\n          max_backups: 10\n          compress: false\n", "", 1)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestStartRefusesBadNetworkConfig runs the real binary with a bad value in
// the network section: it must exit with an error naming the key.
func TestStartRefusesBadNetworkConfig(t *testing.T) {
	for _, tc := range []struct{ key, value, want string }{
		{"otr.enabled", "maybe", "network.otr.enabled must be true or false"},
		{"otr.require_encrypted_portal", "2", "network.otr.require_encrypted_portal must be true or false"},
		{"otr.start_timeout", "-5s", "network.otr.start_timeout must be between"},
		{"otr.idle_timeout", "0s", "network.otr.idle_timeout must be between"},
		{"xmpp.queue_limit", "-1", "network.xmpp.queue_limit must be between"},
		{"xmpp.connect_timeout", "30", "network.xmpp.connect_timeout must be a duration with a unit"},
		{"xmpp.server", "xmpp.example.org", "network.xmpp.server must be host:port"},
		{"xmpp.ca_file", "/nonexistent/ca.pem", "network.xmpp.ca_file cannot be read"},
		{"xmpp.tls", "sometimes", "network.xmpp.tls must be required, direct or disabled"},
		{"xmpp.download_from", "strangers", "network.xmpp.download_from must be contacts or everyone"},
	} {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			path := configWith(t, map[string]string{tc.key: tc.value})
			out, code := runMain(t, "-c", path, "-r", filepath.Join(filepath.Dir(path), "registration.yaml"))
			if code == 0 || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, output:\n%s\nwant a non-zero exit naming %q", code, out, tc.want)
			}
		})
	}
}

// TestStartReadsYAML11Booleans: `yes` and `on` are read as true and the
// config is rewritten with true (the bridge is stopped here by a bad CA file
// after the config was upgraded and saved).
func TestStartReadsYAML11Booleans(t *testing.T) {
	path := configWith(t, map[string]string{
		"otr.enabled": "yes", "otr.require_encrypted_portal": "on", "xmpp.ca_file": "/nonexistent/ca.pem",
	})
	out, code := runMain(t, "-c", path, "-r", filepath.Join(filepath.Dir(path), "registration.yaml"))
	if code == 0 || !strings.Contains(out, "network.xmpp.ca_file") {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var saved struct {
		Network struct {
			OTR struct {
				Enabled                any `yaml:"enabled"`
				RequireEncryptedPortal any `yaml:"require_encrypted_portal"`
			} `yaml:"otr"`
		} `yaml:"network"`
	}
	if err := yaml.Unmarshal(data, &saved); err != nil {
		t.Fatal(err)
	}
	if saved.Network.OTR.Enabled != true || saved.Network.OTR.RequireEncryptedPortal != true {
		t.Fatalf("saved otr.enabled=%#v require_encrypted_portal=%#v, want true true",
			saved.Network.OTR.Enabled, saved.Network.OTR.RequireEncryptedPortal)
	}
}
