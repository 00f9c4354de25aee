package bridge

import (
	"strings"

	"maunium.net/go/mautrix/bridgev2/commands"
)

// subscriptionCommand answers a contact's presence subscription request.
var subscriptionCommand = &commands.FullHandler{
	Func:    fnSubscription,
	Name:    "subscription",
	Aliases: []string{"sub"},
	Help: commands.HelpMeta{
		Section:     commands.HelpSectionChats,
		Description: "Approve or deny the contact's request to see when you are online.",
		Args:        "<approve|deny>",
	},
	RequiresPortal: true,
	RequiresLogin:  true,
}

func fnSubscription(ce *commands.Event) {
	ctx, cancel := quietCtx()
	defer cancel()
	reply := func(kind, text string) {
		sendBotNoticeLogged(ctx, ce.Log, ce.Bot, ce.RoomID, kind, text, nil) // ctx is quiet
	}
	sub := ""
	if len(ce.Args) > 0 {
		sub = strings.ToLower(ce.Args[0])
	}
	if sub != "approve" && sub != "deny" {
		reply("error", "Usage: `"+ce.Bridge.Config.CommandPrefix+" subscription approve` or `"+ce.Bridge.Config.CommandPrefix+" subscription deny`.")
		return
	}
	login := ce.Bridge.GetCachedUserLoginByID(ce.Portal.Receiver)
	if login == nil || login.UserMXID != ce.User.MXID {
		reply("not_allowed", "This chat does not belong to one of your XMPP logins.")
		return
	}
	c, _ := login.Client.(*Client)
	contact, err := parsePortalID(ce.Portal.ID)
	if c == nil || err != nil {
		reply("not_allowed", "This room is not a chat with an XMPP contact.")
		return
	}
	if !c.pendingSubscription(contact) {
		reply("error", c.contactName(contact)+" has not asked to see when you are online.")
		return
	}
	if why := c.approveSubscription(ctx, contact, sub == "approve"); why != "" {
		reply("error", why)
		return
	}
	reply(c.subscriptionAnswered(contact, sub == "approve"))
}
