package bridge

import (
	"strings"
	"testing"
)

func TestEscapeOTR(t *testing.T) {
	for _, in := range []string{
		"?OTRv23?",
		"?OTR:AAMDxyz.",
		"hello ?OTR? world",
		"?OTR Error: nope",
		"tagged" + otrWhitespaceTagBase + "  \t\t  \t\t",
	} {
		out := escapeOTR(in)
		if strings.Contains(out, "?OTR") || strings.Contains(out, otrWhitespaceTagBase) {
			t.Errorf("escapeOTR(%q) = %q still carries an OTR marker", in, out)
		}
		if strings.ReplaceAll(out, wordJoiner, "") != in {
			t.Errorf("escapeOTR(%q) changed more than inserting word joiners: %q", in, out)
		}
	}
	if got := escapeOTR("plain text, OTR mentioned"); got != "plain text, OTR mentioned" {
		t.Errorf("plain text changed: %q", got)
	}
}
