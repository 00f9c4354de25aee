//go:build tools

// Package tools pins the Dendrite homeserver used by offrecord's end-to-end
// tests and demo. It is a separate module so that Dendrite's dependencies
// stay out of offrecord's own go.mod.
package tools

import (
	_ "github.com/element-hq/dendrite/cmd/create-account"
	_ "github.com/element-hq/dendrite/cmd/dendrite"
	_ "github.com/element-hq/dendrite/cmd/generate-config"
	_ "github.com/element-hq/dendrite/cmd/generate-keys"
)
