package otr3

import "time"

// How long after sending a packet should we wait to send a heartbeat?
const heartbeatInterval = 60 * time.Second

type heartbeatContext struct {
	lastSent time.Time
	// offrecord patch: the clock of the heartbeat times, time.Now if nil
	// (see SetHeartbeatClock).
	now func() time.Time
}

// SetHeartbeatClock sets the clock the conversation reads, on every data
// message sent and every one received, to decide when to send a heartbeat
// (time.Now by default). Its times need only be correct to a few seconds:
// a coarse clock saves reading the system clock for each message
// (offrecord patch).
func (c *Conversation) SetHeartbeatClock(now func() time.Time) {
	c.heartbeat.now = now
}

func (h *heartbeatContext) clock() time.Time {
	if h.now != nil {
		return h.now()
	}
	return time.Now()
}

func (c *Conversation) updateLastSent() {
	c.heartbeat.lastSent = c.heartbeat.clock()
}

func (c *Conversation) maybeHeartbeat(plain MessagePlaintext, toSend messageWithHeader, err error) (MessagePlaintext, []messageWithHeader, error) {
	if err != nil {
		return nil, nil, err
	}
	tsExtra, e := c.potentialHeartbeat(plain)
	return plain, compactMessagesWithHeader(toSend, tsExtra), e
}

func (c *Conversation) potentialHeartbeat(plain MessagePlaintext) (toSend messageWithHeader, err error) {
	if plain == nil {
		return
	}

	now := c.heartbeat.clock()
	if !c.heartbeat.lastSent.Before(now.Add(-heartbeatInterval)) {
		return
	}

	dataMsg, _, err := c.genDataMsgWithFlag(nil, messageFlagIgnoreUnreadable)
	if err != nil {
		return nil, err
	}

	toSend, err = c.wrapMessageHeader(msgTypeData, dataMsg.serialize(c.version))
	if err != nil {
		return nil, err
	}

	c.updateLastSent()
	c.messageEvent(MessageEventLogHeartbeatSent)
	return
}
