package dendritetest

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestCreateUser(t *testing.T) {
	s := Start(t, Options{})
	ctx := testContext(t)

	cli, err := s.CreateUser(ctx, "alice", "secret-pw", false)
	if err != nil {
		t.Fatal(err)
	}
	if want := id.UserID("@alice:localhost"); cli.UserID != want {
		t.Errorf("UserID = %s, want %s", cli.UserID, want)
	}
	who, err := cli.Whoami(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if who.UserID != cli.UserID || who.DeviceID == "" {
		t.Errorf("whoami = %+v", who)
	}
	if _, err := s.CreateUser(ctx, "alice", "other", false); err == nil {
		t.Error("registering alice twice succeeded")
	}
	if _, err := s.Login(ctx, "alice", "wrong"); err == nil {
		t.Error("login with a wrong password succeeded")
	}
	// Open registration must be off: only the shared secret makes users.
	anon, _ := mautrix.NewClient(s.URL(), "", "")
	if _, _, err := anon.Register(ctx, &mautrix.ReqRegister[any]{Username: "mallory", Password: "x"}); err == nil {
		t.Error("open registration succeeded")
	}
}

func TestMessageAndEphemeral(t *testing.T) {
	s := Start(t, Options{})
	ctx := testContext(t)
	alice := s.NewUser(t, "alice", UserOptions{})
	bob := s.NewUser(t, "bob", UserOptions{})

	roomID, err := alice.CreateDM(ctx, bob.UserID, false)
	if err != nil {
		t.Fatal(err)
	}
	invited, err := bob.AcceptInvite(ctx, func(e *event.Event) bool { return e.Sender == alice.UserID })
	if err != nil {
		t.Fatal(err)
	}
	if invited != roomID {
		t.Fatalf("bob was invited to %s, want %s", invited, roomID)
	}
	if err := alice.WaitJoined(ctx, roomID, bob.UserID); err != nil {
		t.Fatal(err)
	}

	evtID, err := alice.SendText(ctx, roomID, "hello bob")
	if err != nil {
		t.Fatal(err)
	}
	got, err := bob.WaitMessage(ctx, roomID, "hello bob")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != evtID || got.Sender != alice.UserID {
		t.Errorf("bob got %s from %s, want %s from %s", got.ID, got.Sender, evtID, alice.UserID)
	}
	if b := bob.Bodies(roomID); len(b) != 1 || b[0] != "hello bob" {
		t.Errorf("bob's bodies = %q", b)
	}

	if err := bob.SetTyping(ctx, roomID, true); err != nil {
		t.Fatal(err)
	}
	if err := alice.WaitTyping(ctx, roomID, bob.UserID, true); err != nil {
		t.Fatal(err)
	}
	if err := bob.MarkRead(ctx, roomID, evtID); err != nil {
		t.Fatal(err)
	}
	if err := alice.WaitReceipt(ctx, roomID, evtID, bob.UserID); err != nil {
		t.Fatal(err)
	}

	// WaitEventFrom ignores what came before the cursor.
	cur := bob.Cursor()
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := bob.WaitEventFrom(short, cur, roomID, func(e *event.Event) bool {
		return e.Type == event.EventMessage
	}); err == nil {
		t.Error("WaitEventFrom matched an event before the cursor")
	}
}

func TestAutoJoinAndEncryption(t *testing.T) {
	s := Start(t, Options{})
	ctx := testContext(t)
	alice := s.NewUser(t, "alice", UserOptions{E2EE: true})
	bob := s.NewUser(t, "bob", UserOptions{E2EE: true, AutoJoin: true})

	roomID, err := alice.CreateDM(ctx, bob.UserID, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.WaitJoined(ctx, roomID, bob.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.SendText(ctx, roomID, "secret hello"); err != nil {
		t.Fatal(err)
	}
	got, err := bob.WaitMessage(ctx, roomID, "secret hello")
	if err != nil {
		t.Fatal(err)
	}
	if got.Mautrix.EventSource&event.SourceDecrypted == 0 {
		t.Error("message was not decrypted, so it was not sent encrypted")
	}
	// The server only saw ciphertext.
	if _, err := bob.WaitEvent(ctx, roomID, func(e *event.Event) bool {
		return e.Type == event.EventEncrypted && e.ID == got.ID
	}); err != nil {
		t.Fatal(err)
	}
}

func TestRestartKeepsData(t *testing.T) {
	s := Start(t, Options{})
	ctx := testContext(t)
	alice := s.NewUser(t, "alice", UserOptions{})
	port := s.Port()
	resp, err := alice.CreateRoom(ctx, &mautrix.ReqCreateRoom{Name: "kept"})
	if err != nil {
		t.Fatal(err)
	}
	roomID := resp.RoomID

	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Port() != port {
		t.Errorf("port changed from %d to %d", port, s.Port())
	}
	// The old access token still works and the room survived.
	if _, err := alice.SendText(ctx, roomID, "after restart"); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.WaitMessage(ctx, roomID, "after restart"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, "alice", alice.Password); err != nil {
		t.Fatal(err)
	}
}

func TestAppserviceRegistration(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "registration.yaml")
	const hsToken = "hs-token-for-test"
	err := os.WriteFile(reg, []byte(`id: testbridge
url: http://127.0.0.1:9
as_token: as-token-for-test
hs_token: `+hsToken+`
sender_localpart: testbot
rate_limited: false
namespaces:
  users:
  - regex: '@test_.*:localhost'
    exclusive: true
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	s := Start(t, Options{AppserviceRegistrations: []string{reg}})
	ctx := testContext(t)

	// The appservice's token is accepted and its sender exists.
	as, err := mautrix.NewClient(s.URL(), s.UserID("testbot"), "as-token-for-test")
	if err != nil {
		t.Fatal(err)
	}
	who, err := as.Whoami(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if who.UserID != s.UserID("testbot") {
		t.Errorf("whoami = %s", who.UserID)
	}
	// A ghost in the appservice's namespace can be registered by it.
	_, _, err = as.Register(ctx, &mautrix.ReqRegister[any]{
		Username:     "test_ghost",
		Type:         mautrix.AuthTypeAppservice,
		InhibitLogin: true,
	})
	if err != nil {
		t.Fatalf("register ghost: %v", err)
	}
	// The appservice can act as its ghost.
	as.UserID = s.UserID("test_ghost")
	as.SetAppServiceUserID = true
	who, err = as.Whoami(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if who.UserID != s.UserID("test_ghost") {
		t.Errorf("whoami as ghost = %s", who.UserID)
	}
}

func TestMissingBinaries(t *testing.T) {
	_, err := StartDir(t.TempDir(), Options{BinDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "make deps") {
		t.Fatalf("err = %v, want a hint to run make deps", err)
	}
}

func TestVersionsEndpoint(t *testing.T) {
	s := Start(t, Options{})
	resp, err := http.Get(s.URL() + "/_matrix/client/versions")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if s.ServerName() != "localhost" {
		t.Errorf("server name %q", s.ServerName())
	}
}

func TestDetachedStopDir(t *testing.T) {
	dir := t.TempDir()
	ctx := testContext(t)
	s, err := StartDir(dir, Options{Detached: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateUser(ctx, "alice", "password-alice", false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "dendrite.pid")); err != nil {
		t.Fatal(err)
	}
	if err := StopDir(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(s.URL() + "/_matrix/client/versions"); err == nil {
		t.Error("Dendrite still answers after StopDir")
	}
	if err := StopDir(dir); err != nil {
		t.Errorf("second StopDir: %v", err)
	}

	// The same folder starts again with its data and shared secret.
	s2, err := StartDir(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.Login(ctx, "alice", "password-alice"); err != nil {
		t.Fatal(err)
	}
	if s2.SharedSecret() != s.SharedSecret() {
		t.Error("shared secret changed on reuse of the folder")
	}
	if _, err := s2.CreateUser(ctx, "bob", "password-bob", false); err != nil {
		t.Fatal(err)
	}
}
