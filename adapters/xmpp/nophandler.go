package xmpp

import "mellium.im/xmpp/jid"

// NopHandler is a Handler that ignores every event. Embed it in a handler
// to implement only the methods that matter to it.
type NopHandler struct{}

var _ Handler = NopHandler{}

// HandleMessage ignores the message.
func (NopHandler) HandleMessage(*Message) {}

// HandleChatState ignores the chat state.
func (NopHandler) HandleChatState(jid.JID, ChatState, Carbon) {}

// HandleReceipt ignores the receipt.
func (NopHandler) HandleReceipt(jid.JID, string) {}

// HandleDisplayed ignores the marker.
func (NopHandler) HandleDisplayed(jid.JID, string, Carbon) {}

// HandlePresence ignores the presence.
func (NopHandler) HandlePresence(*Presence) {}

// HandleRoster ignores the roster.
func (NopHandler) HandleRoster([]RosterItem, bool) {}

// HandleConnState ignores the state change.
func (NopHandler) HandleConnState(ConnState, error) {}

// HandleError ignores the error.
func (NopHandler) HandleError(error) {}

var _ AvatarHandler = NopHandler{}

// HandleAvatar ignores the avatar announcement.
func (NopHandler) HandleAvatar(jid.JID, AvatarRef) {}
