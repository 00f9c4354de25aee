package e2e

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"

	"github.com/offrecord/offrecord/internal/dendritetest"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// TestChatBothWays covers a DM from the first incoming message on: text both
// ways, typing, receipts, read markers and corrections in both directions.
func TestChatBothWays(t *testing.T) {
	alice := newMatrixUser(t, false)
	bob := newBuddy(t, "bob")
	ctx := ctxFor(t)
	ghost := ghostOf(bob.jid)

	// XMPP -> Matrix: the first message creates the portal.
	firstID := bob.send(t, alice.jid, xmppad.Outgoing{Body: "hello from xmpp", RequestReceipt: true, Markable: true})
	first := alice.waitFrom(t, ghost, "hello from xmpp")
	portal := first.RoomID
	// The bridge acknowledges the message with a XEP-0184 receipt once it is in Matrix.
	waitFor(t, bob, func(r receiptEvt) bool { return r.id == firstID })
	// Matrix read receipts and typing reach the bridge as ephemeral events,
	// which Dendrite v0.15.2 does not push to appservices (MSC2409), so the
	// Matrix -> XMPP direction of both is not tested here.

	// Matrix -> XMPP.
	sent, err := alice.SendText(ctx, portal, "hello from matrix")
	if err != nil {
		t.Fatal(err)
	}
	msg := bob.waitMessage(t, "hello from matrix")
	if !msg.From.Bare().Equal(alice.jid) || !msg.ReceiptRequested || !msg.Markable {
		t.Errorf("message from %s receipt=%v markable=%v", msg.From, msg.ReceiptRequested, msg.Markable)
	}

	// Bob's receipt shows as delivered to the ghost; his displayed marker as a read receipt.
	if err := bob.client.SendReceipt(ctx, msg.From, msg.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.WaitEvent(ctx, portal, func(e *event.Event) bool {
		if e.Type != event.BeeperMessageStatus {
			return false
		}
		st, ok := e.Content.Parsed.(*event.BeeperMessageStatusEventContent)
		if !ok || st.DeliveredToUsers == nil {
			return false
		}
		for _, u := range *st.DeliveredToUsers {
			if u == ghost && st.RelatesTo.EventID == sent {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no delivery status for the receipt: %v", err)
	}
	if err := bob.client.SendDisplayed(ctx, msg.From, msg.ID); err != nil {
		t.Fatal(err)
	}
	if err := alice.WaitReceipt(ctx, portal, sent, ghost); err != nil {
		t.Fatalf("no read receipt from the ghost: %v", err)
	}

	// XMPP chat states show as typing.
	if err := bob.client.SendChatState(ctx, alice.jid, xmppad.ChatComposing); err != nil {
		t.Fatal(err)
	}
	if err := alice.WaitTyping(ctx, portal, ghost, true); err != nil {
		t.Fatalf("ghost typing not shown: %v", err)
	}
	if err := bob.client.SendChatState(ctx, alice.jid, xmppad.ChatPaused); err != nil {
		t.Fatal(err)
	}
	if err := alice.WaitTyping(ctx, portal, ghost, false); err != nil {
		t.Fatalf("ghost typing not stopped: %v", err)
	}

	// Corrections both ways.
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "hello form xmpp", Replace: firstID})
	if _, err := alice.WaitEvent(ctx, portal, func(e *event.Event) bool {
		c := e.Content.AsMessage()
		return e.Sender == ghost && c.RelatesTo != nil && c.RelatesTo.Type == event.RelReplace &&
			c.RelatesTo.EventID == first.ID && c.NewContent != nil && c.NewContent.Body == "hello form xmpp"
	}); err != nil {
		t.Fatalf("correction not bridged as an edit: %v", err)
	}
	edit := &event.MessageEventContent{MsgType: event.MsgText, Body: "* hello from matrix!"}
	edit.SetEdit(sent)
	edit.NewContent.Body = "hello from matrix!"
	if _, err := alice.SendMessageEvent(ctx, portal, event.EventMessage, edit); err != nil {
		t.Fatal(err)
	}
	corr := bob.waitMessage(t, "hello from matrix!")
	if corr.Replace != msg.ID {
		t.Errorf("correction replaces %q, want %q", corr.Replace, msg.ID)
	}

	// Text that looks like OTR is escaped and cannot start a handshake.
	if _, err := alice.SendText(ctx, portal, "?OTRv23? not a query"); err != nil {
		t.Fatal(err)
	}
	escaped := waitFor(t, bob, func(m *xmppad.Message) bool { return strings.Contains(m.Body, "not a query") })
	if strings.Contains(escaped.Body, "?OTR") {
		t.Errorf("OTR marker reached XMPP unescaped: %q", escaped.Body)
	}
}

// TestCarbonFromOtherResource: a message the user sends from another XMPP
// client of the same account shows in the portal as the user's own.
func TestCarbonFromOtherResource(t *testing.T) {
	alice := newMatrixUser(t, false)
	bob := newBuddy(t, "bob")
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "ping"})
	portal := alice.waitFrom(t, ghostOf(bob.jid), "ping").RoomID

	phone := connectBuddy(t, alice.jid, alice.pass, "phone")
	phone.send(t, bob.jid, xmppad.Outgoing{Body: "sent from my phone"})
	bob.waitMessage(t, "sent from my phone")
	// No double puppeting here: the fallback is the account's own ghost.
	evt := alice.waitFrom(t, ghostOf(alice.jid), "sent from my phone")
	if evt.RoomID != portal {
		t.Errorf("carbon went to %s, want the portal %s", evt.RoomID, portal)
	}
}

// TestFilesBothWays bridges a XEP-0363 upload to Matrix media and back.
func TestFilesBothWays(t *testing.T) {
	alice := newMatrixUser(t, false)
	bob := newBuddy(t, "bob")
	ctx := ctxFor(t)
	data := make([]byte, 3000)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	link, err := bob.client.Upload(ctx, "noise.bin", int64(len(data)), "application/octet-stream", bytes.NewReader(data))
	if err != nil {
		t.Fatalf("XEP-0363 upload: %v", err)
	}
	bob.send(t, alice.jid, xmppad.Outgoing{Body: link, OOB: &xmppad.OOB{URL: link}})
	evt, err := alice.WaitEvent(ctx, "", func(e *event.Event) bool {
		return e.Sender == ghostOf(bob.jid) && e.Type == event.EventMessage && e.Content.AsMessage().MsgType == event.MsgFile
	})
	if err != nil {
		t.Fatalf("file not bridged: %v", err)
	}
	content := evt.Content.AsMessage()
	if content.Body != "noise.bin" {
		t.Errorf("file name %q", content.Body)
	}
	got, err := alice.DownloadBytes(ctx, content.URL.ParseOrIgnore())
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Matrix copy differs (err %v)", err)
	}

	// Matrix -> XMPP: upload to Matrix, send m.file, bob gets an OOB link with the same bytes.
	up, err := alice.UploadBytesWithName(ctx, data[:1000], "application/octet-stream", "back.bin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.SendMessageEvent(ctx, evt.RoomID, event.EventMessage, &event.MessageEventContent{
		MsgType: event.MsgFile, Body: "back.bin", FileName: "back.bin", URL: up.ContentURI.CUString(),
		Info: &event.FileInfo{MimeType: "application/octet-stream", Size: 1000},
	}); err != nil {
		t.Fatal(err)
	}
	m := waitFor(t, bob, func(m *xmppad.Message) bool { return len(m.OOB) > 0 })
	back, _, err := bob.client.Download(ctx, m.OOB[0].URL, 1<<20)
	if err != nil || !bytes.Equal(back, data[:1000]) {
		t.Fatalf("XMPP copy differs (err %v)", err)
	}
}

// TestStartChatByJID opens a portal from Matrix with start-chat.
func TestStartChatByJID(t *testing.T) {
	alice := newMatrixUser(t, false)
	carol := newBuddy(t, "carol")
	room := startChat(t, alice, carol.jid)
	if _, err := alice.SendText(ctxFor(t), room, "hi carol"); err != nil {
		t.Fatal(err)
	}
	carol.waitMessage(t, "hi carol")
}

// TestWrongPassword: a wrong password gets one clear message and no login.
func TestWrongPassword(t *testing.T) {
	ctx := ctxFor(t)
	account, _ := xmppAccount(t, "wrong")
	u := st.hs.NewUser(t, uniqueName("matrix"), dendritetest.UserOptions{AutoJoin: true})
	mgmt, err := u.CreateDM(ctx, st.bot, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.WaitJoined(ctx, mgmt, st.bot); err != nil {
		t.Fatal(err)
	}
	mu := &matrixUser{User: u, mgmt: mgmt, bot: st.bot}
	reply := mu.command(t, "login password "+account.String()+" not-the-password")
	if !strings.Contains(reply, "refused the address or password") {
		t.Errorf("reply = %q, want a clear wrong-password message", reply)
	}
	if strings.Contains(reply, "not-the-password") {
		t.Error("the reply echoes the password")
	}
	if reply := mu.command(t, "list-logins"); strings.Contains(reply, account.String()) {
		t.Errorf("a failed login was stored: %q", reply)
	}
}

// TestEncryptedPortal: with Matrix E2EE in the portal (encryption.default on
// the second bridge), messages flow both ways and are encrypted in Matrix.
func TestEncryptedPortal(t *testing.T) {
	bot := startE2EEBridge(t)
	alice := newMatrixUserOf(t, bot, true)
	bob := newBuddy(t, "bob")
	ctx := ctxFor(t)
	ghost := ghostWithPrefix(e2eeGhostPrefix, bob.jid)
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "secret over xmpp"})
	evt := alice.waitFrom(t, ghost, "secret over xmpp")
	if !evt.Mautrix.WasEncrypted {
		t.Error("the bridged message was not encrypted in Matrix")
	}
	if _, err := alice.WaitEvent(ctx, evt.RoomID, func(e *event.Event) bool { return e.Type == event.StateEncryption }); err != nil {
		t.Fatalf("portal has no m.room.encryption: %v", err)
	}
	if _, err := alice.SendText(ctx, evt.RoomID, "secret over matrix"); err != nil {
		t.Fatal(err)
	}
	bob.waitMessage(t, "secret over matrix")
}

// TestReconnectAfterServerRestart: messages sent from Matrix while prosody
// is down are delivered, in order, after the bridge reconnects.
func TestReconnectAfterServerRestart(t *testing.T) {
	alice := newMatrixUser(t, false)
	bob := newBuddy(t, "bob")
	ctx := ctxFor(t)
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "before restart"})
	portal := alice.waitFrom(t, ghostOf(bob.jid), "before restart").RoomID

	cursor := alice.Cursor()
	st.prosody.Stop()
	// The user is told that the connection is down.
	alice.waitState(t, cursor, "TRANSIENT_DISCONNECT")
	for _, body := range []string{"queued one", "queued two", "queued three"} {
		if _, err := alice.SendText(ctx, portal, body); err != nil {
			t.Fatal(err)
		}
	}
	cursor = alice.Cursor()
	if err := st.prosody.Start(); err != nil {
		t.Fatalf("restarting prosody: %v", err)
	}
	// ... and that it is back.
	alice.waitState(t, cursor, "CONNECTED")
	var got []string
	for len(got) < 3 {
		m := waitFor(t, bob, func(m *xmppad.Message) bool { return strings.HasPrefix(m.Body, "queued ") })
		got = append(got, m.Body)
	}
	if strings.Join(got, ",") != "queued one,queued two,queued three" {
		t.Errorf("after reconnect bob got %q", got)
	}
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "after restart"})
	alice.waitFrom(t, ghostOf(bob.jid), "after restart")
}

// TestPasswordNotLoggedOrStored: after a login the XMPP password is in
// neither the bridge's trace-level log nor its database files.
func TestPasswordNotLoggedOrStored(t *testing.T) {
	alice := newMatrixUser(t, false)
	bob := newBuddy(t, "bob")
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "after login"})
	alice.waitFrom(t, ghostOf(bob.jid), "after login")
	for _, path := range []string{st.bridge.LogPath(), st.bridge.StdoutPath(), st.bridge.DBPath(), st.bridge.DBPath() + "-wal", st.bridge.DBPath() + "-shm"} {
		data, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(alice.pass)) {
			t.Errorf("the XMPP password appears in %s", filepath.Base(path))
		}
	}
}
