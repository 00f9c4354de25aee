package bridge

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/commands"
	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
	"mellium.im/xmpp/jid"

	"github.com/offrecord/offrecord/otr"
)

// otrHelp is the text of `otr help`.
const otrHelp = "Off-the-record (OTR) commands, in a chat with one XMPP contact:\n\n" +
	"* `$cmdprefix otr start` — ask the contact for an OTR conversation (or refresh keys if one runs)\n" +
	"* `$cmdprefix otr accept` / `deny` — answer the contact's request\n" +
	"* `$cmdprefix otr refresh` — make new keys\n" +
	"* `$cmdprefix otr end` — end OTR (also confirms after the contact ended it)\n" +
	"* `$cmdprefix otr status` — state, version, fingerprints, verification\n" +
	"* `$cmdprefix otr encrypt` — turn on Matrix end-to-end encryption in this room (OTR needs it)\n" +
	"* `$cmdprefix otr verify <secret>` — verify the contact with a secret you share (SMP)\n" +
	"* `$cmdprefix otr ask <question> | <secret>` — verify with a question they answer\n" +
	"* `$cmdprefix otr answer <secret>` — answer the contact's verification\n" +
	"* `$cmdprefix otr abort` — stop a verification\n" +
	"* `$cmdprefix otr trust` — mark the contact verified after comparing fingerprints elsewhere\n\n" +
	"OTR messages show a 🔑. Keys live only in the bridge's RAM; messages are not stored and their Matrix copies are redacted when OTR ends."

// otrCommand is the `otr` command family.
var otrCommand = &commands.FullHandler{
	Func: fnOTR,
	Name: "otr",
	Help: commands.HelpMeta{
		Section:     commands.HelpSectionChats,
		Description: "Off-the-record messaging: start, accept, deny, refresh, end, status, encrypt, verify, ask, answer, abort, trust, help.",
		Args:        "<_subcommand_> [_args_]",
	},
	RequiresPortal: true,
	RequiresLogin:  true,
}

// secretSubcommands carry SMP secrets: their command messages are redacted.
var secretSubcommands = map[string]bool{"verify": true, "ask": true, "answer": true}

func fnOTR(ce *commands.Event) {
	sub := ""
	if len(ce.Args) > 0 {
		sub = strings.ToLower(ce.Args[0])
	}
	ctx, cancel := quietCtx()
	defer cancel()
	reply := func(kind, text string, fields map[string]any) {
		text = strings.ReplaceAll(text, "$cmdprefix", ce.Bridge.Config.CommandPrefix)
		sendBotNoticeLogged(ctx, ce.Log, ce.Bot, ce.RoomID, kind, text, fields) // ctx is quiet
	}
	if secretSubcommands[sub] {
		_, err := ce.Bot.SendMessage(ctx, ce.OrigRoomID, event.EventRedaction, &event.Content{
			Parsed: &event.RedactionEventContent{Redacts: ce.EventID, Reason: "it holds an OTR verification secret"},
		}, nil)
		if err != nil {
			reply("error", "⚠️ I could not remove your message with the verification secret; delete it yourself.", nil)
		}
	}
	if sub == "" || sub == "help" {
		reply("help", otrHelp, nil)
		return
	}
	conn, ok := ce.Bridge.Network.(*Connector)
	if !ok || conn.otr == nil {
		reply("not_allowed", "Off-the-record messaging is disabled by the bridge administrator.", nil)
		return
	}
	l := conn.otr
	login := ce.Bridge.GetCachedUserLoginByID(ce.Portal.Receiver)
	if login == nil || login.UserMXID != ce.User.MXID {
		reply("not_allowed", "This chat does not belong to one of your XMPP logins.", nil)
		return
	}
	c, _ := login.Client.(*Client)
	contact, err := parsePortalID(ce.Portal.ID)
	if c == nil || err != nil {
		reply("not_allowed", "This room is not a chat with an XMPP contact.", nil)
		return
	}
	key := otrKey{login.ID, contact.String()}
	account, peer := string(login.ID), contact.String()
	if sub == "start" || sub == "accept" {
		defer l.ungate(key) // messages typed after the command wait for it (otrhooks.go)
	}
	rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(ce.RawArgs), ce.Args[0]))
	switch sub {
	case "accept", "deny":
		if kind, text := l.answer(ctx, c, ce.Portal, contact, sub == "accept"); kind != "" {
			reply(kind, text, map[string]any{"state": l.mgr.Status(account, peer).State.String()})
		}
		return
	case "start", "refresh":
		full, why := l.precondition(ctx, c, ce.Portal, contact)
		if why != "" {
			reply("not_allowed", why, nil)
			return
		}
		if sub == "start" {
			l.setPeer(key, full)
			if l.mgr.Status(account, peer).State == otr.StateFinished {
				l.over(ctx, key, false) // the user confirms the buddy's end by starting again
			}
			err = l.mgr.Start(account, peer)
		} else {
			err = l.mgr.Refresh(account, peer)
		}
	case "end":
		err = l.userEnd(key, func() error { return l.mgr.End(account, peer) })
		if errors.Is(err, otr.ErrNoSession) {
			if l.endLost(key) {
				reply("ended", "Your messages to "+contact.String()+" are sent without encryption again.", map[string]any{"state": "plaintext"})
				return
			}
			reply("error", "There is no off-the-record conversation to end.", nil)
			return
		}
	case "encrypt":
		kind, text := l.encryptPortal(ctx, ce.Portal)
		reply(kind, text, nil)
		return
	case "status":
		st := l.mgr.Status(account, peer)
		text, state := statusText(contact, st), st.State.String()
		if reason := l.lostReason(key); reason != "" && st.State == otr.StatePlaintext {
			text, state = "OTR with "+contact.String()+": lost. "+l.lostText(key, reason), "lost"
		}
		reply("status", text, map[string]any{
			"state":            state,
			"version":          st.Version,
			"own_fingerprint":  st.OwnFingerprint,
			"peer_fingerprint": st.PeerFingerprint,
			"verified":         st.Verified,
			"trusted":          st.Trusted,
		})
		return
	case "verify":
		if rest == "" {
			reply("error", "Usage: `$cmdprefix otr verify <secret>`", nil)
			return
		}
		err = l.mgr.VerifySMP(account, peer, []byte(rest))
	case "ask":
		question, secret, ok := strings.Cut(rest, "|")
		question, secret = strings.TrimSpace(question), strings.TrimSpace(secret)
		if !ok || question == "" || secret == "" {
			reply("error", "Usage: `$cmdprefix otr ask <question> | <secret>`", nil)
			return
		}
		err = l.mgr.AskSMP(account, peer, question, []byte(secret))
	case "answer":
		if rest == "" {
			reply("error", "Usage: `$cmdprefix otr answer <secret>`", nil)
			return
		}
		err = l.mgr.AnswerSMP(account, peer, []byte(rest))
	case "abort":
		err = l.mgr.AbortSMP(account, peer)
	case "trust":
		err = l.mgr.Trust(account, peer)
	default:
		reply("error", "Unknown OTR command `"+sub+"`. See `$cmdprefix otr help`.", nil)
		return
	}
	if err != nil {
		reply("error", otrUserError(err), map[string]any{"state": l.mgr.Status(account, peer).State.String()})
		return
	}
	if sub == "verify" || sub == "ask" {
		reply("smp_started", "🔐 Verification started; waiting for "+c.contactName(contact)+" to answer.", nil)
	}
}

// statusText describes a session for `otr status`.
func statusText(contact jid.JID, st otr.Status) string {
	var b strings.Builder
	b.WriteString("OTR with " + contact.String() + ": " + st.State.String())
	if st.Version > 0 {
		b.WriteString(", OTR v" + strconv.Itoa(st.Version))
	}
	if st.OwnFingerprint != "" {
		b.WriteString("\n\nYour fingerprint:\n`" + st.OwnFingerprint + "`")
	}
	if st.PeerFingerprint != "" {
		b.WriteString("\nTheir fingerprint:\n`" + st.PeerFingerprint + "`")
	}
	switch {
	case st.Verified:
		b.WriteString("\n\nVerified (shared secret).")
	case st.Trusted:
		b.WriteString("\n\nTrusted (fingerprint compared).")
	case st.State == otr.StateEncrypted || st.State == otr.StateRefreshing:
		b.WriteString("\n\nNot verified: use `$cmdprefix otr verify <secret>` or compare fingerprints and `$cmdprefix otr trust`.")
	}
	return b.String()
}

// answer accepts or denies the buddy's pending request, by command or by
// reaction. It returns a notice to show when something went wrong.
func (l *otrLayer) answer(ctx context.Context, c *Client, portal *bridgev2.Portal, contact jid.JID, accept bool) (kind, text string) {
	account, peer := string(c.login.ID), contact.String()
	var err error
	if accept {
		if _, why := l.precondition(ctx, c, portal, contact); why != "" {
			return "not_allowed", why
		}
		err = l.mgr.Accept(account, peer)
	} else {
		err = l.userEnd(otrKey{c.login.ID, peer}, func() error { return l.mgr.Deny(account, peer) })
	}
	if err != nil {
		return "error", otrUserError(err)
	}
	return "", ""
}

// precondition says why OTR may not start or be accepted here, or "".
// On success it returns the buddy's best online resource.
func (l *otrLayer) precondition(ctx context.Context, c *Client, portal *bridgev2.Portal, contact jid.JID) (jid.JID, string) {
	if portal.RoomType != database.RoomTypeDM || portal.MXID == "" {
		return jid.JID{}, "OTR works only in a direct chat with one XMPP contact."
	}
	members, err := l.conn.Bridge.Matrix.GetMembers(ctx, portal.MXID)
	if err != nil {
		return jid.JID{}, "Could not check who is in this room."
	}
	others := 0
	bot := l.conn.Bridge.Bot.GetMXID()
	self := l.conn.Bridge.Matrix.FormatGhostMXID(makeUserID(c.self))
	for userID, member := range members {
		if member.Membership != event.MembershipJoin && member.Membership != event.MembershipInvite {
			continue
		}
		if userID == bot || userID == self || userID == c.login.UserMXID {
			continue
		}
		others++
	}
	if others != 1 {
		return jid.JID{}, "OTR works only in a direct chat with exactly one other person; this room has " + plural(others) + "."
	}
	xc, up := c.awaitXMPP(ctx)
	if up != nil {
		return jid.JID{}, "You are not connected to XMPP right now."
	}
	full, ok := bestResource(xc, contact)
	if !ok {
		// No presence seen (e.g. no subscription yet), but the buddy just wrote OTR to us.
		full, ok = l.reachablePeer(otrKey{c.login.ID, contact.String()})
	}
	if !ok {
		return jid.JID{}, c.contactName(contact) + " is offline. Off-the-record needs both of you online: try again when they are."
	}
	if l.cfg.RequireEncryptedPortal && !l.roomEncrypted(ctx, portal.MXID) {
		return jid.JID{}, l.unencryptedText()
	}
	return full, ""
}

// roomEncrypted reports whether a Matrix room has m.room.encryption.
func (l *otrLayer) roomEncrypted(ctx context.Context, room id.RoomID) bool {
	ms, ok := l.conn.Bridge.Matrix.(bridgev2.MatrixConnectorWithArbitraryRoomState)
	if !ok {
		return false
	}
	evt, err := ms.GetStateEvent(ctx, room, event.StateEncryption, "")
	return err == nil && evt != nil
}

func plural(n int) string {
	switch n {
	case 0:
		return "nobody else"
	case 1:
		return "one other person"
	}
	return strconv.Itoa(n) + " other people"
}
