package bridge

import (
	"context"
	"errors"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/networkid"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/config"
	"github.com/offrecord/offrecord/otr"
)

// otrEME is the XEP-0380 namespace marking OTR stanzas.
const otrEME = "urn:xmpp:otr:0"

// otrLayer runs OTR between each login and its contacts, on one otr.Manager
// for the whole process. It keeps, in RAM only, which full JID a session
// runs with and which Matrix events carry OTR plaintext, to redact them when
// the session ends. It never logs plaintext.
type otrLayer struct {
	conn *Connector
	cfg  config.OTRConfig
	mgr  *otr.Manager
	log  zerolog.Logger

	// mu guards chats.
	mu    sync.Mutex
	chats map[otrKey]*otrChat
	// answeredSet (in answeredOrder) holds request notices already answered
	// (otrhooks.go); guarded by mu.
	answeredSet   map[id.EventID]bool
	answeredOrder []id.EventID
	// markMu serialises read-modify-write of the marks in the database (otrguard.go).
	markMu sync.Mutex
	// megolm deletes the Megolm keys of ended OTR spans (otrmegolm.go).
	megolm *megolmGuard
}

// otrKey names one OTR conversation: a login and a contact's bare JID.
type otrKey struct {
	login   networkid.UserLoginID
	contact string
}

// otrChat is the bridge's RAM-only record of one conversation.
type otrChat struct {
	// peer is the buddy's full JID the session runs with (bare before we know it).
	peer jid.JID
	// peerSeen is when peer last sent us OTR; zero once it went offline.
	peerSeen time.Time
	// copies are Matrix events holding OTR plaintext (both directions, and
	// SMP questions), redacted when the session ends.
	copies []copyRef
	// invite is the database row of a pending invitation notice (see otrreact.go).
	invite networkid.MessageID
	// held are the Matrix messages the OTR manager holds during a key
	// exchange, oldest first: marked sent when they go out encrypted, failed
	// when they are dropped.
	held []*bridgev2.MessageStatusEventInfo
	// lost, when not "", says why OTR ended without the user asking (see
	// otrguard.go); lostNoticed is set once the user has been told.
	lost        string
	lostNoticed bool
	// unconfirmed are the user's messages sent encrypted since the buddy
	// last wrote off the record; wireIDs (in wireOrder) the stanza ids of our
	// OTR data (otrdelivery.go). lostDetail and lostCount describe an
	// undelivered episode.
	unconfirmed []*bridgev2.MessageStatusEventInfo
	// failedInfo marks unconfirmed messages failed while their send may
	// still be in flight (otrsend.go must not report success then).
	failedInfo map[*bridgev2.MessageStatusEventInfo]bool
	wireIDs    map[string]bool
	wireOrder  []string
	lostDetail string
	lostCount  int
	// lostRemoved is how many OTR copies were redacted when it was lost.
	lostRemoved int
	// gate is open (non-nil) while gated start or accept commands are
	// pending (otrhooks.go).
	gate  chan struct{}
	gated int
	// savedTopic is the room topic from before OTR put its own.
	savedTopic string
	// userEnding is set while the user's own end or deny runs.
	userEnding bool
	// last is the manager state at the previous event.
	last otr.State
}

// copyRef is a Matrix event to redact.
type copyRef struct {
	room  id.RoomID
	event id.EventID
	// mark: the bot's 🔑 reaction on the user's own OTR message (not counted).
	mark bool
}

func newOTRLayer(c *Connector) *otrLayer {
	l := &otrLayer{
		conn:  c,
		cfg:   c.Config.OTR,
		log:   c.Bridge.Log.With().Str("component", "otr").Logger(),
		chats: make(map[otrKey]*otrChat),
	}
	l.mgr = otr.NewManager(otr.Config{
		Policy:        l.cfg.Policy,
		DisallowV2:    !l.cfg.AllowV2,
		KeyMode:       l.cfg.KeyMode,
		StartTimeout:  l.cfg.StartTimeout,
		AcceptTimeout: l.cfg.AcceptTimeout,
		IdleTimeout:   l.cfg.IdleTimeout,
		// Check timeouts every second, so an accept timeout fires on time.
		ExpireInterval: time.Second,
		Send:           l.sendWire,
		OnEvent:        l.onEvent,
	})
	l.megolm = newMegolmGuard(l)
	return l
}

// quietCtx returns a context whose logger discards everything, for Matrix
// requests whose bodies hold OTR plaintext: mautrix logs request bodies at
// debug level on the context logger.
func quietCtx() (context.Context, context.CancelFunc) {
	ctx := zerolog.New(io.Discard).WithContext(context.Background())
	return context.WithTimeout(ctx, 30*time.Second)
}

// statusCtx is the context for message statuses: mautrix sends them from
// a goroutine of its own, after the caller returned, so the context must not
// be cancelled with the caller's. Statuses hold no message content.
func (l *otrLayer) statusCtx() context.Context {
	return l.log.WithContext(context.Background())
}

// chat returns (creating) the record of a conversation.
func (l *otrLayer) chat(key otrKey) *otrChat {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.chatLocked(key)
}

// chatLocked returns (creating) a conversation record; mu must be held.
func (l *otrLayer) chatLocked(key otrKey) *otrChat {
	ch := l.chats[key]
	if ch == nil {
		bare, _ := jid.Parse(key.contact)
		ch = &otrChat{peer: bare}
		l.chats[key] = ch
	}
	return ch
}

// setPeer records the full JID a conversation runs with.
func (l *otrLayer) setPeer(key otrKey, full jid.JID) {
	ch := l.chat(key)
	l.mu.Lock()
	ch.peer = full
	ch.peerSeen = time.Now()
	l.mu.Unlock()
}

// peerReachable is how long a full JID that sent us OTR counts as online
// for OTR when its presence cannot be seen (no subscription yet).
const peerReachable = 10 * time.Minute

// reachablePeer returns the full JID that recently sent OTR, if it has not
// gone offline since.
func (l *otrLayer) reachablePeer(key otrKey) (jid.JID, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := l.chats[key]
	if ch == nil || ch.peer.Resourcepart() == "" || ch.peerSeen.IsZero() || time.Since(ch.peerSeen) > peerReachable {
		return jid.JID{}, false
	}
	return ch.peer, true
}

// remember adds a Matrix event holding OTR plaintext to the redaction list.
func (l *otrLayer) remember(key otrKey, room id.RoomID, evt id.EventID) {
	ch := l.chat(key)
	l.mu.Lock()
	ch.copies = append(ch.copies, copyRef{room: room, event: evt})
	l.mu.Unlock()
}

// client returns the live Client of a login.
func (l *otrLayer) client(login networkid.UserLoginID) *Client {
	ul := l.conn.Bridge.GetCachedUserLoginByID(login)
	if ul == nil {
		return nil
	}
	c, _ := ul.Client.(*Client)
	return c
}

// sendWire delivers OTR wire text (or the manager's plain notices) to the
// buddy: to the full JID, with XEP-0334 no-store/no-copy hints, carbons
// private and, for OTR data, the XEP-0380 marker.
func (l *otrLayer) sendWire(account, peer, wire string) {
	key := otrKey{networkid.UserLoginID(account), peer}
	c := l.client(key.login)
	var xc *xmppad.Client
	if c != nil {
		xc = c.xmpp()
	}
	if xc == nil {
		l.log.Warn().Str("contact", peer).Msg("Dropping OTR message: the login is not connected")
		return
	}
	l.mu.Lock()
	to := l.peerLocked(key)
	l.mu.Unlock()
	out := xmppad.Outgoing{To: to, Body: wire, NoStore: true, NoPermanentStore: true, NoCopy: true, Private: true}
	data := strings.HasPrefix(wire, "?OTR:") || strings.HasPrefix(wire, "?OTR|") || strings.HasPrefix(wire, "?OTR,")
	if strings.HasPrefix(wire, "?OTR") {
		out.EME = otrEME
	}
	if data {
		out.ID = l.wireID(key)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := xc.Send(ctx, out); err != nil {
		l.log.Warn().Err(err).Str("contact", peer).Int("wire_length", len(wire)).Msg("Could not send OTR message")
		if data {
			l.sendFailed(key, err)
		}
	}
}

// cmd formats an otr subcommand with the configured command prefix.
func (l *otrLayer) cmd(sub string) string {
	return "`" + l.conn.Bridge.Config.CommandPrefix + " otr " + sub + "`"
}

// peerLocked returns the JID a conversation runs with; mu must be held.
func (l *otrLayer) peerLocked(key otrKey) jid.JID {
	if ch := l.chats[key]; ch != nil && ch.peer.Localpart() != "" {
		return ch.peer
	}
	bare, _ := jid.Parse(key.contact)
	return bare
}

// onEvent shows a session event in the portal and redacts the session's
// Matrix copies when it is over.
func (l *otrLayer) onEvent(ev otr.Event) {
	key := otrKey{networkid.UserLoginID(ev.Account), ev.Peer}
	prev, quiet := l.guard(key, ev)
	if quiet {
		return
	}
	if ev.Kind == otr.EventError && errors.Is(ev.Err, otr.ErrPeerError) && l.peerError(key, ev,
		"their OTR client reported an error (it no longer has this off-the-record conversation)") {
		return
	}
	if ev.Kind == otr.EventUnencrypted && l.peerError(key, ev,
		"their client is no longer off the record (it just sent a message without encryption)") {
		return
	}
	ctx, cancel := quietCtx()
	defer cancel()
	if ev.Kind == otr.EventPendingAcceptance && l.refuseRequest(ctx, key) {
		return
	}
	removed := 0
	// After the buddy ended (EventFinished) the user keeps reading until they
	// confirm with end or start.
	if ev.State == otr.StatePlaintext && ev.Kind != otr.EventStarted {
		removed = l.over(ctx, key, true)
	}
	kind, text, skip := l.eventText(key, ev, prev, removed)
	if skip {
		return
	}
	evtID := l.notice(ctx, key, kind, text, map[string]any{
		"state":            ev.State.String(),
		"version":          ev.Version,
		"own_fingerprint":  ev.OwnFingerprint,
		"peer_fingerprint": ev.PeerFingerprint,
		"verified":         ev.Verified,
		"trusted":          ev.Trusted,
		"count":            removed,
	})
	switch ev.Kind {
	case otr.EventPendingAcceptance:
		l.registerInvite(ctx, key, evtID)
	case otr.EventAccepted, otr.EventDeclined, otr.EventSecure, otr.EventTimeout, otr.EventEnded:
		l.dropInvite(ctx, key)
	case otr.EventSMPAsked:
		if evtID != "" && l.mgr.Status(ev.Account, ev.Peer).SMPQuestion != "" {
			if room := l.room(ctx, key); room != "" {
				l.remember(key, room, evtID) // the question came off the record
			}
		}
	}
}

// refuseRequest declines the buddy's OTR request at once when accepting
// could not work here (a third person in the room, the user offline, a
// plaintext room that must be encrypted…), and tells the user why and what
// to do. It reports whether it did.
func (l *otrLayer) refuseRequest(ctx context.Context, key otrKey) bool {
	c := l.client(key.login)
	contact, err := parseBareJID(key.contact)
	if c == nil || err != nil {
		return false
	}
	portal := l.portal(ctx, key)
	if portal == nil {
		return false
	}
	_, why := l.precondition(ctx, c, portal, contact)
	if why == "" {
		return false
	}
	_ = l.mgr.Deny(string(key.login), key.contact)
	l.notice(ctx, key, "declined", "🔑 "+l.name(key)+" asked to go off the record, but it cannot start here: "+why+
		" The request was declined and "+l.name(key)+" was told. Once that is fixed, use "+l.cmd("start")+".", map[string]any{"state": "plaintext"})
	return true
}

// over redacts a conversation's Matrix copies (unless redact_on_end is off)
// and, when forget is set, drops its record (kept while the conversation is
// lost or has held messages).
func (l *otrLayer) over(ctx context.Context, key otrKey, forget bool) (removed int) {
	l.mu.Lock()
	ch := l.chats[key]
	var copies []copyRef
	if ch != nil {
		copies, ch.copies = ch.copies, nil
		if forget && ch.lost == "" && len(ch.held) == 0 {
			delete(l.chats, key)
		}
	}
	l.mu.Unlock()
	if l.cfg.RedactOnEnd {
		return l.redact(ctx, copies, "off-the-record conversation ended")
	}
	return 0
}

// takeCopies returns and forgets a conversation's Matrix copies.
func (l *otrLayer) takeCopies(key otrKey) []copyRef {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := l.chats[key]
	if ch == nil {
		return nil
	}
	copies := ch.copies
	ch.copies = nil
	return copies
}

// redact redacts Matrix copies of OTR messages as the bot.
func (l *otrLayer) redact(ctx context.Context, copies []copyRef, reason string) (messages int) {
	for _, ref := range copies {
		_, err := l.conn.Bridge.Bot.SendMessage(ctx, ref.room, event.EventRedaction, &event.Content{
			Parsed: &event.RedactionEventContent{Redacts: ref.event, Reason: reason},
		}, nil)
		if err != nil {
			l.log.Warn().Err(err).Stringer("event_id", ref.event).Msg("Could not redact an OTR message copy")
			continue
		}
		if !ref.mark {
			messages++
		}
	}
	return messages
}

// room returns the portal room of a conversation, or "".
func (l *otrLayer) room(ctx context.Context, key otrKey) id.RoomID {
	contact, err := parseBareJID(key.contact)
	if err != nil {
		return ""
	}
	portal, err := l.conn.Bridge.GetExistingPortalByKey(ctx, makePortalKey(key.login, contact))
	if err != nil || portal == nil {
		return ""
	}
	return portal.MXID
}

// notice posts an m.notice from the bridge bot in the conversation's portal,
// tagged with the event kind so clients and bots can tell OTR notices apart.
func (l *otrLayer) notice(ctx context.Context, key otrKey, kind, text string, fields map[string]any) id.EventID {
	room := l.room(ctx, key)
	if room == "" {
		room = l.ensurePortal(ctx, key)
	}
	if room == "" {
		l.log.Warn().Str("contact", key.contact).Str("otr_event", kind).Msg("No portal to show an OTR notice in")
		return ""
	}
	return sendBotNoticeLogged(ctx, &l.log, l.conn.Bridge.Bot, room, kind, text, fields) // ctx is usually quiet
}

// ensurePortal creates the DM portal for a conversation that starts with OTR.
func (l *otrLayer) ensurePortal(ctx context.Context, key otrKey) id.RoomID {
	portal := l.portal(ctx, key)
	if portal == nil {
		return ""
	}
	return portal.MXID
}

// portal returns a conversation's portal, creating its room if needed, or nil.
func (l *otrLayer) portal(ctx context.Context, key otrKey) *bridgev2.Portal {
	c := l.client(key.login)
	contact, err := parseBareJID(key.contact)
	if c == nil || err != nil {
		return nil
	}
	portal, err := c.ensurePortal(ctx, contact)
	if err != nil {
		l.log.Warn().Err(err).Str("contact", key.contact).Msg("Could not create a portal for an OTR request")
		return nil
	}
	return portal
}

// presence ends the conversation when the buddy's resource goes offline.
// Nothing is sent to the vanished resource (the server would store it and
// the buddy's next login would answer with an OTR error); the conversation
// is lost until the user starts OTR again or ends it.
func (l *otrLayer) presence(c *Client, p *xmppad.Presence) {
	contact := p.From.Bare()
	key := otrKey{c.login.ID, contact.String()}
	l.mu.Lock()
	ch := l.chats[key]
	var peer jid.JID
	if ch != nil {
		peer = ch.peer
	}
	l.mu.Unlock()
	if ch == nil || p.Type != stanza.UnavailablePresence {
		return
	}
	if peer.Resourcepart() != "" && !peer.Equal(p.From) {
		return // another resource of the buddy went away
	}
	l.mu.Lock()
	ch.peerSeen = time.Time{}
	l.mu.Unlock()
	if l.mgr.Status(string(key.login), key.contact).State == otr.StatePlaintext {
		return
	}
	l.setLost(key, lostBuddyGone)
	if err := l.mgr.Forget(string(key.login), key.contact, "the buddy went offline"); err != nil {
		l.log.Debug().Err(err).Str("contact", key.contact).Msg("Ending OTR after the buddy went offline")
	}
}

// endLogin ends every conversation of a login (logout, shutdown), redacting
// their Matrix copies, and wipes the login's keys. On shutdown the
// conversations stay marked, so that after the restart nothing is sent in
// plaintext there; on logout the marks go with the login.
func (l *otrLayer) endLogin(login networkid.UserLoginID, logout bool) {
	l.mu.Lock()
	var keys []otrKey
	for key, ch := range l.chats {
		if key.login == login {
			keys = append(keys, key)
			if ch.lost == "" {
				ch.lost, ch.lostNoticed = lostShutdown, true // the restart notice tells
			}
		}
	}
	l.mu.Unlock()
	for _, key := range keys {
		if l.mgr.Status(string(login), key.contact).State != otr.StatePlaintext {
			_ = l.mgr.End(string(login), key.contact)
		}
		ctx, cancel := quietCtx()
		l.over(ctx, key, true)
		cancel()
	}
	l.mgr.EndAll(string(login))
	if logout {
		l.clearMarks(login)
		l.mu.Lock()
		for _, key := range keys {
			delete(l.chats, key)
		}
		l.mu.Unlock()
	}
}

// active reports whether a conversation is anything but plaintext.
func (l *otrLayer) active(c *Client, contact jid.JID) bool {
	return l.mgr.Status(string(c.login.ID), contact.String()).State != otr.StatePlaintext
}

// bestResource returns the buddy's available full JID with the highest priority.
func bestResource(xc *xmppad.Client, contact jid.JID) (jid.JID, bool) {
	var avail []xmppad.Presence
	for _, p := range xc.OnlineResources(contact) {
		if p.Type == stanza.AvailablePresence && p.From.Resourcepart() != "" {
			avail = append(avail, p)
		}
	}
	if len(avail) == 0 {
		return jid.JID{}, false
	}
	sort.SliceStable(avail, func(i, j int) bool { return avail[i].Priority > avail[j].Priority })
	return avail[0].From, true
}
