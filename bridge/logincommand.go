package bridge

import (
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/commands"
	"maunium.net/go/mautrix/event"
)

// The password never stays visible silently: mautrix's login command
// redacts the message that holds the password, and when the bot has no
// power to redact in that room (a DM made with the private_chat preset gives
// it power level 0) the redaction fails with only a log line. loginCommand
// wraps it: in such a room it does not ask for a password at all, and a
// password already typed inline is pointed out at once.

// loginCommand is mautrix's login command behind that check.
var loginCommand = wrapLogin(commands.CommandLogin)

func wrapLogin(orig *commands.FullHandler) *commands.FullHandler {
	h := *orig
	h.Func = func(ce *commands.Event) {
		if botCanRedact(ce) {
			orig.Func(ce)
			return
		}
		// "login" or "login password": the password would be asked for next.
		if len(ce.Args) <= 1 {
			ce.Reply("I cannot delete messages in this room, so I will not ask for your password here: it would stay visible to anyone who can read the room. " +
				"Give me the power to remove messages (for example make me a moderator), or start a new direct chat with me in a client that makes me an admin, then try again.")
			return
		}
		orig.Func(ce)
		ce.Reply("⚠️ I cannot delete messages in this room, so the message with your password is still visible. Delete it now, and change the password if others can read this room.")
	}
	return &h
}

// botCanRedact reports whether the bot may redact others' messages in the
// command's room. When the power levels cannot be read it says yes (the old
// behaviour), rather than refusing every login.
func botCanRedact(ce *commands.Event) bool {
	ms, ok := ce.Bridge.Matrix.(bridgev2.MatrixConnectorWithArbitraryRoomState)
	if !ok {
		return true
	}
	evt, err := ms.GetStateEvent(ce.Ctx, ce.OrigRoomID, event.StatePowerLevels, "")
	if err != nil || evt == nil {
		return true
	}
	_ = evt.Content.ParseRaw(event.StatePowerLevels)
	pl, ok := evt.Content.Parsed.(*event.PowerLevelsEventContent)
	if !ok {
		return true
	}
	return pl.GetUserLevel(ce.Bot.GetMXID()) >= pl.Redact()
}
