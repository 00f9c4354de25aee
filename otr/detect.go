package otr

import "strings"

// WhitespaceTag starts an OTR whitespace tag (OTR spec, "Tagged plaintext
// messages"): "OT" in tabs and spaces, followed by version tags.
const WhitespaceTag = " \t  \t\t\t\t \t \t \t  "

// LooksLikeOTR reports whether text is, or holds, OTR protocol text: "?OTR"
// anywhere (libotr scans the whole message, not only its start) or the
// whitespace tag. It is the one test of what OTR clients would act on.
func LooksLikeOTR(text string) bool {
	return strings.Contains(text, "?OTR") || strings.Contains(text, WhitespaceTag)
}
