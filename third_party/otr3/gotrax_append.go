package otr3

import (
	"encoding/binary"
	"math/big"
	"slices"
)

// AppendShort will append the serialization of the given value to the byte array
// Data will be serialized big-endian
func AppendShort(l []byte, r uint16) []byte {
	return binary.BigEndian.AppendUint16(l, r) // offrecord patch: no temporary slice
}

// AppendWord will append the serialization of the given value to the byte array
// Data will be serialized big-endian
func AppendWord(l []byte, r uint32) []byte {
	return binary.BigEndian.AppendUint32(l, r) // offrecord patch: no temporary slice
}

// AppendLong will append the serialization of the given value to the byte array
// Data will be serialized big-endian
func AppendLong(l []byte, r uint64) []byte {
	return binary.BigEndian.AppendUint64(l, r) // offrecord patch: no temporary slice
}

// AppendData will append the serialization of the given value to the byte array
// Data will be serialized big-endian
func AppendData(l, r []byte) []byte {
	return append(AppendWord(l, uint32(len(r))), r...)
}

// AppendMPI will append the serialization of the given value to the byte array
// Data will be serialized big-endian
func AppendMPI(l []byte, r *big.Int) []byte {
	// offrecord patch: the magnitude is written in place, not through r.Bytes().
	n := (r.BitLen() + 7) / 8
	l = slices.Grow(AppendWord(l, uint32(n)), n)
	r.FillBytes(l[len(l) : len(l)+n])
	return l[:len(l)+n]
}

// AppendMPIs will append the serialization of the given values to the byte array
// Data will be serialized big-endian
func AppendMPIs(l []byte, r ...*big.Int) []byte {
	for _, mpi := range r {
		l = AppendMPI(l, mpi)
	}
	return l
}
