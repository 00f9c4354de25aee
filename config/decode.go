package config

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	up "go.mau.fi/util/configupgrade"
	"gopkg.in/yaml.v3"
)

// yaml11Bool reads the YAML 1.1 boolean words (yes/no, on/off, y/n, true/false in
// their lower, title and upper case spellings), which YAML 1.2 parsers such as
// yaml.v3 take for strings.
func yaml11Bool(s string) (value, ok bool) {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE":
		return true, true
	case "n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE":
		return false, true
	}
	return false, false
}

// copyTree copies the user's config under path over the example (the base),
// for every key of the example. mautrix's helper.Copy drops a value whose
// YAML type differs from the one allowed (so `enabled: yes`, a !!str, became
// the example's `false`); here a YAML 1.1 boolean word is written back as
// true or false, and any other value, as well as any key the example does not
// have, is kept as the user wrote it, so that decoding fails naming the key
// instead of the value being silently replaced.
func copyTree(helper up.Helper, path []string) {
	base, user := helper.GetBaseNode(path...), helper.GetNode(path...)
	if base == nil || user == nil || base.Node == nil || user.Node == nil {
		return
	}
	if base.Kind == yaml.MappingNode && user.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(base.Content); i += 2 {
			copyTree(helper, append(append([]string(nil), path...), base.Content[i].Value))
		}
		for i := 0; i+1 < len(user.Content); i += 2 {
			if _, known := base.Map[user.Content[i].Value]; !known {
				base.Content = append(base.Content, user.Content[i], user.Content[i+1])
			}
		}
		return
	}
	if base.Tag == up.BoolTag && user.Kind == yaml.ScalarNode && user.Tag == up.StrTag {
		if v, ok := yaml11Bool(user.Value); ok {
			base.Tag, base.Style, base.Value = up.BoolTag, 0, strconv.FormatBool(v)
			return
		}
	}
	target := user.Node
	if target.Kind == yaml.AliasNode && target.Alias != nil {
		target = target.Alias
	}
	base.Kind, base.Tag, base.Style = target.Kind, target.Tag, target.Style
	base.Value, base.Content = target.Value, target.Content
}

// UnmarshalYAML decodes the network section strictly: an unknown key, or a
// value that is not of the key's type, is an error naming the key (as
// network.a.b). Ranges and choices are checked later by Validate.
func (c *Config) UnmarshalYAML(node *yaml.Node) error {
	type plain Config // no UnmarshalYAML: avoids recursion
	return decodeStrict(node, reflect.ValueOf((*plain)(c)).Elem(), "network")
}

var durationType = reflect.TypeOf(time.Duration(0))

func decodeStrict(node *yaml.Node, v reflect.Value, key string) error {
	for node.Kind == yaml.DocumentNode && len(node.Content) == 1 || node.Kind == yaml.AliasNode && node.Alias != nil {
		if node.Kind == yaml.DocumentNode {
			node = node.Content[0]
		} else {
			node = node.Alias
		}
	}
	null := node.Kind == yaml.ScalarNode && node.Tag == up.NullTag
	switch {
	case v.Kind() == reflect.Struct:
		if null {
			return nil
		}
		if node.Kind != yaml.MappingNode {
			return fmt.Errorf("%s must be a map of settings", key)
		}
		fields := map[string]reflect.Value{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			if name := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]; name != "" && name != "-" && t.Field(i).IsExported() {
				fields[name] = v.Field(i)
			}
		}
		for i := 0; i+1 < len(node.Content); i += 2 {
			name := node.Content[i].Value
			f, ok := fields[name]
			if !ok {
				return fmt.Errorf("%s.%s is not a known setting (misspelt?)", key, name)
			}
			if err := decodeStrict(node.Content[i+1], f, key+"."+name); err != nil {
				return err
			}
		}
		return nil
	case v.Kind() == reflect.Slice:
		if null {
			v.Set(reflect.Zero(v.Type()))
			return nil
		}
		if node.Kind != yaml.SequenceNode {
			return fmt.Errorf("%s must be a list", key)
		}
		out := reflect.MakeSlice(v.Type(), len(node.Content), len(node.Content))
		for i, item := range node.Content {
			if err := decodeStrict(item, out.Index(i), fmt.Sprintf("%s[%d]", key, i)); err != nil {
				return err
			}
		}
		v.Set(out)
		return nil
	}
	if node.Kind != yaml.ScalarNode {
		return fmt.Errorf("%s must be a single value, not a list or map", key)
	}
	if u, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		// A choice (TLS mode, OTR policy…): its type reads and checks the word.
		if null || node.Tag != up.StrTag {
			return fmt.Errorf("%s must be a word, not %q", key, node.Value)
		}
		if err := u.UnmarshalText([]byte(node.Value)); err != nil {
			return fmt.Errorf("%s %w", key, err)
		}
		return nil
	}
	switch {
	case v.Type() == durationType:
		d, err := time.ParseDuration(node.Value)
		if null || node.Tag != up.StrTag || err != nil {
			return fmt.Errorf("%s must be a duration with a unit, such as 30s or 5m, not %q", key, node.Value)
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.Bool:
		b, ok := yaml11Bool(node.Value)
		if null || (node.Tag != up.BoolTag && node.Tag != up.StrTag) || !ok {
			return fmt.Errorf("%s must be true or false, not %q", key, node.Value)
		}
		v.SetBool(b)
	case v.Kind() == reflect.Int, v.Kind() == reflect.Int64:
		n, err := strconv.ParseInt(node.Value, 0, 64)
		if null || node.Tag != up.IntTag || err != nil || v.OverflowInt(n) {
			return fmt.Errorf("%s must be a whole number, not %q", key, node.Value)
		}
		v.SetInt(n)
	case v.Kind() == reflect.String:
		if node.Tag == up.NullTag {
			v.SetString("")
			return nil
		}
		if node.Tag != up.StrTag && node.Tag != up.IntTag && node.Tag != up.FloatTag {
			return fmt.Errorf("%s must be text, not %q", key, node.Value)
		}
		v.SetString(node.Value)
	default:
		return fmt.Errorf("%s: cannot decode into %s", key, v.Type())
	}
	return nil
}
