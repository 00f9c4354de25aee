// Package yamlfile edits the YAML config files of the programs offrecord's
// test harnesses run (the bridge, Dendrite), key by dotted path.
package yamlfile

import (
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Edit sets keys of the YAML mapping in the file at path, each named by its
// dotted path (e.g. "bridge.permissions"), creating mappings on the way.
func Edit(path string, set map[string]any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for key, value := range set {
		m, parts := doc, strings.Split(key, ".")
		for _, k := range parts[:len(parts)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				if m[k] != nil {
					return fmt.Errorf("%s: %s is not a mapping at %s", path, key, k)
				}
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = value
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o600)
}
