package xmpp

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"mellium.im/xmpp/jid"
)

// recorder is a Handler that hands every event to a channel, for tests to await.
type recorder struct {
	msgs      chan *Message
	states    chan stateEvent
	chat      chan chatEvent
	receipts  chan idEvent
	displayed chan idEvent
	presences chan *Presence
	rosters   chan rosterEvent
	errs      chan error
	blocks    chan BlocklistChange
	// onState, if set before connecting, is called in HandleConnState (on the dispatcher goroutine).
	onState func(ConnState)
}

type stateEvent struct {
	s   ConnState
	err error
}

type chatEvent struct {
	from   jid.JID
	s      ChatState
	carbon Carbon
}

type idEvent struct {
	from   jid.JID
	id     string
	carbon Carbon
}

type rosterEvent struct {
	items []RosterItem
	push  bool
}

func newRecorder() *recorder {
	const n = 10000
	return &recorder{
		msgs: make(chan *Message, n), states: make(chan stateEvent, n), chat: make(chan chatEvent, n),
		receipts: make(chan idEvent, n), displayed: make(chan idEvent, n), presences: make(chan *Presence, n),
		rosters: make(chan rosterEvent, n), errs: make(chan error, n), blocks: make(chan BlocklistChange, n),
	}
}

func (r *recorder) HandleMessage(m *Message) { r.msgs <- m }
func (r *recorder) HandleChatState(from jid.JID, s ChatState, carbon Carbon) {
	r.chat <- chatEvent{from, s, carbon}
}
func (r *recorder) HandleReceipt(from jid.JID, id string) { r.receipts <- idEvent{from: from, id: id} }
func (r *recorder) HandleDisplayed(from jid.JID, id string, carbon Carbon) {
	r.displayed <- idEvent{from, id, carbon}
}
func (r *recorder) HandlePresence(p *Presence)                 { r.presences <- p }
func (r *recorder) HandleRoster(items []RosterItem, push bool) { r.rosters <- rosterEvent{items, push} }
func (r *recorder) HandleConnState(s ConnState, err error) {
	if r.onState != nil {
		r.onState(s)
	}
	r.states <- stateEvent{s, err}
}
func (r *recorder) HandleError(err error)                  { r.errs <- err }
func (r *recorder) HandleBlocklist(change BlocklistChange) { r.blocks <- change }

const waitFor = 15 * time.Second

// await receives from ch or fails the test after waitFor.
func await[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitFor):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// awaitState skips other states until s arrives.
func (r *recorder) awaitState(t testing.TB, s ConnState) stateEvent {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		select {
		case e := <-r.states:
			if e.s == s {
				return e
			}
		case <-deadline:
			t.Fatalf("timed out waiting for state %v", s)
		}
	}
}

// awaitMessage skips messages until one with body arrives.
func (r *recorder) awaitBody(t testing.TB, body string) *Message {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		select {
		case m := <-r.msgs:
			if m.Body == body {
				return m
			}
		case <-deadline:
			t.Fatalf("timed out waiting for message %q", body)
		}
	}
}

func testLogger(t testing.TB) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel).With().Timestamp().Logger()
}

// mustJID parses s or fails.
func mustJID(t testing.TB, s string) jid.JID {
	t.Helper()
	j, err := jid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// isErr reports whether err is target, with a helpful failure.
func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want %v", err, target)
	}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
