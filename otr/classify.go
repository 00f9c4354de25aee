package otr

import (
	"bytes"
	"encoding/base64"
)

// kind is what a complete (reassembled) wire message is.
type kind int

const (
	kindPlain kind = iota
	kindTagged
	kindQuery
	kindError
	kindFragment
	kindDHCommit
	kindDHKey
	kindRevealSig
	kindSig
	kindData
	kindUnknownOTR
)

// whitespaceTagBase is the 16-byte whitespace tag prefix ("OT" in tabs and spaces).
var whitespaceTagBase = []byte(WhitespaceTag)

// classify tells what wire text is, by the same rules as otr3 (a "?OTR"
// prefix, or a whitespace tag anywhere).
func classify(wire []byte) kind {
	if !bytes.HasPrefix(wire, []byte("?OTR")) {
		if bytes.Contains(wire, whitespaceTagBase) {
			return kindTagged
		}
		return kindPlain
	}
	rest := wire[len("?OTR"):]
	switch {
	case bytes.HasPrefix(rest, []byte("|")), bytes.HasPrefix(rest, []byte(",")):
		return kindFragment
	case bytes.HasPrefix(rest, []byte("?")), bytes.HasPrefix(rest, []byte("v")):
		return kindQuery
	case bytes.HasPrefix(rest, []byte(" Error:")):
		return kindError
	case bytes.HasPrefix(rest, []byte(":")):
		return encodedKind(rest[1:])
	}
	return kindUnknownOTR
}

// encodedKind reads the message type byte from the start of base64 data.
func encodedKind(b64 []byte) kind {
	if len(b64) < 4 {
		return kindUnknownOTR
	}
	var head [3]byte
	if _, err := base64.StdEncoding.Decode(head[:], b64[:4]); err != nil {
		return kindUnknownOTR
	}
	if head[0] != 0 || (head[1] != 2 && head[1] != 3) {
		return kindUnknownOTR
	}
	switch head[2] {
	case 0x02:
		return kindDHCommit
	case 0x0a:
		return kindDHKey
	case 0x11:
		return kindRevealSig
	case 0x12:
		return kindSig
	case 0x03:
		return kindData
	}
	return kindUnknownOTR
}

// startsAKE: a message by which a peer asks for, or begins, a key exchange.
func (k kind) startsAKE() bool {
	return k == kindQuery || k == kindTagged || k == kindDHCommit
}
