package otr3

import (
	"math/big"

	"github.com/emmansun/base64"
)

type dataMessageExtra struct {
	key []byte
}

func (c *Conversation) genDataMsg(message []byte, tlvs ...tlv) (dataMsg, dataMessageExtra, error) {
	return c.genDataMsgWithFlag(message, messageFlagNormal, tlvs...)
}

func (c *Conversation) genDataMsgWithFlag(message []byte, flag byte, tlvs ...tlv) (dataMsg, dataMessageExtra, error) {
	// offrecord patch: built in one buffer of its own (see genDataMsgInto).
	return c.genDataMsgInto(nil, message, flag, tlvs...)
}

func extractDataMessageFlag(msg []byte) byte {
	if len(msg) == 0 {
		return messageFlagNormal
	}
	return msg[0]
}

func (c *Conversation) createSerializedDataMessage(msg []byte, flag byte, tlvs []tlv) ([]ValidMessage, dataMessageExtra, error) {
	// offrecord patch: the message is built in a pooled buffer, which
	// holds only what goes on the wire once it is encoded (the plaintext
	// was encrypted in place), and goes back to the pool afterwards.
	bp := getDataBuffer()
	defer putDataBuffer(bp)
	dataMsg, x, err := c.genDataMsgInto(*bp, msg, flag, tlvs...)
	if err != nil {
		return nil, dataMessageExtra{}, err
	}
	res := dataMsg.frame(nil, c.version)
	*bp = res

	c.updateLastSent()
	return c.fragEncode(res), x, nil
}

func (c *Conversation) fragEncode(msg messageWithHeader) []ValidMessage {
	return c.fragment(c.encode(msg), c.fragmentSize)
}

func (c *Conversation) encode(msg messageWithHeader) encodedMessage {
	// offrecord patch: one buffer of the final size.
	out := make([]byte, 0, len(msgMarker)+base64.StdEncoding.EncodedLen(len(msg))+1)
	out = append(out, msgMarker...)
	out = base64.StdEncoding.AppendEncode(out, msg)
	return append(out, '.')
}

func (c *Conversation) processDataMessage(header, msg []byte) (plain MessagePlaintext, toSend messageWithHeader, err error) {
	ignoreUnreadable := (extractDataMessageFlag(msg) & messageFlagIgnoreUnreadable) == messageFlagIgnoreUnreadable
	plain, toSend, err = c.processDataMessageWithRawErrors(header, msg)
	if err != nil && ignoreUnreadable {
		err = nil
	}
	return
}

// processDataMessageWithRawErrors receives a decoded incoming message and returns the plain text inside that message
// and a data message (with header) generated in response to any TLV contained in the incoming message.
// The header and message compose the decoded incoming message.
func (c *Conversation) processDataMessageWithRawErrors(header, msg []byte) (plain MessagePlaintext, toSend messageWithHeader, err error) {
	dataMessage := dataMsg{}

	if c.msgState != encrypted {
		err = errMessageNotInPrivate
		c.messageEvent(MessageEventReceivedMessageNotInPrivate)
		return
	}

	// offrecord patch: the peer's DH value is, but for the message after a
	// key rotation, the key we already have: no new big.Int for it then.
	if err = dataMessage.deserializeKnown(msg, c.version, c.keys.theirCurrentDHPubKey); err != nil {
		return
	}
	if dataMessage.y == c.keys.theirCurrentDHPubKey && dataMessage.senderKeyID == c.keys.theirKeyID {
		// rotateTheirKey will keep it as their next key: its own copy, as before.
		dataMessage.y = new(big.Int).Set(dataMessage.y)
	}

	// offrecord patch: the peer's next DH public value must lie in the
	// group, as for the AKE's values; checked before any state changes.
	if !isGroupElement(dataMessage.y) {
		err = errDHValueOutOfGroup
		return
	}

	sessionKeys, err := c.keys.calculateDHSessionKeys(dataMessage.recipientKeyID, dataMessage.senderKeyID, c.version)
	if err != nil {
		return
	}

	if err = dataMessage.checkSignWith(sessionKeys.receivingHMAC(c.version), header, sessionKeys.macScratch()); err != nil {
		return
	}

	// offrecord patch: the counter is checked (and advanced) only once the
	// MAC is good, as libotr does; before, a forged message with a high
	// counter made the peer's genuine messages unreadable.
	if err = c.keys.checkMessageCounter(dataMessage); err != nil {
		return
	}

	block, err := sessionKeys.receivingCipher()
	if err != nil {
		return
	}
	// offrecord patch: decrypted in place with the key pair's cipher; room
	// for the usual TLVs (padding) on the stack.
	var tlvSpace [2]tlv
	p := plainDataMsg{}
	sessionKeys.newCTR(block, dataMessage.topHalfCtr).XORKeyStream(dataMessage.encryptedMsg, dataMessage.encryptedMsg)
	p.message, p.tlvs, _ = parsePlainData(dataMessage.encryptedMsg, tlvSpace[:0])

	plain = makeCopy(p.message)
	if len(plain) == 0 {
		plain = nil
		c.messageEvent(MessageEventLogHeartbeatReceived)
	}

	err = c.rotateKeys(dataMessage)
	if err != nil {
		return
	}

	var tlvs []tlv

	var x dataMessageExtra
	if hasTLV(p.tlvs, tlvTypeExtraSymmetricKey) { // offrecord patch: copied only when used
		x = dataMessageExtra{makeCopy(sessionKeys.extraKey)}
	}
	tlvs, err = c.processTLVs(p.tlvs, x)
	if err != nil {
		return
	}

	if len(tlvs) > 0 {
		var reply dataMsg
		reply, _, err = c.genDataMsgWithFlag(nil, decideFlagFrom(tlvs), tlvs...)
		if err != nil {
			return
		}

		toSend, err = c.wrapMessageHeader(msgTypeData, reply.serialize(c.version))
		if err != nil {
			return
		}
	}

	return
}

func decideFlagFrom(tlvs []tlv) byte {
	flag := byte(0x00)
	for _, t := range tlvs {
		if t.tlvType >= tlvTypeSMP1 && t.tlvType <= tlvTypeSMP1WithQuestion {
			flag = messageFlagIgnoreUnreadable
		}

	}
	return flag
}

func (c *Conversation) processSMPTLV(t tlv, x dataMessageExtra) (toSend *tlv, err error) {
	c.smp.ensureSMP()

	smpMessage, ok := t.smpMessage()
	if !ok {
		return nil, newOtrError("corrupt data message")
	}

	return c.receiveSMP(smpMessage)
}

func (c *Conversation) processTLVs(tlvs []tlv, x dataMessageExtra) ([]tlv, error) {
	var retTLVs []tlv

	for _, t := range tlvs {
		mh, e := messageHandlerForTLV(t)
		if e != nil {
			continue
		}

		toSend, err := mh(c, t, x)
		if err != nil {
			//We assume this will only happen if the message was sent by a
			//malicious/broken client and it's reasonable to stop processing the
			//remaining TLVs and consider the entire TLVs block as corrupted.
			//Any valid SMP TLV processed before the error can potentially cause a side
			//effect on the SMP state machine and we wont reply (take the bait).
			return nil, err
		}

		if toSend != nil {
			retTLVs = append(retTLVs, *toSend)
		}
	}

	return retTLVs, nil
}

// hasTLV tells whether a TLV of type typ is among tlvs (offrecord patch).
func hasTLV(tlvs []tlv, typ uint16) bool {
	for _, t := range tlvs {
		if t.tlvType == typ {
			return true
		}
	}
	return false
}
