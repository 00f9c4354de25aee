package dendritetest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/offrecord/offrecord/internal/proc"
)

// binaries are the programs from .cache/bin that this package runs.
var binaries = []string{"dendrite", "generate-config", "generate-keys"}

// ErrNoBinaries means the Dendrite programs were not found; `make deps` builds them.
var ErrNoBinaries = errors.New("dendritetest: Dendrite binaries not found; run `make deps`")

// findBinDir returns dir, or when empty the module root's .cache/bin, after
// checking that the programs are there.
func findBinDir(dir string) (string, error) {
	if dir == "" {
		root, err := proc.ModuleRoot()
		if err != nil {
			return "", fmt.Errorf("%w (%v)", ErrNoBinaries, err)
		}
		dir = filepath.Join(root, ".cache", "bin")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for _, b := range binaries {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return "", fmt.Errorf("%w (missing %s)", ErrNoBinaries, filepath.Join(dir, b))
		}
	}
	return dir, nil
}

// writeConfig makes the signing key and dendrite.yaml in s.dir unless a
// previous run already did (then only the appservice list is refreshed).
func (s *Server) writeConfig(registrations []string) error {
	key := filepath.Join(s.dir, "matrix_key.pem")
	if _, err := os.Stat(key); errors.Is(err, os.ErrNotExist) {
		if err := s.run("generate-keys", "-private-key", key); err != nil {
			return err
		}
	}
	var out bytes.Buffer
	cmd := exec.Command(filepath.Join(s.binDir, "generate-config"), "-ci", "-dir", s.dir, "-server", ServerName)
	cmd.Dir = s.dir
	cmd.Stdout = &out
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("generate-config: %w: %s", err, strings.TrimSpace(stderr.String()))
	}

	var doc yaml.Node
	if err := yaml.Unmarshal(out.Bytes(), &doc); err != nil {
		return fmt.Errorf("parse generated dendrite.yaml: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return errors.New("generated dendrite.yaml is not a YAML document")
	}
	root := doc.Content[0]

	// Keep an existing folder's shared secret so Restart and a reused
	// StartDir folder stay consistent.
	if old, err := os.ReadFile(s.ConfigPath()); err == nil {
		var prev struct {
			ClientAPI struct {
				Secret string `yaml:"registration_shared_secret"`
			} `yaml:"client_api"`
		}
		if yaml.Unmarshal(old, &prev) == nil && prev.ClientAPI.Secret != "" {
			s.secret = prev.ClientAPI.Secret
		}
	}

	edits := []struct {
		path  string
		value any
	}{
		{"global.private_key", key},
		{"global.disable_federation", true},
		{"global.jetstream.storage_path", filepath.Join(s.dir, "jetstream")},
		{"global.report_stats.enabled", false},
		{"app_service_api.config_files", registrations},
		{"client_api.registration_disabled", true},
		{"client_api.registration_shared_secret", s.secret},
		{"client_api.guests_disabled", true},
		{"client_api.rate_limiting.enabled", false},
		{"sync_api.search.enabled", false},
		{"logging", []map[string]any{{
			"type":   "file",
			"level":  "info",
			"params": map[string]any{"path": filepath.Join(s.dir, "logs")},
		}}},
	}
	for _, e := range edits {
		if err := setPath(root, strings.Split(e.path, "."), e.value); err != nil {
			return fmt.Errorf("edit dendrite.yaml %s: %w", e.path, err)
		}
	}
	data, err := yaml.Marshal(&doc)
	if err != nil {
		return err
	}
	return os.WriteFile(s.ConfigPath(), data, 0o600)
}

// run runs one of the Dendrite helper programs in s.dir.
func (s *Server) run(name string, args ...string) error {
	cmd := exec.Command(filepath.Join(s.binDir, name), args...)
	cmd.Dir = s.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// setPath sets the value at a dotted path in a YAML mapping, creating
// intermediate mappings when missing.
func setPath(node *yaml.Node, path []string, value any) error {
	if node.Kind != yaml.MappingNode {
		return fmt.Errorf("%q is not inside a mapping", path[0])
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		if node.Content[i].Value != path[0] {
			continue
		}
		if len(path) > 1 {
			return setPath(node.Content[i+1], path[1:], value)
		}
		var v yaml.Node
		if err := v.Encode(value); err != nil {
			return err
		}
		node.Content[i+1] = &v
		return nil
	}
	// Missing key: add it.
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: path[0]}
	v := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	if len(path) == 1 {
		if err := v.Encode(value); err != nil {
			return err
		}
		node.Content = append(node.Content, k, v)
		return nil
	}
	node.Content = append(node.Content, k, v)
	return setPath(v, path[1:], value)
}
