package bridge

import (
	"context"
	"html"
	"strings"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"
)

// NoticeKey is the content field that tags the bridge bot's notices (and
// OTR messages) with what they are about, so that clients, bots and tests
// can tell them apart without reading the text.
const NoticeKey = "org.offrecord.otr"

// Notice is the value of NoticeKey on a bot notice.
type Notice struct {
	// Event names what happened: an otr event name ("started", "secure",
	// "ended", "finished", …) or one of the bridge's own kinds ("status",
	// "not_allowed", "refused", "lost", "buddy_offline", "third_member",
	// "subscription_request", "messages_lost", "not_delivered", "help", "error", …).
	Event string `json:"event"`
	// State is the OTR state after the event ("plaintext", "encrypted", "lost", …).
	State string `json:"state,omitempty"`
	// Version is the OTR protocol version of an encrypted session.
	Version int `json:"version,omitempty"`
	// OwnFingerprint and PeerFingerprint are 5×8 hex fingerprints.
	OwnFingerprint  string `json:"own_fingerprint,omitempty"`
	PeerFingerprint string `json:"peer_fingerprint,omitempty"`
	// Verified (SMP) and Trusted (fingerprint vouched for) describe the peer.
	Verified bool `json:"verified,omitempty"`
	Trusted  bool `json:"trusted,omitempty"`
	// Lost says why a conversation was lost, for the lost kinds.
	Lost string `json:"lost,omitempty"`
	// Count is how many messages the notice is about (failed, removed…).
	Count int `json:"count,omitempty"`
}

// ParseNotice reads the NoticeKey field of a Matrix event's raw content.
func ParseNotice(raw map[string]any) (Notice, bool) {
	m, ok := raw[NoticeKey].(map[string]any)
	if !ok {
		return Notice{}, false
	}
	var n Notice
	n.Event, _ = m["event"].(string)
	n.State, _ = m["state"].(string)
	if v, ok := m["version"].(float64); ok {
		n.Version = int(v)
	}
	n.OwnFingerprint, _ = m["own_fingerprint"].(string)
	n.PeerFingerprint, _ = m["peer_fingerprint"].(string)
	n.Verified, _ = m["verified"].(bool)
	n.Trusted, _ = m["trusted"].(bool)
	n.Lost, _ = m["lost"].(string)
	if v, ok := m["count"].(float64); ok {
		n.Count = int(v)
	}
	return n, n.Event != ""
}

// noticeContent renders a notice's text (Markdown: `code`, *emphasis*,
// line breaks) as an m.notice with HTML formatted_body, always.
func noticeContent(text string) *event.MessageEventContent {
	content := format.RenderMarkdown(text, true, false)
	content.MsgType = event.MsgNotice
	if content.FormattedBody == "" {
		content.Format = event.FormatHTML
		content.FormattedBody = strings.ReplaceAll(html.EscapeString(text), "\n", "<br>")
	}
	content.Mentions = &event.Mentions{}
	return &content
}

// sendBotNotice sends a tagged notice as the bot and returns its event ID
// ("" on failure, which is logged to ctx's logger).
func sendBotNotice(ctx context.Context, bot bridgev2.MatrixAPI, room id.RoomID, kind, text string, fields map[string]any) id.EventID {
	return sendBotNoticeLogged(ctx, zerolog.Ctx(ctx), bot, room, kind, text, fields)
}

// sendBotNoticeLogged is sendBotNotice with the failure logged to log: for a
// quiet ctx (quietCtx), whose logger drops everything.
func sendBotNoticeLogged(ctx context.Context, log *zerolog.Logger, bot bridgev2.MatrixAPI, room id.RoomID, kind, text string, fields map[string]any) id.EventID {
	tag := map[string]any{"event": kind}
	for k, v := range fields {
		tag[k] = v
	}
	resp, err := bot.SendMessage(ctx, room, event.EventMessage, &event.Content{
		Parsed: noticeContent(text),
		Raw:    map[string]any{NoticeKey: tag},
	}, nil)
	if err != nil {
		if log == nil {
			log = zerolog.Ctx(ctx)
		}
		log.Warn().Err(err).Str("room_id", room.String()).Str("notice", kind).Msg("Could not send a notice")
		return ""
	}
	return resp.EventID
}

// md escapes text (a name, a JID, a question) for a Markdown notice.
func md(text string) string {
	return format.EscapeMarkdown(text)
}
