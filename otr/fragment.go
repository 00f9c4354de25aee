package otr

import (
	"bytes"
	"strconv"
)

// fragment is one parsed OTR fragment:
// v3 "?OTR|sender|receiver,k,n,piece," or v2 "?OTR,k,n,piece,".
type fragment struct {
	v3               bool
	sender, receiver uint32
	k, n             int
	piece            []byte
}

// parseFragment parses a fragment the way libotr does, strictly: numbers in
// range, 1 ≤ k ≤ n, and a trailing comma.
func parseFragment(wire []byte) (fragment, bool) {
	var f fragment
	switch {
	case bytes.HasPrefix(wire, []byte("?OTR|")):
		f.v3 = true
		rest := wire[len("?OTR|"):]
		s, rest, ok := cutHex(rest, '|')
		if !ok {
			return f, false
		}
		r, rest, ok := cutHex(rest, ',')
		if !ok {
			return f, false
		}
		f.sender, f.receiver = s, r
		wire = rest
	case bytes.HasPrefix(wire, []byte("?OTR,")):
		wire = wire[len("?OTR,"):]
	default:
		return f, false
	}
	k, rest, ok := cutDec(wire)
	if !ok {
		return f, false
	}
	n, rest, ok := cutDec(rest)
	if !ok {
		return f, false
	}
	if k < 1 || n < 1 || k > n || len(rest) == 0 || rest[len(rest)-1] != ',' {
		return f, false
	}
	f.k, f.n = k, n
	f.piece = rest[:len(rest)-1]
	if bytes.IndexByte(f.piece, ',') >= 0 {
		return f, false
	}
	return f, true
}

func cutHex(b []byte, sep byte) (uint32, []byte, bool) {
	i := bytes.IndexByte(b, sep)
	if i < 1 || i > 8 {
		return 0, nil, false
	}
	v, err := strconv.ParseUint(string(b[:i]), 16, 32)
	if err != nil {
		return 0, nil, false
	}
	return uint32(v), b[i+1:], true
}

func cutDec(b []byte) (int, []byte, bool) {
	i := bytes.IndexByte(b, ',')
	if i < 1 || i > 5 {
		return 0, nil, false
	}
	v, err := strconv.ParseUint(string(b[:i]), 10, 16)
	if err != nil {
		return 0, nil, false
	}
	return int(v), b[i+1:], true
}

// reassembly holds the fragments of one message in flight, bounded by limits.
type reassembly struct {
	sender uint32
	k, n   int
	buf    []byte
}

// add takes a fragment; it returns the whole message when complete. A
// fragment out of sequence drops what was gathered, as libotr does.
func (r *reassembly) add(f fragment, maxSize, maxFragments int) (whole []byte, err error) {
	if f.n > maxFragments {
		r.reset()
		return nil, ErrTooManyFragments
	}
	switch {
	case f.k == 1:
		r.reset()
		r.sender, r.n = f.sender, f.n
	case f.k == r.k+1 && f.n == r.n && f.sender == r.sender:
	default:
		r.reset()
		return nil, nil
	}
	if len(r.buf)+len(f.piece) > maxSize {
		r.reset()
		return nil, ErrMessageTooLarge
	}
	r.buf = append(r.buf, f.piece...)
	r.k = f.k
	if r.k == r.n {
		whole = r.buf
		r.buf, r.k, r.n = nil, 0, 0
		return whole, nil
	}
	return nil, nil
}

func (r *reassembly) reset() {
	clear(r.buf)
	*r = reassembly{}
}
