package dendritetest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/offrecord/offrecord/internal/proc"
	"github.com/offrecord/offrecord/internal/yamlfile"
)

// ErrNoBinaries means the Dendrite programs were not found; `make deps` builds them.
var ErrNoBinaries = errors.New("dendritetest: Dendrite binaries not found; run `make deps`")

// findBinDir returns the module root's .cache/bin after checking that the
// programs this package runs are there.
func findBinDir() (string, error) {
	root, err := proc.ModuleRoot()
	if err != nil {
		return "", fmt.Errorf("%w (%v)", ErrNoBinaries, err)
	}
	dir := filepath.Join(root, ".cache", "bin")
	for _, b := range []string{"dendrite", "generate-config", "generate-keys"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return "", fmt.Errorf("%w (missing %s)", ErrNoBinaries, filepath.Join(dir, b))
		}
	}
	return dir, nil
}

// writeConfig makes the signing key (unless a previous run did) and
// dendrite.yaml in s.dir.
func (s *Server) writeConfig(registrations []string) error {
	key := filepath.Join(s.dir, "matrix_key.pem")
	if _, err := os.Stat(key); errors.Is(err, os.ErrNotExist) {
		if _, err := s.run("generate-keys", "-private-key", key); err != nil {
			return err
		}
	}
	generated, err := s.run("generate-config", "-ci", "-dir", s.dir, "-server", ServerName)
	if err != nil {
		return err
	}
	if err := os.WriteFile(s.configPath(), generated, 0o600); err != nil {
		return err
	}
	return yamlfile.Edit(s.configPath(), map[string]any{
		"global.private_key":                    key,
		"global.disable_federation":             true,
		"global.jetstream.storage_path":         filepath.Join(s.dir, "jetstream"),
		"global.report_stats.enabled":           false,
		"app_service_api.config_files":          registrations,
		"client_api.registration_disabled":      true,
		"client_api.registration_shared_secret": s.secret,
		"client_api.guests_disabled":            true,
		"client_api.rate_limiting.enabled":      false,
		"sync_api.search.enabled":               false,
		"logging": []map[string]any{{"type": "file", "level": "info",
			"params": map[string]any{"path": filepath.Join(s.dir, "logs")}}},
	})
}

// run runs one of the Dendrite helper programs in s.dir and returns its output.
func (s *Server) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(s.binDir, name), args...)
	cmd.Dir = s.dir
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		return nil, fmt.Errorf("%s: %w: %s", name, err, bytes.TrimSpace(stderr))
	}
	return out, nil
}
