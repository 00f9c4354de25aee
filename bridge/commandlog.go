package bridge

import (
	"context"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/id"
)

// commandLog gives each bot command a logger of its own. mautrix's command
// processor adds an mx_command field with UpdateContext on the logger of the
// context it is given, and for commands that logger is shared: every command
// added one more field to every later log line of the bridge (62 copies
// after a few dozen commands). With a copy per command the field lands on
// that copy only.
type commandLog struct {
	inner bridgev2.CommandProcessor
}

// Handle runs the command with a fresh copy of the context's logger.
func (cl commandLog) Handle(ctx context.Context, roomID id.RoomID, eventID id.EventID, user *bridgev2.User, message string, replyTo id.EventID) {
	log := zerolog.Ctx(ctx).With().Logger()
	cl.inner.Handle(log.WithContext(ctx), roomID, eventID, user, message, replyTo)
}

// PostInit runs after mxmain created the bridge and before it starts: it
// wraps the command processor (mxmain itself needs the bare processor until
// then).
func (c *Connector) PostInit() {
	if _, wrapped := c.Bridge.Commands.(commandLog); !wrapped {
		c.Bridge.Commands = commandLog{inner: c.Bridge.Commands}
	}
}
