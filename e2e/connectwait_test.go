package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/offrecord/offrecord/internal/stacktest"
)

// TestStartChatRightAfterLogin: the bot answers "Logged in" before the new
// login's XMPP session is up (it connects in the background). A user who
// types start-chat at once, and then a message, is not told "The XMPP
// connection is down.": start-chat opens the portal and the buddy gets the
// message. How often this lands inside the window depends on the machine;
// TestStartChatDuringFirstConnect holds the connection to make sure.
func TestStartChatRightAfterLogin(t *testing.T) {
	carol := newBuddy(t, "carol") // before the login: nothing runs between "Logged in" and start-chat
	alice := newMatrixUser(t, false)
	cursor := alice.Cursor()
	reply := alice.command(t, "start-chat "+carol.jid.String())
	room := createdPortal(t, alice, cursor, reply)
	text := "hi right after login " + uniqueName("m")
	if _, err := alice.SendText(ctxFor(t), room, text); err != nil {
		t.Fatal(err)
	}
	carol.waitMessage(t, text)
}

// TestStartChatDuringFirstConnect: the bridge's first connection for a new
// login is held at a proxy (the login's own check passes), so start-chat
// certainly arrives while the session is still connecting. The bridge waits
// for the connection instead of answering "The XMPP connection is down.";
// once the proxy lets it through, start-chat opens the portal and a message
// reaches the buddy.
func TestStartChatDuringFirstConnect(t *testing.T) {
	bot := startLazyBridge(t, st.connect, "connect")
	carol := newBuddy(t, "carol")
	ctx := ctxFor(t)
	p := st.connectProxy
	p.holdAfter(1) // the next connection is the login's credential check; the session's is held
	t.Cleanup(p.release)
	logAt := fileSize(st.connect.LogPath())
	alice := newMatrixUserOf(t, bot, false)
	// No login is left for the next run: its reconnect at bridge start would meet the hold.
	t.Cleanup(func() { alice.command(t, "logout "+alice.jid.String()) })
	if err := p.waitHeld(ctx, 1); err != nil {
		t.Fatal(err)
	}

	cursor := alice.Cursor()
	if _, err := alice.SendText(ctx, alice.mgmt, "start-chat "+carol.jid.String()); err != nil {
		t.Fatal(err)
	}
	waitWaiting(t, alice, cursor, logAt)
	p.release()
	reply, err := alice.WaitEventFrom(ctx, cursor, alice.mgmt, func(e *event.Event) bool { return stacktest.BotReply(alice.bot, e) })
	if err != nil {
		t.Fatalf("no answer to start-chat: %v", err)
	}
	room := createdPortal(t, alice, cursor, reply.Content.AsMessage().Body)
	text := "hi during the first connect " + uniqueName("m")
	if _, err := alice.SendText(ctx, room, text); err != nil {
		t.Fatal(err)
	}
	carol.waitMessage(t, text)
}

// createdPortal checks that start-chat answered with a new portal, waits
// until the user has joined it, and returns it.
func createdPortal(t *testing.T, mu *matrixUser, cursor int, reply string) id.RoomID {
	t.Helper()
	ctx := ctxFor(t)
	if !strings.HasPrefix(reply, "Created chat with") {
		t.Fatalf("start-chat answered %q, want the new portal", reply)
	}
	invite, err := mu.WaitEventFrom(ctx, cursor, "", func(e *event.Event) bool {
		return e.Type == event.StateMember && e.GetStateKey() == mu.UserID.String() &&
			e.Content.AsMember().Membership == event.MembershipInvite && e.RoomID != mu.mgmt
	})
	if err != nil {
		t.Fatalf("no portal invite after start-chat: %v", err)
	}
	if !strings.Contains(reply, invite.RoomID.String()) {
		t.Errorf("start-chat answered %q, which does not link the portal %s", reply, invite.RoomID)
	}
	if err := mu.WaitJoined(ctx, invite.RoomID, mu.UserID); err != nil {
		t.Fatal(err)
	}
	return invite.RoomID
}

// waitWaiting waits until the connect bridge logs that the user's session
// waits for its first connection; it fails at once if the bot answers
// start-chat (sent after cursor) first — without the wait it answers "The
// XMPP connection is down.".
func waitWaiting(t *testing.T, mu *matrixUser, cursor int, logAt int64) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctxFor(t))
	defer cancel()
	answered := make(chan string, 1)
	go func() {
		if e, err := mu.WaitEventFrom(ctx, cursor, mu.mgmt, func(e *event.Event) bool { return stacktest.BotReply(mu.bot, e) }); err == nil {
			answered <- e.Content.AsMessage().Body
		}
	}()
	account := `"account":"` + mu.jid.String() + `"`
	for {
		if data, err := os.ReadFile(st.connect.LogPath()); err == nil && int64(len(data)) > logAt {
			for _, line := range strings.Split(string(data[logAt:]), "\n") {
				if strings.Contains(line, "Waiting for the first connection attempt") && strings.Contains(line, account) {
					return
				}
			}
		}
		select {
		case body := <-answered:
			t.Fatalf("the bot answered start-chat while the first connection was held, without waiting for it: %q", body)
		case <-ctx.Done():
			t.Fatalf("the bridge never logged that %s waits for its first connection: %v", mu.jid, ctx.Err())
		case <-time.After(200 * time.Millisecond): // polling a file: the log line is the event
		}
	}
}

// holdAfter lets the next pass new connections through and holds the later
// ones (accepted, but not connected to prosody) until release.
func (p *cutProxy) holdAfter(pass int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hold, p.pass, p.held.n = make(chan struct{}), pass, 0
}

// release connects the held connections and ends the hold.
func (p *cutProxy) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hold != nil {
		close(p.hold)
		p.hold = nil
	}
}

// holdLocked is the channel a new connection waits on, nil to connect it
// now. The caller holds p.mu.
func (p *cutProxy) holdLocked() chan struct{} {
	switch {
	case p.hold == nil:
		return nil
	case p.pass > 0:
		p.pass--
		return nil
	}
	p.held.add(1)
	return p.hold
}

// waitHeld waits until at least n connections are held.
func (p *cutProxy) waitHeld(ctx context.Context, n int) error {
	if got, err := p.waitAtLeast(ctx, &p.held, n); err != nil {
		return fmt.Errorf("%d connections held, want %d: %w", got, n, err)
	}
	return nil
}
