package bridge

import (
	"context"
	"errors"
	"html"
	"io"
	"sort"
	"strconv"
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

// otrContentKey is the custom content field on OTR messages and notices.
const otrContentKey = "org.offrecord.otr"

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
	// userEnding is set while the user's own end or deny runs.
	userEnding bool
	// last is the manager state at the previous event.
	last otr.State
}

// copyRef is a Matrix event to redact.
type copyRef struct {
	room  id.RoomID
	event id.EventID
}

func newOTRLayer(c *Connector) *otrLayer {
	l := &otrLayer{
		conn:  c,
		cfg:   c.Config.OTR,
		log:   c.Bridge.Log.With().Str("component", "otr").Logger(),
		chats: make(map[otrKey]*otrChat),
	}
	policy := map[string]otr.Policy{
		config.OTRPolicyNever:         otr.PolicyNever,
		config.OTRPolicyManual:        otr.PolicyManual,
		config.OTRPolicyOpportunistic: otr.PolicyOpportunistic,
		config.OTRPolicyAlways:        otr.PolicyAlways,
	}[l.cfg.Policy]
	keyMode := otr.KeyPerSession
	if l.cfg.KeyMode == config.OTRKeyPerAccount {
		keyMode = otr.KeyPerAccount
	}
	l.mgr = otr.NewManager(otr.Config{
		Policy:        policy,
		DisallowV2:    !l.cfg.AllowV2,
		KeyMode:       keyMode,
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
	l.mu.Unlock()
}

// remember adds a Matrix event holding OTR plaintext to the redaction list.
func (l *otrLayer) remember(key otrKey, room id.RoomID, evt id.EventID) {
	ch := l.chat(key)
	l.mu.Lock()
	ch.copies = append(ch.copies, copyRef{room, evt})
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
	if strings.HasPrefix(wire, "?OTR") {
		out.EME = otrEME
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := xc.Send(ctx, out); err != nil {
		l.log.Warn().Err(err).Str("contact", peer).Int("wire_length", len(wire)).Msg("Could not send OTR message")
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
	if l.guard(key, ev) {
		return
	}
	kind := ev.Kind.String()
	text := ev.Text
	var extraCopy bool
	switch ev.Kind {
	case otr.EventSMPInProgress:
		return
	case otr.EventPendingAcceptance:
		text = "🔑 " + ev.Peer + " wants an off-the-record conversation. Accept with " + l.cmd("accept") + " or a ✅ reaction; decline with " + l.cmd("deny") + " or ❌."
	case otr.EventStarted:
		text = "🔑 Asked " + ev.Peer + " for an off-the-record conversation; waiting for the answer."
	case otr.EventSecure:
		text = "🔑 Off-the-record conversation started (OTR v" + strconv.Itoa(ev.Version) + "). Your fingerprint: " + ev.OwnFingerprint +
			"; theirs: " + ev.PeerFingerprint + ". Verify with " + l.cmd("verify <secret>") + " or compare fingerprints and " + l.cmd("trust") + "."
	case otr.EventRefreshed:
		text = "🔑 New keys are in use."
	case otr.EventEnded:
		text = "Off-the-record conversation ended; messages are plaintext again."
	case otr.EventFinished:
		text = ev.Peer + " ended the off-the-record conversation. Your messages are held back until you " + l.cmd("end") + " (continue in plaintext) or " + l.cmd("start") + " again."
	case otr.EventSMPAsked:
		q := l.mgr.Status(ev.Account, ev.Peer).SMPQuestion
		text = ev.Peer + " wants to verify you. Answer with " + l.cmd("answer <secret>") + "."
		if q != "" {
			text = ev.Peer + " wants to verify you and asks: “" + q + "” Answer with " + l.cmd("answer <secret>") + "."
			extraCopy = true
		}
	case otr.EventSMPSucceeded:
		text = "✅ " + ev.Peer + " is verified: you share the secret."
	case otr.EventSMPFailed:
		text = "❌ Verification failed: the secrets differ."
	case otr.EventError:
		if errors.Is(ev.Err, otr.ErrNotInPrivate) {
			if l.lostReason(key) != "" {
				return // the user was told when the conversation was lost
			}
			kind = "lost"
			text = ev.Peer + " sent an OTR message for a session the bridge no longer has (it may have restarted; keys live only in RAM). Use " + l.cmd("start") + " to begin again."
		}
	}
	if text == "" {
		text = "OTR: " + kind
	}
	ctx, cancel := quietCtx()
	defer cancel()
	evtID := l.notice(ctx, key, kind, text, map[string]any{
		"state":            ev.State.String(),
		"version":          ev.Version,
		"own_fingerprint":  ev.OwnFingerprint,
		"peer_fingerprint": ev.PeerFingerprint,
		"verified":         ev.Verified,
		"trusted":          ev.Trusted,
	})
	switch ev.Kind {
	case otr.EventPendingAcceptance:
		l.registerInvite(ctx, key, evtID)
	case otr.EventAccepted, otr.EventDeclined, otr.EventSecure, otr.EventTimeout, otr.EventEnded:
		l.dropInvite(ctx, key)
	}
	if extraCopy && evtID != "" {
		if room := l.room(ctx, key); room != "" {
			l.remember(key, room, evtID)
		}
	}
	// After the buddy ended (EventFinished) the user keeps reading until they
	// confirm with end or start.
	if ev.State == otr.StatePlaintext && ev.Kind != otr.EventStarted {
		l.over(ctx, key, true)
	}
}

// over redacts a conversation's Matrix copies (unless redact_on_end is off)
// and, when forget is set, drops its record (kept while the conversation is
// lost or has held messages).
func (l *otrLayer) over(ctx context.Context, key otrKey, forget bool) {
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
		l.redact(ctx, copies, "off-the-record conversation ended")
	}
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
func (l *otrLayer) redact(ctx context.Context, copies []copyRef, reason string) {
	for _, ref := range copies {
		_, err := l.conn.Bridge.Bot.SendMessage(ctx, ref.room, event.EventRedaction, &event.Content{
			Parsed: &event.RedactionEventContent{Redacts: ref.event, Reason: reason},
		}, nil)
		if err != nil {
			l.log.Warn().Err(err).Stringer("event_id", ref.event).Msg("Could not redact an OTR message copy")
		}
	}
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
	return sendOTRNotice(ctx, l.conn.Bridge.Bot, room, kind, text, fields)
}

// sendOTRNotice sends a tagged OTR notice as the bot.
func sendOTRNotice(ctx context.Context, bot bridgev2.MatrixAPI, room id.RoomID, kind, text string, fields map[string]any) id.EventID {
	tag := map[string]any{"event": kind}
	for k, v := range fields {
		tag[k] = v
	}
	resp, err := bot.SendMessage(ctx, room, event.EventMessage, &event.Content{
		Parsed: &event.MessageEventContent{MsgType: event.MsgNotice, Body: text},
		Raw:    map[string]any{otrContentKey: tag},
	}, nil)
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Str("otr_event", kind).Msg("Could not send an OTR notice")
		return ""
	}
	return resp.EventID
}

// ensurePortal creates the DM portal for a conversation that starts with OTR.
func (l *otrLayer) ensurePortal(ctx context.Context, key otrKey) id.RoomID {
	c := l.client(key.login)
	contact, err := parseBareJID(key.contact)
	if c == nil || err != nil {
		return ""
	}
	portal, err := l.conn.Bridge.GetPortalByKey(ctx, makePortalKey(key.login, contact))
	if err != nil {
		return ""
	}
	if portal.MXID == "" {
		if err := portal.CreateMatrixRoom(ctx, c.login, c.dmInfo(contact)); err != nil {
			l.log.Warn().Err(err).Str("contact", key.contact).Msg("Could not create a portal for an OTR request")
			return ""
		}
	}
	return portal.MXID
}

// looksLikeOTR reports whether a body is OTR protocol text.
func looksLikeOTR(body string) bool {
	return strings.Contains(body, "?OTR") || strings.Contains(body, otrWhitespaceTagBase)
}

// receive hands an incoming chat message to OTR. It returns true when the
// message was OTR and has been dealt with; otherwise the caller bridges
// m.Body (which receive may have replaced, e.g. with a tag removed) as usual.
func (l *otrLayer) receive(c *Client, contact jid.JID, m *xmppad.Message) bool {
	key := otrKey{c.login.ID, contact.String()}
	isOTR := looksLikeOTR(m.Body)
	if isOTR {
		l.setPeer(key, m.From)
	}
	in, err := l.mgr.Receive(string(key.login), key.contact, m.Body)
	if err != nil {
		// The manager has reported it (an event, and an OTR error to the peer as libotr does).
		return true
	}
	if !in.OTR {
		return false
	}
	if len(in.Plaintext) == 0 {
		return true
	}
	if !in.Encrypted {
		m.Body = string(in.Plaintext)
		return false
	}
	l.deliver(c, key, contact, string(in.Plaintext))
	return true
}

// deliver posts decrypted OTR plaintext in the portal from the buddy's
// ghost, with the key icon, and remembers the event for redaction. It
// bypasses bridgev2's message pipeline so that no database row is written,
// but goes through the login's inbox so that it keeps its place among
// plain messages and waits (in RAM) while the homeserver is down.
func (l *otrLayer) deliver(c *Client, key otrKey, contact jid.JID, plaintext string) {
	c.inbox.push(inboxItem{
		portal: makePortalKey(key.login, contact),
		what:   "OTR message",
		deliver: func(context.Context) error {
			return l.post(key, contact, plaintext)
		},
	})
}

// post sends one OTR plaintext to Matrix; an error means try again.
func (l *otrLayer) post(key otrKey, contact jid.JID, plaintext string) error {
	if l.lostReason(key) != "" {
		return nil // OTR ended here (e.g. a third member): nothing more is posted off the record
	}
	ctx, cancel := quietCtx()
	defer cancel()
	room := l.room(ctx, key)
	if room == "" {
		room = l.ensurePortal(ctx, key)
	}
	if room == "" {
		return errors.New("bridge: no portal for an OTR message")
	}
	ghost, err := l.conn.Bridge.GetGhostByID(ctx, makeUserID(contact))
	if err != nil || ghost == nil {
		return errors.New("bridge: no ghost for an OTR message")
	}
	defer l.megolm.beforePost(ctx, key, room)()
	st := l.mgr.Status(string(key.login), key.contact)
	for _, content := range otrMessageContents(plaintext) {
		resp, err := ghost.Intent.SendMessage(ctx, room, event.EventMessage, &event.Content{
			Parsed: content,
			Raw: map[string]any{otrContentKey: map[string]any{
				"encrypted": true,
				"verified":  st.Verified || st.Trusted,
				"version":   st.Version,
			}},
		}, nil)
		if err != nil {
			l.log.Warn().Err(err).Str("contact", key.contact).Msg("Could not post an OTR message in Matrix")
			return err
		}
		l.remember(key, room, resp.EventID)
	}
	return nil
}

// otrMessageContents is otrMessageContent for each piece of a long
// plaintext (Matrix events are limited to 64 KiB).
func otrMessageContents(plaintext string) []*event.MessageEventContent {
	pieces := splitText(plaintext, maxEventText/2)
	out := make([]*event.MessageEventContent, 0, len(pieces))
	for i, p := range pieces {
		c := otrMessageContent(p)
		if i > 0 {
			c.MsgType = event.MsgText
		}
		out = append(out, c)
	}
	return out
}

// otrMessageContent marks OTR plaintext with the key icon, bold in HTML.
func otrMessageContent(plaintext string) *event.MessageEventContent {
	msgType := event.MsgText
	body := plaintext
	if rest, ok := strings.CutPrefix(plaintext, "/me "); ok {
		msgType, body = event.MsgEmote, rest
	}
	formatted := strings.ReplaceAll(html.EscapeString(body), "\n", "<br>")
	return &event.MessageEventContent{
		MsgType:       msgType,
		Body:          "🔑 " + body,
		Format:        event.FormatHTML,
		FormattedBody: "🔑 <strong>" + formatted + "</strong>",
	}
}

// errOTRFiles refuses files while OTR is on: they would leave the OTR channel.
var errOTRFiles = bridgev2.WrapErrorInStatus(errors.New("files cannot be sent off the record; end OTR first")).
	WithIsCertain(true).WithSendNotice(true).WithErrorAsMessage()

// sendFromMatrix sends a Matrix message through OTR when a session exists,
// the policy asks for it, or the conversation was off the record and is now
// lost (then it is refused). handled is false when the message should go out
// the usual way (no OTR involved). It never sends plaintext where encryption
// is expected. For handled messages it sends the Matrix message status
// itself: at once when sent, later for a message held during a key exchange
// (sent when it goes out encrypted, failed when it is dropped).
func (l *otrLayer) sendFromMatrix(ctx context.Context, c *Client, msg *bridgev2.MatrixMessage, contact jid.JID) (handled bool, err error) {
	key := otrKey{c.login.ID, contact.String()}
	st := l.mgr.Status(string(key.login), key.contact)
	if st.State == otr.StatePlaintext {
		if reason := l.lostReason(key); reason != "" {
			return true, l.refuse(key, reason)
		}
		if l.cfg.Policy == config.OTRPolicyManual || l.cfg.Policy == config.OTRPolicyNever {
			return false, nil
		}
	}
	var body string
	switch msg.Content.MsgType {
	case event.MsgText, event.MsgNotice:
		body = msg.Content.Body
	case event.MsgEmote:
		body = "/me " + msg.Content.Body
	default:
		return true, errOTRFiles
	}
	info := bridgev2.StatusEventInfoFromEvent(msg.Event)
	l.mu.Lock()
	ch := l.chatLocked(key)
	ch.held = append(ch.held, info)
	l.mu.Unlock()
	outcome, err := l.mgr.SendOutcome(string(key.login), key.contact, []byte(body))
	if err != nil || outcome != otr.Held {
		l.unhold(key, info)
	}
	if err != nil {
		qctx, cancel := quietCtx()
		defer cancel()
		l.notice(qctx, key, "refused", "Your message was not sent: "+otrUserError(err), map[string]any{"state": st.State.String()})
		return true, otrRefusal(otrUserError(err))
	}
	if outcome == otr.SentEncrypted || outcome == otr.Held {
		l.remember(key, msg.Portal.MXID, msg.Event.ID)
	}
	if outcome != otr.Held {
		l.conn.Bridge.Matrix.SendMessageStatus(ctx, &bridgev2.MessageStatus{Status: event.MessageStatusSuccess, IsCertain: true}, info)
	}
	return true, nil
}

// refuse fails a Matrix message in a lost conversation; the first refusal
// of an episode also explains in a notice, later ones only fail.
func (l *otrLayer) refuse(key otrKey, reason string) error {
	l.announceLost(key, reason)
	return otrRefusal("Not sent: the off-the-record conversation ended. Start OTR again or end it to write without encryption.")
}

// otrRefusal is the message status of a Matrix message OTR did not send:
// failed for good (retrying would not help), with the reason and no extra
// notice from bridgev2.
func otrRefusal(reason string) error {
	return bridgev2.WrapErrorInStatus(errors.New(reason)).WithStatus(event.MessageStatusFail).
		WithIsCertain(true).WithSendNotice(false).WithErrorAsMessage()
}

// unhold removes one held message's status record (it was not held after all).
func (l *otrLayer) unhold(key otrKey, info *bridgev2.MessageStatusEventInfo) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := l.chats[key]
	if ch == nil {
		return
	}
	for i, h := range ch.held {
		if h == info {
			ch.held = append(ch.held[:i], ch.held[i+1:]...)
			return
		}
	}
}

// resolveHeld sends the message status of every held message: sent, or
// failed with reason.
func (l *otrLayer) resolveHeld(key otrKey, sent bool, reason string) {
	l.mu.Lock()
	var held []*bridgev2.MessageStatusEventInfo
	if ch := l.chats[key]; ch != nil {
		held, ch.held = ch.held, nil
	}
	l.mu.Unlock()
	if len(held) == 0 {
		return
	}
	ctx, cancel := quietCtx()
	defer cancel()
	st := &bridgev2.MessageStatus{Status: event.MessageStatusSuccess, IsCertain: true}
	if !sent {
		st = &bridgev2.MessageStatus{Status: event.MessageStatusFail, ErrorReason: event.MessageStatusGenericError,
			Message: reason, IsCertain: true}
	}
	for _, info := range held {
		l.conn.Bridge.Matrix.SendMessageStatus(ctx, st, info)
	}
}

// otrUserError turns an otr error into a sentence without the package prefix.
func otrUserError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "otr: ")
	if msg == "" {
		return "OTR error."
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
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
