package otr3

// offrecord patch: the data-message path with no per-message buffers of
// its own. A data message to send is built whole (header, unsigned part
// with the padded plaintext encrypted in place, MAC, revealed MAC keys) in
// one buffer; a received one is decoded into one; both buffers come from a
// pool shared by all conversations, so an idle conversation keeps none.
// Our DH public value is serialized once per key, and the peer's is parsed
// into a new big.Int only when it is not the key already known.

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"math/big"
	"math/bits"
	"slices"
	"sync"

	"github.com/emmansun/base64"
)

// maxPooledBuffer is the largest buffer put back in the pool: a data
// message of up to ~750 bytes of text. Longer ones get a buffer of their own.
const maxPooledBuffer = 1024

var dataBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, maxPooledBuffer)
	return &b
}}

// getDataBuffer returns an empty buffer from the pool.
func getDataBuffer() *[]byte {
	return dataBuffers.Get().(*[]byte)
}

// putDataBuffer hands b back to the pool, unless it grew too large. The
// caller wipes what must not outlive the call first.
func putDataBuffer(b *[]byte) {
	if cap(*b) > maxPooledBuffer {
		return
	}
	*b = (*b)[:0]
	dataBuffers.Put(b)
}

// appendMessageHeader appends the header of a message of type msgType.
func (c *Conversation) appendMessageHeader(out []byte, msgType byte) ([]byte, error) {
	return c.version.appendMessageHeader(c, out, msgType)
}

// paddedLen is the length of c.pad().serialize().
func (c plainDataMsg) paddedLen() int {
	padding := paddingGranularity - ((len(c.message) + tlvHeaderLen + nulByteLen) % paddingGranularity)
	n := len(c.message) + nulByteLen + tlvHeaderLen + padding
	for i := range c.tlvs {
		n += tlvHeaderLen + len(c.tlvs[i].tlvValue)
	}
	return n
}

// appendPadded appends c.pad().serialize() to out: the text, its NUL, the
// TLVs and a padding TLV of zeros.
func (c plainDataMsg) appendPadded(out []byte) []byte {
	padding := paddingGranularity - ((len(c.message) + tlvHeaderLen + nulByteLen) % paddingGranularity)
	out = append(out, c.message...)
	out = append(out, 0x00)
	for i := range c.tlvs {
		out = AppendShort(out, c.tlvs[i].tlvType)
		out = AppendShort(out, c.tlvs[i].tlvLength)
		out = append(out, c.tlvs[i].tlvValue...)
	}
	out = AppendShort(out, uint16(tlvTypePadding))
	out = AppendShort(out, uint16(padding))
	return append(out, make([]byte, padding)...)
}

// newCTR returns the AES-CTR stream of block from the counter topHalfCtr
// (its low half zero), with the IV in the key pair's scratch space so that
// it need not be allocated for each message.
func (s sessionKeys) newCTR(block cipher.Block, topHalfCtr [8]byte) cipher.Stream {
	var iv []byte
	if s.ciphers != nil {
		iv = s.ciphers.iv[:]
		clear(iv)
	} else {
		iv = make([]byte, aes.BlockSize)
	}
	copy(iv, topHalfCtr[:])
	return cipher.NewCTR(block, iv)
}

// macScratch returns room for a MAC in the key pair's scratch space, nil
// when it has none.
func (s sessionKeys) macScratch() []byte {
	if s.ciphers != nil {
		return s.ciphers.sum[:0]
	}
	return nil
}

// genDataMsgInto is genDataMsgWithFlag building the whole message in
// buf's spare room, whose length must be zero: the header, the unsigned
// part (the padded plaintext encrypted in place, so no copy of the
// plaintext is made), the MAC, and room for the revealed MAC keys that
// frame appends. The result's slices point into the buffer.
func (c *Conversation) genDataMsgInto(buf []byte, message []byte, flag byte, tlvs ...tlv) (dataMsg, dataMessageExtra, error) {
	if c.msgState != encrypted {
		return dataMsg{}, dataMessageExtra{}, errCannotSendUnencrypted
	}

	keys, err := c.keys.calculateDHSessionKeys(c.keys.ourKeyID-1, c.keys.theirKeyID, c.version)
	if err != nil {
		return dataMsg{}, dataMessageExtra{}, err
	}

	topHalfCtr := [8]byte{}
	counter := c.keys.counterHistory.findCounterFor(c.keys.ourKeyID-1, c.keys.theirKeyID)
	if counter.ourCounter == 0 {
		counter.ourCounter = 1
	}

	binary.BigEndian.PutUint64(topHalfCtr[:], counter.ourCounter)
	counter.ourCounter++

	plain := plainDataMsg{
		message: message,
		tlvs:    tlvs,
	}

	block, err := keys.sendingCipher()
	if err != nil {
		return dataMsg{}, dataMessageExtra{}, err
	}
	mac := keys.sendingHMAC(c.version)

	y := c.keys.ourCurrentDHKeys.pub
	yMPI := c.keys.ourPubMPI()
	ptLen := plain.paddedLen()
	revLen := 0
	for _, k := range c.keys.oldMACKeys {
		revLen += len(k)
	}
	buf = slices.Grow(buf, otrv3HeaderLen+1+4+4+len(yMPI)+len(topHalfCtr)+4+ptLen+mac.Size()+4+revLen)

	if buf, err = c.appendMessageHeader(buf, msgTypeData); err != nil {
		return dataMsg{}, dataMessageExtra{}, err
	}
	headerLen := len(buf)
	buf = append(buf, flag)
	buf = AppendWord(buf, c.keys.ourKeyID-1)
	buf = AppendWord(buf, c.keys.theirKeyID)
	buf = append(buf, yMPI...)
	buf = append(buf, topHalfCtr[:]...)
	buf = AppendWord(buf, uint32(ptLen))
	ctStart := len(buf)
	buf = plain.appendPadded(buf)
	encrypted := buf[ctStart:]
	keys.newCTR(block, topHalfCtr).XORKeyStream(encrypted, encrypted)

	_, _ = mac.Write(buf)
	unsignedEnd := len(buf)
	buf = mac.Sum(buf)

	dataMessage := dataMsg{
		flag:                   flag,
		senderKeyID:            c.keys.ourKeyID - 1,
		recipientKeyID:         c.keys.theirKeyID,
		y:                      y,
		topHalfCtr:             topHalfCtr,
		encryptedMsg:           encrypted,
		authenticator:          buf[unsignedEnd:],
		oldMACKeys:             c.keys.revealMACKeys(),
		serializeUnsignedCache: buf[headerLen:unsignedEnd],
		framed:                 buf,
	}

	c.updateMayRetransmitTo(noRetransmit)
	// offrecord patch: like libotr, only the last message with text is kept
	// for a retransmission; otr3 kept every message sent in the session (and
	// heartbeats and TLV-only messages as empty ones), and resent them all.
	if len(message) > 0 {
		c.resend.keepOnly(message)
	}

	// keys stay cached (and locked) until their key pair rotates out.
	// offrecord patch: the extra symmetric key is copied out only for the
	// message that announces its use, not for every message.
	var x dataMessageExtra
	if hasTLV(tlvs, tlvTypeExtraSymmetricKey) {
		x = dataMessageExtra{makeCopy(keys.extraKey)}
	}

	return dataMessage, x, nil
}

// receiveEncodedData is receiveEncoded for an encoded data message: it is
// decoded into a pooled buffer, which is wiped (it holds the decrypted
// plaintext) before it goes back. Nothing kept from a data message points
// into it: the plaintext, revealed MAC keys, DH value and TLV contents
// handed on are copies.
func (c *Conversation) receiveEncodedData(message encodedMessage) (MessagePlaintext, []messageWithHeader, error) {
	encoded := removeOTRMsgEnvelope(message)
	bp := getDataBuffer()
	buf := slices.Grow(*bp, base64.StdEncoding.DecodedLen(len(encoded)))
	buf = buf[:base64.StdEncoding.DecodedLen(len(encoded))]
	n, err := base64.StdEncoding.Decode(buf, encoded)
	var plain MessagePlaintext
	var toSend []messageWithHeader
	if err != nil {
		err = errInvalidOTRMessage
	} else {
		plain, toSend, err = c.receiveDecoded(buf[:n])
	}
	clear(buf)
	*bp = buf
	putDataBuffer(bp)
	return plain, toSend, err
}

// ourPubMPI returns our current DH public value serialized as an MPI,
// computed once per key. Keys are replaced, never changed in place, but
// when wiped (set to zero): a copy is used only for the same big.Int and
// while its length still matches.
func (k *keyManagementContext) ourPubMPI() []byte {
	pub := k.ourCurrentDHKeys.pub
	if pub != k.ourPubMPIOf || len(k.ourPubMPICache) != 4+(pub.BitLen()+7)/8 {
		k.ourPubMPICache = AppendMPI(k.ourPubMPICache[:0], pub)
		k.ourPubMPIOf = pub
	}
	return k.ourPubMPICache
}

// extractKnownMPI is ExtractMPI returning known itself, with no new
// big.Int, when the MPI's value is known's.
func extractKnownMPI(d []byte, known *big.Int) (newPoint []byte, mpi *big.Int, ok bool) {
	rest, value, ok := ExtractData(d)
	if !ok {
		return nil, nil, false
	}
	if known != nil && mpiEqual(value, known) {
		return rest, known, true
	}
	return rest, new(big.Int).SetBytes(value), true
}

// mpiEqual reports whether the big-endian magnitude b (as in an MPI, with
// no leading zero byte) is x's value; x must not be negative. Only for
// public values: the time taken depends on where they differ.
func mpiEqual(b []byte, x *big.Int) bool {
	if x == nil || x.Sign() < 0 || len(b) != (x.BitLen()+7)/8 {
		return false
	}
	words := x.Bits()
	const wordBytes = bits.UintSize / 8
	end := len(b)
	for _, w := range words {
		var v uint
		if end >= 8 && wordBytes == 8 {
			v = uint(binary.BigEndian.Uint64(b[end-8 : end]))
			end -= 8
		} else {
			start := max(end-wordBytes, 0)
			for _, c := range b[start:end] {
				v = v<<8 | uint(c)
			}
			end = start
		}
		if v != uint(w) {
			return false
		}
	}
	return true
}
