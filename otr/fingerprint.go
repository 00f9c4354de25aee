package otr

import (
	"encoding/hex"
	"strings"

	"github.com/coyim/otr3"
)

// FormatFingerprint renders a 20-byte OTR fingerprint in the usual human
// form: five groups of eight upper-case hex digits ("1A2B3C4D 5E6F...").
func FormatFingerprint(fp []byte) string {
	if len(fp) == 0 {
		return ""
	}
	h := strings.ToUpper(hex.EncodeToString(fp))
	var b strings.Builder
	for i := 0; i < len(h); i += 8 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(h[i:min(i+8, len(h))])
	}
	return b.String()
}

func fingerprintOf(k otr3.PublicKey) string {
	if k == nil {
		return ""
	}
	if d, ok := k.(*otr3.DSAPublicKey); ok && (d == nil || d.Y == nil) {
		return ""
	}
	return FormatFingerprint(k.Fingerprint())
}
