package dendritetest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/offrecord/offrecord/internal/record"
)

// UserOptions configure NewUser.
type UserOptions struct {
	// Password defaults to "password-" + localpart (Dendrite wants 8 characters or more).
	Password string
	// AutoJoin joins every room the user is invited to.
	AutoJoin bool
	// E2EE sets up end-to-end encryption (olm via goolm, SQLite crypto store in
	// StoreDir): messages to encrypted rooms are encrypted and received
	// encrypted events are decrypted before they are recorded.
	E2EE bool
	// StoreDir holds the crypto store; required with E2EE. Start-based tests
	// get t.TempDir() from NewUser.
	StoreDir string
}

// User is a logged-in Matrix client whose background /sync loop records every
// event it receives, so tests can wait for them. Record order is sync order.
type User struct {
	*mautrix.Client
	// Password is the user's password.
	Password string
	// Crypto is the E2EE helper, nil unless UserOptions.E2EE.
	Crypto *cryptohelper.CryptoHelper

	autoJoin bool
	cancel   context.CancelFunc
	syncDone chan struct{}

	events *record.Log[*event.Event] // closed with the sync loop's error when it ends
}

// NewUser creates localpart with CreateUser, starts its sync loop, and stops
// it with t.Cleanup. It fails the test on error.
func (s *Server) NewUser(t testing.TB, localpart string, opts UserOptions) *User {
	t.Helper()
	if opts.E2EE && opts.StoreDir == "" {
		opts.StoreDir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u, err := s.StartUser(ctx, localpart, opts)
	if err != nil {
		t.Fatalf("dendritetest: user %s: %v", localpart, err)
	}
	t.Cleanup(u.Close)
	return u
}

// StartUser registers localpart, logs in and starts the sync loop; call Close
// when done. It returns once the first sync has been processed.
func (s *Server) StartUser(ctx context.Context, localpart string, opts UserOptions) (*User, error) {
	if opts.Password == "" {
		opts.Password = "password-" + localpart
	}
	cli, err := s.CreateUser(ctx, localpart, opts.Password, false)
	if err != nil {
		return nil, err
	}
	return NewUserFromClient(ctx, cli, opts)
}

// NewUserFromClient wraps a logged-in client (for example from Login) and
// starts its sync loop. Call Close when done.
func NewUserFromClient(ctx context.Context, cli *mautrix.Client, opts UserOptions) (*User, error) {
	u := &User{Client: cli, Password: opts.Password, autoJoin: opts.AutoJoin,
		events: record.New[*event.Event](), syncDone: make(chan struct{})}
	syncer := &fastRetrySyncer{DefaultSyncer: mautrix.NewDefaultSyncer()}
	cli.Syncer = syncer
	firstSync := make(chan struct{})
	var once sync.Once
	syncer.OnSync(func(context.Context, *mautrix.RespSync, string) bool {
		once.Do(func() { close(firstSync) })
		return true
	})
	syncer.OnEvent(u.record)

	if opts.E2EE {
		if opts.StoreDir == "" {
			return nil, errors.New("dendritetest: E2EE needs UserOptions.StoreDir")
		}
		db := filepath.Join(opts.StoreDir, cli.UserID.Localpart()+"-"+cli.DeviceID.String()+"-crypto.db")
		helper, err := cryptohelper.NewCryptoHelper(cli, []byte("dendritetest pickle key"), db)
		if err != nil {
			return nil, fmt.Errorf("crypto helper: %w", err)
		}
		if err := helper.Init(ctx); err != nil {
			return nil, fmt.Errorf("crypto init: %w", err)
		}
		cli.Crypto = helper
		u.Crypto = helper
	}

	syncCtx, cancel := context.WithCancel(context.Background())
	u.cancel = cancel
	var syncErr error // written before syncDone is closed
	go func() {
		defer close(u.syncDone)
		if syncErr = cli.SyncWithContext(syncCtx); syncErr == nil {
			syncErr = errors.New("sync stopped")
		}
		u.events.Close(syncErr)
	}()
	select {
	case <-firstSync:
		return u, nil
	case <-u.syncDone:
		u.Close()
		return nil, fmt.Errorf("first sync: %w", syncErr)
	case <-ctx.Done():
		u.Close()
		return nil, ctx.Err()
	}
}

// Close stops the sync loop and closes the crypto store. It is idempotent.
func (u *User) Close() {
	u.cancel()
	u.StopSync()
	<-u.syncDone
	if u.Crypto != nil {
		_ = u.Crypto.Close()
	}
}

// record is the sync loop's event handler.
func (u *User) record(ctx context.Context, evt *event.Event) {
	u.events.Add(evt)

	if u.autoJoin && evt.Type == event.StateMember && evt.Mautrix.EventSource&event.SourceInvite != 0 &&
		evt.GetStateKey() == u.UserID.String() && evt.Content.AsMember().Membership == event.MembershipInvite {
		roomID := evt.RoomID
		go func() { _, _ = u.JoinRoomByID(ctx, roomID) }()
	}
}

// Cursor is the number of events recorded so far; pass it to WaitEventFrom
// to ignore older events.
func (u *User) Cursor() int { return u.events.Len() }

// Events returns the recorded events of roomID ("" for all rooms, including
// to-device and account data events), in sync order.
func (u *User) Events(roomID id.RoomID) []*event.Event {
	return slices.DeleteFunc(u.events.Since(0), func(e *event.Event) bool { return roomID != "" && e.RoomID != roomID })
}

// MessageEvents returns the recorded m.room.message timeline events of roomID
// (decrypted ones included), in sync order.
func (u *User) MessageEvents(roomID id.RoomID) []*event.Event {
	return slices.DeleteFunc(u.Events(roomID), func(e *event.Event) bool {
		return e.Type != event.EventMessage || e.Mautrix.EventSource&event.SourceTimeline == 0
	})
}

// WaitEvent returns the first recorded event, past or future, of roomID (""
// for any room) for which match returns true. It fails when ctx ends or the
// sync loop stops.
func (u *User) WaitEvent(ctx context.Context, roomID id.RoomID, match func(*event.Event) bool) (*event.Event, error) {
	return u.WaitEventFrom(ctx, 0, roomID, match)
}

// WaitEventFrom is WaitEvent ignoring the first cursor recorded events (see Cursor).
func (u *User) WaitEventFrom(ctx context.Context, cursor int, roomID id.RoomID, match func(*event.Event) bool) (*event.Event, error) {
	e, _, err := u.events.Wait(ctx, cursor, func(e *event.Event) bool {
		return (roomID == "" || e.RoomID == roomID) && match(e)
	})
	if err != nil {
		return nil, fmt.Errorf("dendritetest: %s: waiting for an event in %q: %w", u.UserID, roomID, err)
	}
	return e, nil
}

// WaitJoined waits until userID's membership in roomID is join, as seen by
// this user's sync.
func (u *User) WaitJoined(ctx context.Context, roomID id.RoomID, userID id.UserID) error {
	_, err := u.WaitEvent(ctx, roomID, func(e *event.Event) bool {
		return e.Type == event.StateMember && e.GetStateKey() == userID.String() &&
			e.Mautrix.EventSource&event.SourceJoin != 0 &&
			e.Content.AsMember().Membership == event.MembershipJoin
	})
	return err
}

// CreateDM creates a private room with other invited (and, with encrypted,
// m.room.encryption set), waits until this user is in it, and returns it.
func (u *User) CreateDM(ctx context.Context, other id.UserID, encrypted bool) (id.RoomID, error) {
	req := &mautrix.ReqCreateRoom{Preset: "trusted_private_chat", IsDirect: true, Invite: []id.UserID{other}}
	if encrypted {
		req.InitialState = []*event.Event{{
			Type:    event.StateEncryption,
			Content: event.Content{Parsed: &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}},
		}}
	}
	resp, err := u.CreateRoom(ctx, req)
	if err != nil {
		return "", err
	}
	if err := u.WaitJoined(ctx, resp.RoomID, u.UserID); err != nil {
		return "", err
	}
	return resp.RoomID, nil
}

// SendText sends a plain m.text message (encrypted if the room is and E2EE
// is on) and returns its event ID.
func (u *User) SendText(ctx context.Context, roomID id.RoomID, text string) (id.EventID, error) {
	resp, err := u.Client.SendText(ctx, roomID, text)
	if err != nil {
		return "", err
	}
	return resp.EventID, nil
}

// WaitTyping waits for an m.typing ephemeral event in roomID whose typing
// list contains userID (typing true) or does not (typing false).
func (u *User) WaitTyping(ctx context.Context, roomID id.RoomID, userID id.UserID, typing bool) error {
	_, err := u.WaitEvent(ctx, roomID, func(e *event.Event) bool {
		c, ok := e.Content.Parsed.(*event.TypingEventContent)
		return e.Type == event.EphemeralEventTyping && ok && slices.Contains(c.UserIDs, userID) == typing
	})
	return err
}

// WaitReceipt waits for an m.receipt ephemeral event in roomID saying that
// userID has read eventID (any receipt type, m.read or m.read.private).
func (u *User) WaitReceipt(ctx context.Context, roomID id.RoomID, eventID id.EventID, userID id.UserID) error {
	_, err := u.WaitEvent(ctx, roomID, func(e *event.Event) bool {
		c, ok := e.Content.Parsed.(*event.ReceiptEventContent)
		if e.Type != event.EphemeralEventReceipt || !ok {
			return false
		}
		for _, users := range (*c)[eventID] {
			if _, ok := users[userID]; ok {
				return true
			}
		}
		return false
	})
	return err
}

// fastRetrySyncer retries failed syncs after a short pause instead of
// mautrix's 10 s, so users resume quickly after Server.Start.
type fastRetrySyncer struct {
	*mautrix.DefaultSyncer
}

// OnFailedSync keeps stopping on a bad token but otherwise retries in 250 ms.
func (s *fastRetrySyncer) OnFailedSync(res *mautrix.RespSync, err error) (time.Duration, error) {
	if errors.Is(err, mautrix.MUnknownToken) {
		return 0, err
	}
	return 250 * time.Millisecond, nil
}
