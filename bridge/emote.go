package bridge

import (
	"strings"

	"maunium.net/go/mautrix/event"
)

// XMPP writes an emote as a body starting with "/me " (XEP-0245); Matrix
// has the m.emote message type. These two are the only place that maps one
// to the other, both ways.

const emotePrefix = "/me "

// xmppBody is the XMPP body of Matrix text: the text, with "/me " for an emote.
func xmppBody(msgType event.MessageType, text string) string {
	if msgType == event.MsgEmote {
		return emotePrefix + text
	}
	return text
}

// matrixText splits an XMPP body into the Matrix message type and text.
func matrixText(body string) (event.MessageType, string) {
	if rest, ok := strings.CutPrefix(body, emotePrefix); ok {
		return event.MsgEmote, rest
	}
	return event.MsgText, body
}
