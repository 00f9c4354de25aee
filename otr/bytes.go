package otr

import "unsafe"

// readOnlyBytes is s's bytes without a copy. They must never be written
// to, nor handed to code that might write to them or keep them.
func readOnlyBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// wireString is w as a string without a copy. w must be a buffer nobody
// writes to afterwards: otr3's freshly built wire messages, which it keeps
// no reference to.
func wireString(w []byte) string {
	return unsafe.String(unsafe.SliceData(w), len(w))
}
