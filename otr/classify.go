package otr

import "bytes"

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

// encodedKind reads the message type from the start of base64 data: its
// first four characters are the protocol version (2 or 3) and the type
// byte, as otr3 tells them apart (without decoding them).
func encodedKind(b64 []byte) kind {
	if len(b64) < 4 {
		return kindUnknownOTR
	}
	switch string(b64[:4]) {
	case "AAMD", "AAID":
		return kindData
	case "AAMC", "AAIC":
		return kindDHCommit
	case "AAMK", "AAIK":
		return kindDHKey
	case "AAMR", "AAIR":
		return kindRevealSig
	case "AAMS", "AAIS":
		return kindSig
	}
	return kindUnknownOTR
}

// startsAKE: a message by which a peer asks for, or begins, a key exchange.
func (k kind) startsAKE() bool {
	return k == kindQuery || k == kindTagged || k == kindDHCommit
}
