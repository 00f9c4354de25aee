package bridge

import (
	"context"

	"maunium.net/go/mautrix/bridgev2/matrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/offrecord/offrecord/otr"
)

// Two people, for the whole session: OTR is checked for a room with only the
// user and their contact when it starts, and this watch keeps it so. When
// anyone else joins or is invited while a conversation is (or was) off the
// record, OTR ends at once (the buddy is told), the Matrix copies of OTR
// messages are redacted whatever redact_on_end says (the newcomer could read
// the room's history), nothing more is posted off the record, and the user is
// told why. Start and accept stay refused while the room has more than two
// people (precondition in otrcommands.go).

// watchMembers has the Matrix connector show every membership event to
// handleMember first. It must run before the Matrix connector starts.
func (c *Connector) watchMembers() {
	mc, ok := c.Bridge.Matrix.(*matrix.Connector)
	if !ok || mc.EventProcessor == nil {
		return
	}
	mc.EventProcessor.PrependHandler(event.StateMember, c.handleMember)
}

// handleMember ends OTR in a portal that gets a third member.
func (c *Connector) handleMember(ctx context.Context, evt *event.Event) {
	l := c.otrLayer.Load()
	if l == nil || evt.StateKey == nil {
		return
	}
	switch evt.Content.AsMember().Membership {
	case event.MembershipJoin, event.MembershipInvite:
	default:
		return
	}
	target := id.UserID(*evt.StateKey)
	if target == c.Bridge.Bot.GetMXID() {
		return
	}
	if _, isGhost := c.Bridge.Matrix.ParseGhostMXID(target); isGhost {
		return
	}
	portal, err := c.Bridge.GetPortalByMXID(ctx, evt.RoomID)
	if err != nil || portal == nil {
		return
	}
	login := c.Bridge.GetCachedUserLoginByID(portal.Receiver)
	if login == nil || login.UserMXID == target {
		return
	}
	contact, err := parsePortalID(portal.ID)
	if err != nil {
		return
	}
	key := otrKey{login.ID, contact.String()}
	if !l.onRecord(key) {
		return
	}
	// Synchronously: from here on nothing is posted or sent off the record.
	l.setLost(key, lostThirdMember)
	l.setMark(key, "lost")
	copies := l.takeCopies(key)
	go func() {
		qctx, cancel := quietCtx()
		defer cancel()
		l.redact(qctx, copies, "someone else joined this room")
		if err := l.mgr.End(string(key.login), key.contact); err != nil {
			// No session in RAM (e.g. lost after a restart): the lost state is enough.
			l.announceLost(key, lostThirdMember)
		}
	}()
}

// onRecord reports whether a conversation is, or was and not yet confirmed,
// off the record: a session in any state but plaintext, or a lost one.
func (l *otrLayer) onRecord(key otrKey) bool {
	if l.lostReason(key) != "" {
		return true
	}
	return l.mgr.Status(string(key.login), key.contact).State != otr.StatePlaintext
}
