package bridge

import (
	"context"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/networkid"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// History from the server's message archive (XEP-0313) through bridgev2's
// backfill: a new portal shows the recent conversation (FetchMessages,
// called by bridgev2 when it creates the room), and after the bridge was
// away the catch-up (backfill_catchup.go) replays what was said meanwhile.
// Archived messages get the same message IDs as live ones (the stanza's id
// or origin-id, else the server's stanza-id, which is the archive id), so
// bridgev2 shows each message once however it arrives.
//
// Never around OTR: an archived body that is, or holds, OTR protocol text
// (an OTR data message, key exchange, query, error or whitespace tag) is not
// shown at all: it is ciphertext or protocol noise, its keys are gone, and
// even a marker would leave a record (when, who, how many) of an OTR
// conversation in Matrix and in the bridge database. Archived messages never
// reach the OTR layer and never change its state: a plaintext message from
// the archive is shown as plaintext (it was plaintext on the wire), never
// with the OTR key mark.

var _ bridgev2.BackfillingNetworkAPI = (*Client)(nil)

// archivedKind says what an archived item is to the bridge.
type archivedKind int

const (
	archSkip      archivedKind = iota // not a one-to-one chat message with content
	archOTR                           // OTR protocol text: never shown
	archMessage                       // a message (or a correction, Message.Replace)
	archReactions                     // a XEP-0444 reaction set
	archRetract                       // a XEP-0424 retraction
)

// classifyArchived says what an archived item is, whose chat it belongs to
// and whether the account sent it, as HandleMessage decides for live ones.
func (c *Client) classifyArchived(am *xmppad.ArchivedMessage) (kind archivedKind, contact jid.JID, fromMe bool) {
	m := am.Message
	switch m.Type {
	case stanza.GroupChatMessage, stanza.HeadlineMessage, stanza.ErrorMessage:
		return archSkip, contact, false
	}
	contact = m.From.Bare()
	if am.Outgoing {
		contact, fromMe = m.To.Bare(), true
	}
	switch {
	case contact.Equal(c.self) || contact.Localpart() == "":
		return archSkip, contact, fromMe
	case looksLikeOTR(m.Body) || m.EME == otrEME:
		return archOTR, contact, fromMe
	case m.Reactions != nil:
		return archReactions, contact, fromMe
	case m.Retract != "":
		return archRetract, contact, fromMe
	case m.Body == "" && len(m.OOB) == 0:
		return archSkip, contact, fromMe
	}
	return archMessage, contact, fromMe
}

// countsAsMessage says whether an archived item is a new message (what the
// backfill limits count).
func (c *Client) countsAsMessage(am *xmppad.ArchivedMessage) bool {
	kind, _, _ := c.classifyArchived(am)
	return kind == archMessage && am.Message.Replace == ""
}

// FetchMessages reads a portal's history from the archive: the newest
// messages for a new portal, those after the newest bridged one for a
// forward backfill, or those before the cursor (or the oldest bridged one)
// for the backfill queue.
func (c *Client) FetchMessages(ctx context.Context, p bridgev2.FetchMessagesParams) (*bridgev2.FetchMessagesResponse, error) {
	if p.ThreadRoot != "" || p.Count <= 0 {
		return &bridgev2.FetchMessagesResponse{Forward: p.Forward}, nil // XMPP chats have no threads
	}
	contact, err := parsePortalID(p.Portal.ID)
	if err != nil {
		return nil, err
	}
	xc, up := c.awaitXMPP(ctx) // while down, the archive query fails
	if xc == nil {
		return nil, up
	}
	log := zerolog.Ctx(ctx).With().Str("contact", contact.String()).Bool("forward", p.Forward).Logger()
	q := xmppad.HistoryQuery{With: contact}
	var stop func(*xmppad.ArchivedMessage) bool
	anchor := p.AnchorMessage
	switch {
	case !p.Forward:
		q.Before = string(p.Cursor)
		if q.Before == "" && anchor != nil {
			q.End = anchor.Timestamp
		}
	case anchor != nil:
		// Back to the newest bridged message (or a minute before its time:
		// live messages carry the bridge's clock, the archive the server's).
		stop = func(am *xmppad.ArchivedMessage) bool {
			return c.archivedMessageID(am) == anchor.ID || am.Stamp.Before(anchor.Timestamp.Add(-time.Minute))
		}
	}
	started := time.Now()
	res, err := scanBack(ctx, xc.FetchHistory, q, p.Count, stop, c.countsAsMessage)
	if err != nil {
		log.Info().Err(err).Msg("No history from the archive")
		return &bridgev2.FetchMessagesResponse{Forward: p.Forward}, nil
	}
	if res.bound != "" && res.bound != boundLimit {
		log.Warn().Str("bound", res.bound).Int("pages", res.pages).Int("items", res.examined).
			Msg("Archive scan stopped at its bound; older history is not shown")
	}
	read := time.Since(started)
	msgs := c.backfillBatch(ctx, p.Portal, contact, res.items)
	log.Info().Int("items", len(res.items)).Int("messages", len(msgs)).Int("pages", res.pages).
		Dur("read", read).Dur("took", time.Since(started)).Msg("History read from the archive")
	return &bridgev2.FetchMessagesResponse{
		Messages:                msgs,
		Cursor:                  networkid.PaginationCursor(res.oldest),
		HasMore:                 !res.complete && res.oldest != "",
		Forward:                 p.Forward,
		AggressiveDeduplication: true,
	}, nil
}

// archivedMessageID is the message ID an archived message has (as live).
func (c *Client) archivedMessageID(am *xmppad.ArchivedMessage) networkid.MessageID {
	_, contact, fromMe := c.classifyArchived(am)
	sender := contact
	if fromMe {
		sender = c.self
	}
	return makeMessageID(sender, messageStanzaID(am.Message))
}

// batchMessage is one message of a history batch being put together.
type batchMessage struct {
	at     int // place in the batch
	am     *xmppad.ArchivedMessage
	id     networkid.MessageID
	fromMe bool
	in     *incoming
	// reactions are the latest XEP-0444 set of each sender, by user ID.
	reactions map[networkid.UserID]*batchReactions
}

type batchReactions struct {
	sender bridgev2.EventSender
	emoji  []string
	ts     time.Time
}

// backfillBatch turns archive items of one chat (oldest first) into
// backfill messages. Corrections, retractions and reactions among them are
// applied to the messages they name: a message shows as last corrected, a
// retracted one not at all, reactions as each sender's last set. Those
// naming a message outside the batch are left out here (a new portal has no
// older messages; the catch-up replays them as live events).
func (c *Client) backfillBatch(ctx context.Context, portal *bridgev2.Portal, contact jid.JID, items []*xmppad.ArchivedMessage) []*bridgev2.BackfillMessage {
	var order []*batchMessage
	byID := map[networkid.MessageID]*batchMessage{}
	edits := map[networkid.MessageID]*xmppad.Message{}
	retracted := map[networkid.MessageID]bool{}
	otr := 0
	for _, am := range items {
		kind, peer, fromMe := c.classifyArchived(am)
		if kind == archOTR {
			otr++
		}
		if kind == archSkip || kind == archOTR || !peer.Equal(contact) {
			continue
		}
		m := am.Message
		sender := contact
		if fromMe {
			sender = c.self
		}
		switch kind {
		case archRetract:
			retracted[makeMessageID(sender, m.Retract)] = true
		case archReactions:
			for _, target := range []networkid.MessageID{makeMessageID(c.self, m.Reactions.ID), makeMessageID(contact, m.Reactions.ID)} {
				if bm := byID[target]; bm != nil {
					if bm.reactions == nil {
						bm.reactions = map[networkid.UserID]*batchReactions{}
					}
					bm.reactions[makeUserID(sender)] = &batchReactions{sender: c.sender(contact, fromMe), emoji: m.Reactions.Emoji, ts: am.Stamp}
					break
				}
			}
		case archMessage:
			if m.Replace != "" {
				edits[makeMessageID(sender, m.Replace)] = m
				continue
			}
			in, ok := c.receive(contact, m)
			id := makeMessageID(sender, messageStanzaID(m))
			if !ok || byID[id] != nil {
				continue
			}
			bm := &batchMessage{at: len(order), am: am, id: id, fromMe: fromMe, in: in}
			order = append(order, bm)
			byID[id] = bm
		}
	}
	if otr > 0 {
		zerolog.Ctx(ctx).Debug().Int("otr_items", otr).Msg("Archived OTR messages are not shown")
	}
	out := make([]*bridgev2.BackfillMessage, 0, len(order))
	for _, bm := range order {
		if retracted[bm.id] {
			continue
		}
		if e := edits[bm.id]; e != nil {
			corrected(bm.in, e)
		}
		var replyTo networkid.MessageID
		if r := bm.in.Reply; r != nil {
			for _, target := range []networkid.MessageID{makeMessageID(c.self, r.ID), makeMessageID(contact, r.ID)} {
				if t := byID[target]; t != nil && t.at < bm.at && !retracted[target] {
					replyTo = target
					bm.in.Body, bm.in.Reply = bm.in.Unquoted, nil
					break
				}
			}
		}
		sender := c.sender(contact, bm.fromMe)
		intent, ok := portal.GetIntentFor(ctx, sender, c.login, bridgev2.RemoteEventMessage)
		if !ok {
			continue
		}
		conv, err := c.convertIncoming(ctx, portal, intent, bm.in)
		if err != nil {
			zerolog.Ctx(ctx).Debug().Err(err).Msg("Could not convert an archived message")
			continue
		}
		if replyTo != "" {
			conv.ReplyTo = &networkid.MessageOptionalPartID{MessageID: replyTo}
		}
		msg := &bridgev2.BackfillMessage{ConvertedMessage: conv, Sender: sender, ID: bm.id, Timestamp: bm.am.Stamp}
		for _, set := range bm.reactions {
			for _, e := range set.emoji {
				msg.Reactions = append(msg.Reactions, &bridgev2.BackfillReaction{
					Sender: set.sender, EmojiID: networkid.EmojiID(e), Emoji: e, Timestamp: set.ts,
				})
			}
		}
		out = append(out, msg)
	}
	return out
}

// corrected puts a XEP-0308 correction's text in place of a message's.
func corrected(in *incoming, e *xmppad.Message) {
	in.Body, in.Unquoted = e.Body, e.Body
	if e.HasFallback(xmppad.NSReply) {
		in.Unquoted = e.BodyWithout(xmppad.NSReply)
	}
}
