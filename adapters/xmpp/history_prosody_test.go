package xmpp

import (
	"testing"
	"time"

	"github.com/offrecord/offrecord/internal/prosodytest"
)

// TestProsodyHistory pages through a real archive (prosody's mod_mam):
// archive ids are the stanza-ids the messages carried live, messages come
// oldest first with their direction, and forward and backward paging meet.
func TestProsodyHistory(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.Options{MAM: true})
	alice, ar := account(t, srv, "alice", nil)
	bob, br := account(t, srv, "bob", nil)
	online(t, alice, ar)
	online(t, bob, br)
	ctx := ctxT(t)
	bobJID := bob.LocalJID().Bare()
	before := time.Now().Add(-time.Second)

	// bob, alice, bob, bob: each waited for, so the archive order is known.
	var live []*Message
	for i, body := range []string{"one", "two", "three", "four"} {
		if i == 1 {
			if _, err := alice.Send(ctx, Outgoing{To: bobJID, Body: body}); err != nil {
				t.Fatal(err)
			}
			br.awaitBody(t, body)
			live = append(live, nil)
			continue
		}
		if _, err := bob.Send(ctx, Outgoing{To: alice.LocalJID().Bare(), Body: body}); err != nil {
			t.Fatal(err)
		}
		m := ar.awaitBody(t, body)
		if m.ServerID == "" {
			t.Fatalf("live message %q has no server stanza-id", body)
		}
		live = append(live, m)
	}

	first, err := alice.FetchHistory(ctx, HistoryQuery{With: bobJID, Max: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Messages) != 3 || first.Complete {
		t.Fatalf("first page: %d messages, complete %v; want 3, not complete", len(first.Messages), first.Complete)
	}
	rest, err := alice.FetchHistory(ctx, HistoryQuery{With: bobJID, Max: 3, After: first.Last})
	if err != nil {
		t.Fatal(err)
	}
	if len(rest.Messages) != 1 || !rest.Complete {
		t.Fatalf("second page: %d messages, complete %v; want 1, complete", len(rest.Messages), rest.Complete)
	}
	all := append(first.Messages, rest.Messages...)
	for i, body := range []string{"one", "two", "three", "four"} {
		am := all[i]
		if am.Message.Body != body {
			t.Fatalf("archive item %d is %q, want %q", i, am.Message.Body, body)
		}
		if out := i == 1; am.Outgoing != out {
			t.Errorf("%q: outgoing %v, want %v", body, am.Outgoing, out)
		}
		if am.Stamp.Before(before) || am.Stamp.After(time.Now().Add(time.Second)) || !am.Message.Delay.Equal(am.Stamp) {
			t.Errorf("%q: stamp %v, delay %v", body, am.Stamp, am.Message.Delay)
		}
		if am.Message.ServerID != am.ArchiveID {
			t.Errorf("%q: ServerID %q, archive id %q", body, am.Message.ServerID, am.ArchiveID)
		}
		if m := live[i]; m != nil {
			if am.ArchiveID != m.ServerID || am.Message.ID != m.ID {
				t.Errorf("%q: archive id %q / id %q, live stanza-id %q / id %q", body, am.ArchiveID, am.Message.ID, m.ServerID, m.ID)
			}
			if !am.Message.From.Bare().Equal(bobJID) {
				t.Errorf("%q: from %v", body, am.Message.From)
			}
		} else if !am.Message.To.Bare().Equal(bobJID) || !am.Message.From.Bare().Equal(alice.LocalJID().Bare()) {
			t.Errorf("%q: from %v to %v", body, am.Message.From, am.Message.To)
		}
	}

	// The last page, backwards from the end, ends where forward paging did.
	last, err := alice.FetchHistory(ctx, HistoryQuery{With: bobJID, Max: 2, Last: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(last.Messages) != 2 || last.Messages[0].Message.Body != "three" || last.Messages[1].Message.Body != "four" || last.Complete {
		t.Fatalf("last page: %d messages, complete %v", len(last.Messages), last.Complete)
	}
	older, err := alice.FetchHistory(ctx, HistoryQuery{With: bobJID, Max: 2, Last: true, Before: last.First})
	if err != nil {
		t.Fatal(err)
	}
	if len(older.Messages) != 2 || older.Messages[0].Message.Body != "one" || !older.Complete {
		t.Fatalf("page before the last: %d messages, complete %v", len(older.Messages), older.Complete)
	}

	// The whole archive, from a time on, and a position the server does not know.
	whole, err := alice.FetchHistory(ctx, HistoryQuery{Start: before, Max: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(whole.Messages) != 4 || !whole.Complete {
		t.Fatalf("whole archive: %d messages, complete %v", len(whole.Messages), whole.Complete)
	}
	_, err = alice.FetchHistory(ctx, HistoryQuery{After: "no-such-id", Max: 10})
	wantErr(t, err, ErrHistoryPosition)
}

// TestProsodyNoHistory: a server without an archive says so.
func TestProsodyNoHistory(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.Options{})
	alice, ar := account(t, srv, "alice", nil)
	online(t, alice, ar)
	_, err := alice.FetchHistory(ctxT(t), HistoryQuery{Max: 10})
	wantErr(t, err, ErrHistoryUnsupported)
}
