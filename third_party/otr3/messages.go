package otr3

import (
	"bytes"
	"crypto/aes"
	"crypto/hmac"
	"crypto/subtle"
	"encoding/binary"
	"hash"
	"math/big"
	"slices"
)

const (
	messageFlagNormal           = byte(0x00)
	messageFlagIgnoreUnreadable = byte(0x01)

	messageHeaderPrefix = 3

	msgTypeDHCommit  = byte(0x02)
	msgTypeData      = byte(0x03)
	msgTypeDHKey     = byte(0x0A)
	msgTypeRevealSig = byte(0x11)
	msgTypeSig       = byte(0x12)
)

type dhCommit struct {
	encryptedGx []byte

	// SIZE: this should always be version.hash2Length
	yhashedGx []byte
}

func (c dhCommit) serialize() []byte {
	out := AppendData(nil, c.encryptedGx)
	out = AppendData(out, c.yhashedGx)
	return out
}

func (c *dhCommit) deserialize(msg []byte) error {
	msg, g, ok := ExtractData(msg)
	_, h, ok2 := ExtractData(msg)

	if !(ok && ok2) {
		return newOtrError("corrupt DH commit message")
	}

	c.encryptedGx = g
	c.yhashedGx = h
	return nil
}

type dhKey struct {
	gy *big.Int
}

func (c dhKey) serialize() []byte {
	return AppendMPI(nil, c.gy)
}

func (c *dhKey) deserialize(msg []byte) error {
	_, gy, ok := ExtractMPI(msg)

	if !ok {
		return newOtrError("corrupt DH key message")
	}

	c.gy = gy
	return nil
}

const revealSigRSize = 16

type revealSig struct {
	r            [revealSigRSize]byte
	encryptedSig []byte
	macSig       []byte
}

func (c revealSig) serialize(v otrVersion) []byte {
	var out []byte
	out = AppendData(out, c.r[:])
	out = append(out, c.encryptedSig...)
	return append(out, c.macSig[:v.truncateLength()]...)
}

func (c *revealSig) deserialize(msg []byte, v otrVersion) error {
	in, r, ok := ExtractData(msg)
	okLen := len(r) == revealSigRSize
	macSig, encryptedSig, ok2 := ExtractData(in)
	okLen2 := len(macSig) == v.truncateLength()

	if !(ok && ok2 && okLen && okLen2) {
		return newOtrError("corrupt reveal signature message")
	}

	copy(c.r[:], r)
	c.encryptedSig = encryptedSig
	c.macSig = macSig
	return nil
}

type sig struct {
	encryptedSig []byte
	macSig       []byte
}

func (c sig) serialize(v otrVersion) []byte {
	var out []byte
	out = append(out, c.encryptedSig...)
	return append(out, c.macSig[:v.truncateLength()]...)
}

func (c *sig) deserialize(msg []byte) error {
	macSig, encryptedSig, ok := ExtractData(msg)

	if !ok || len(macSig) != 20 {
		return newOtrError("corrupt signature message")
	}
	c.encryptedSig = encryptedSig
	c.macSig = macSig
	return nil
}

type dataMsg struct {
	flag                        byte
	senderKeyID, recipientKeyID uint32
	y                           *big.Int
	// SIZE: 8 is half of the AES block size used
	topHalfCtr             [8]byte
	encryptedMsg           []byte
	authenticator          []byte
	oldMACKeys             []macKey
	serializeUnsignedCache []byte
	// offrecord patch: set by genDataMsgInto, the header,
	// serializeUnsignedCache and authenticator in one buffer, with room for
	// the revealed keys.
	framed []byte
}

func (c *dataMsg) sign(key []byte, header []byte, v otrVersion) {
	if c.serializeUnsignedCache == nil {
		c.serializeUnsignedCache = c.serializeUnsigned()
	}
	mac := hmac.New(v.hashInstance, key)
	_, _ = mac.Write(header)
	_, _ = mac.Write(c.serializeUnsignedCache)
	c.authenticator = mac.Sum(nil)
}

// frame returns the header and serialize's result, using the buffer
// genDataMsgInto made when there is one (offrecord patch).
func (c dataMsg) frame(header []byte, v otrVersion) []byte {
	if c.framed == nil {
		return c.appendSigned(header, v)
	}
	revLen := 0
	for _, k := range c.oldMACKeys {
		revLen += len(k)
	}
	out := AppendWord(c.framed, uint32(revLen))
	for _, k := range c.oldMACKeys {
		out = append(out, k...)
	}
	return out
}

func (c dataMsg) checkSign(key []byte, header []byte, v otrVersion) error {
	return c.checkSignWith(hmac.New(v.hashInstance, key), header, nil)
}

// checkSignWith is checkSign with an HMAC already keyed and reset, its sum
// appended to scratch (offrecord patch).
func (c dataMsg) checkSignWith(mac hash.Hash, header, scratch []byte) error {
	_, _ = mac.Write(header)
	_, _ = mac.Write(c.serializeUnsignedCache)
	authenticatorCalculated := mac.Sum(scratch)

	if subtle.ConstantTimeCompare(c.authenticator, authenticatorCalculated) == 0 {
		return newOtrConflictError("bad signature MAC in encrypted signature")
	}
	return nil
}

func (c dataMsg) serializeUnsigned() []byte {
	return c.appendUnsigned(make([]byte, 0, c.unsignedLen()))
}

// unsignedLen is the length of serializeUnsigned (offrecord patch).
func (c dataMsg) unsignedLen() int {
	return 1 + 4 + 4 + 4 + (c.y.BitLen()+7)/8 + len(c.topHalfCtr) + 4 + len(c.encryptedMsg)
}

// appendUnsigned appends serializeUnsigned to out (offrecord patch).
func (c dataMsg) appendUnsigned(out []byte) []byte {
	out = append(out, c.flag)
	out = AppendWord(out, c.senderKeyID)
	out = AppendWord(out, c.recipientKeyID)
	out = AppendMPI(out, c.y)
	out = append(out, c.topHalfCtr[:]...)
	out = AppendData(out, c.encryptedMsg)
	return out
}

func (c *dataMsg) deserializeUnsigned(msg []byte) error {
	return c.deserializeUnsignedKnown(msg, nil)
}

// deserializeUnsignedKnown is deserializeUnsigned taking knownY itself for
// y when y has its value (offrecord patch).
func (c *dataMsg) deserializeUnsignedKnown(msg []byte, knownY *big.Int) error {
	if len(msg) == 0 {
		return newOtrError("dataMsg.deserialize empty message")
	}
	in := msg
	c.flag = in[0]

	in = in[1:]
	var ok bool

	in, c.senderKeyID, ok = ExtractWord(in)
	if !ok {
		return newOtrError("dataMsg.deserialize corrupted senderKeyID")
	}

	in, c.recipientKeyID, ok = ExtractWord(in)
	if !ok {
		return newOtrError("dataMsg.deserialize corrupted recipientKeyID")
	}

	in, c.y, ok = extractKnownMPI(in, knownY)
	if !ok {
		return newOtrError("dataMsg.deserialize corrupted y")
	}

	if len(in) < len(c.topHalfCtr) {
		return newOtrError("dataMsg.deserialize corrupted topHalfCtr")
	}

	copy(c.topHalfCtr[:], in)
	if binary.BigEndian.Uint64(c.topHalfCtr[:]) == 0 {
		return newOtrError("dataMsg.deserialize invalid topHalfCtr")
	}

	copy(c.topHalfCtr[:], in)
	in = in[len(c.topHalfCtr):]
	in, c.encryptedMsg, ok = ExtractData(in)
	if !ok {
		return newOtrError("dataMsg.deserialize corrupted encryptedMsg")
	}

	c.serializeUnsignedCache = msg[:len(msg)-len(in)]
	return nil
}

func (c dataMsg) serialize(v otrVersion) []byte {
	if c.serializeUnsignedCache == nil {
		c.serializeUnsignedCache = c.serializeUnsigned()
	}

	return c.appendSigned(nil, v)
}

// appendSigned appends serialize's result to out, growing it once
// (offrecord patch; otr3 built it in several copies).
func (c dataMsg) appendSigned(out []byte, v otrVersion) []byte {
	if c.serializeUnsignedCache == nil {
		c.serializeUnsignedCache = c.serializeUnsigned()
	}
	revLen := 0
	for _, k := range c.oldMACKeys {
		revLen += len(k)
	}
	out = slices.Grow(out, len(c.serializeUnsignedCache)+len(c.authenticator)+4+revLen)
	out = append(out, c.serializeUnsignedCache...)
	out = append(out, c.authenticator...)
	out = AppendWord(out, uint32(revLen))
	for _, k := range c.oldMACKeys {
		out = append(out, k...)
	}
	return out
}

func (c *dataMsg) deserialize(msg []byte, v otrVersion) error {
	return c.deserializeKnown(msg, v, nil)
}

// deserializeKnown is deserialize taking knownY itself for y when y has
// its value (offrecord patch).
func (c *dataMsg) deserializeKnown(msg []byte, v otrVersion, knownY *big.Int) error {
	if err := c.deserializeUnsignedKnown(msg, knownY); err != nil {
		return err
	}

	msg = msg[len(c.serializeUnsignedCache):]
	// offrecord patch: a message cut short in its MAC is refused; otr3
	// sliced past its end and panicked.
	if len(msg) < v.hashLength() {
		return newOtrError("dataMsg.deserialize corrupted authenticator")
	}
	c.authenticator = msg[0:v.hashLength()]
	msg = msg[len(c.authenticator):]

	var revKeysBytes []byte
	_, revKeysBytes, ok := ExtractData(msg)
	if !ok {
		return newOtrError("dataMsg.deserialize corrupted revealMACKeys")
	}
	for len(revKeysBytes) > 0 {
		if len(revKeysBytes) < v.hashLength() {
			return newOtrError("dataMsg.deserialize corrupted revealMACKeys")
		}
		revKey := make([]byte, v.hashLength())
		copy(revKey, revKeysBytes)
		c.oldMACKeys = append(c.oldMACKeys, revKey)
		revKeysBytes = revKeysBytes[len(revKey):]
	}

	return nil
}

type plainDataMsg struct {
	message []byte
	tlvs    []tlv
}

func (c *plainDataMsg) deserialize(msg []byte) error {
	var err error
	c.message, c.tlvs, err = parsePlainData(msg, c.tlvs)
	return err
}

// parsePlainData splits a decrypted data message into its text and its
// TLVs, appended to tlvs (offrecord patch: deserialize's body as a
// function, so that a caller's room for the TLVs can stay on its stack).
func parsePlainData(msg []byte, tlvs []tlv) ([]byte, []tlv, error) {
	message := msg
	var tlvsBytes []byte
	if nulPos := bytes.IndexByte(msg, 0x00); nulPos >= 0 {
		message = msg[:nulPos]
		tlvsBytes = msg[nulPos+1:]
	}

	for len(tlvsBytes) > 0 {
		atlv := tlv{}
		if err := atlv.deserialize(tlvsBytes); err != nil {
			return message, tlvs, err
		}
		tlvs = append(tlvs, atlv)
		tlvsBytes = tlvsBytes[4+int(atlv.tlvLength):]
	}
	return message, tlvs, nil
}

func (c plainDataMsg) serialize() []byte {
	out := c.message
	out = append(out, 0x00)

	if len(c.tlvs) > 0 {
		for i := range c.tlvs {
			out = AppendShort(out, c.tlvs[i].tlvType)
			out = AppendShort(out, c.tlvs[i].tlvLength)
			out = append(out, c.tlvs[i].tlvValue...)
		}
	}
	return out
}

const (
	paddingGranularity = 256
	tlvHeaderLen       = 4
	nulByteLen         = 1
)

func (c plainDataMsg) pad() plainDataMsg {
	padding := paddingGranularity - ((len(c.message) + tlvHeaderLen + nulByteLen) % paddingGranularity)

	paddingTlv := tlv{
		tlvType:   uint16(tlvTypePadding),
		tlvLength: uint16(padding),
		tlvValue:  make([]byte, padding),
	}

	c.tlvs = append(c.tlvs, paddingTlv)

	return c
}

func (c plainDataMsg) encrypt(key []byte, topHalfCtr [8]byte) []byte {
	var iv [aes.BlockSize]byte
	copy(iv[:], topHalfCtr[:])

	data := c.pad().serialize()
	dst := make([]byte, len(data))
	_ = counterEncipher(key, iv[:], data, dst)

	return dst
}

func (c *plainDataMsg) decrypt(key []byte, topHalfCtr [8]byte, src []byte) error {
	var iv [aes.BlockSize]byte
	copy(iv[:], topHalfCtr[:])

	if err := counterEncipher(key, iv[:], src, src); err != nil {
		return err
	}

	return c.deserialize(src)
}
