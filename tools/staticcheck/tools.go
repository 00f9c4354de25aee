//go:build tools

// Package tools pins staticcheck (honnef.co/go/tools), which `make lint`
// runs. It is a separate module so that its dependencies stay out of
// offrecord's own go.mod.
package tools

import (
	_ "honnef.co/go/tools/cmd/staticcheck"
)
