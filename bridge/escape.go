package bridge

import (
	"strings"

	"github.com/offrecord/offrecord/otr"
)

// wordJoiner is an invisible character that breaks OTR markers apart.
const wordJoiner = "\u2060"

// otrWhitespaceTagBase is the start of an OTR whitespace tag.
const otrWhitespaceTagBase = otr.WhitespaceTag

// escapeOTR keeps text from Matrix from being taken as OTR protocol data by
// the contact's client: libotr looks for "?OTR" and for the whitespace tag
// anywhere in a message, so both are broken up with an invisible word joiner.
func escapeOTR(body string) string {
	if strings.Contains(body, "?OTR") {
		body = strings.ReplaceAll(body, "?OTR", "?"+wordJoiner+"OTR")
	}
	if strings.Contains(body, otrWhitespaceTagBase) {
		half := len(otrWhitespaceTagBase) / 2
		body = strings.ReplaceAll(body, otrWhitespaceTagBase, otrWhitespaceTagBase[:half]+wordJoiner+otrWhitespaceTagBase[half:])
	}
	return body
}
