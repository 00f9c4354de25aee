package bridge

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/otr"
)

// fakeArchive serves pages of a list of items (oldest first) as a server
// pages backward with RSM before, counting the queries.
type fakeArchive struct {
	items   []*xmppad.ArchivedMessage
	page    int // items per page
	queries int
}

func (f *fakeArchive) fetch(_ context.Context, q xmppad.HistoryQuery) (*xmppad.HistoryPage, error) {
	f.queries++
	end := len(f.items)
	if q.Before != "" {
		end = -1
		for i, am := range f.items {
			if am.ArchiveID == q.Before {
				end = i
			}
		}
		if end < 0 {
			return nil, xmppad.ErrHistoryPosition
		}
	}
	start := max(0, end-f.page)
	p := &xmppad.HistoryPage{Messages: f.items[start:end], Complete: start == 0}
	if start < end {
		p.First, p.Last = f.items[start].ArchiveID, f.items[end-1].ArchiveID
	}
	return p, nil
}

var (
	testSelf    = jid.MustParse("me@example.org")
	testContact = jid.MustParse("bob@example.org")
)

// chat makes an archived chat message from bob (or, out, to bob).
func chat(n int, body string, out bool) *xmppad.ArchivedMessage {
	m := &xmppad.Message{ID: "m" + strconv.Itoa(n), Type: stanza.ChatMessage, Body: body,
		From: jid.MustParse("bob@example.org/phone"), To: testSelf, Delay: time.Unix(int64(1000+n), 0), ServerID: "a" + strconv.Itoa(n)}
	if out {
		m.From, m.To = jid.MustParse("me@example.org/laptop"), testContact
	}
	return &xmppad.ArchivedMessage{ArchiveID: m.ServerID, Stamp: m.Delay, Outgoing: out, Message: m}
}

func testClient() *Client {
	return &Client{self: testSelf, log: zerolog.Nop()}
}

func bodies(items []*xmppad.ArchivedMessage) []string {
	var out []string
	for _, am := range items {
		out = append(out, am.Message.Body)
	}
	return out
}

func archiveOf(n int) *fakeArchive {
	f := &fakeArchive{page: 3}
	for i := range n {
		f.items = append(f.items, chat(i, fmt.Sprint("msg", i), i%3 == 1))
	}
	return f
}

// TestScanBack: pages are read backward and handed on oldest first, up to
// the stop item, the archive's start or the messages wanted (cut exactly).
func TestScanBack(t *testing.T) {
	c := testClient()
	f := archiveOf(10)
	res, err := scanBack(context.Background(), f.fetch, xmppad.HistoryQuery{}, 100, nil, c.countsAsMessage)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(bodies(res.items)) != "[msg0 msg1 msg2 msg3 msg4 msg5 msg6 msg7 msg8 msg9]" || !res.complete || res.bound != "" {
		t.Fatalf("whole archive: %v complete %v bound %q", bodies(res.items), res.complete, res.bound)
	}
	if res.newest != "a9" || res.oldest != "a0" || f.queries != 4 {
		t.Errorf("newest %q oldest %q after %d queries", res.newest, res.oldest, f.queries)
	}

	stop := func(am *xmppad.ArchivedMessage) bool { return am.ArchiveID == "a4" }
	res, _ = scanBack(context.Background(), f.fetch, xmppad.HistoryQuery{}, 100, stop, c.countsAsMessage)
	if fmt.Sprint(bodies(res.items)) != "[msg5 msg6 msg7 msg8 msg9]" || !res.complete {
		t.Fatalf("to the stop item: %v complete %v", bodies(res.items), res.complete)
	}

	res, _ = scanBack(context.Background(), f.fetch, xmppad.HistoryQuery{}, 4, nil, c.countsAsMessage)
	if fmt.Sprint(bodies(res.items)) != "[msg6 msg7 msg8 msg9]" || res.complete || res.bound != boundLimit || res.oldest != "a6" {
		t.Fatalf("4 wanted: %v complete %v bound %q oldest %q", bodies(res.items), res.complete, res.bound, res.oldest)
	}

	// OTR items are read but do not count; they are left to the caller.
	f.items[8].Message.Body = "?OTR:AAMDsecret."
	res, _ = scanBack(context.Background(), f.fetch, xmppad.HistoryQuery{}, 2, nil, c.countsAsMessage)
	if fmt.Sprint(bodies(res.items)) != "[msg7 ?OTR:AAMDsecret. msg9]" {
		t.Fatalf("2 wanted around an OTR item: %v", bodies(res.items))
	}
}

// neverEnding is a server whose archive never ends: each page is new
// (or, with repeat, the same page again), and never complete.
type neverEnding struct {
	mu      sync.Mutex
	n       int
	repeat  bool
	otrOnly bool
	queries int
}

func (s *neverEnding) fetch(_ context.Context, q xmppad.HistoryQuery) (*xmppad.HistoryPage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries++
	if s.repeat {
		s.n = 0
	}
	p := &xmppad.HistoryPage{}
	for range 50 {
		s.n++
		am := chat(1_000_000-s.n, "more", false)
		if s.otrOnly {
			am.Message.Body = "?OTR:AAMD" + strconv.Itoa(s.n)
		}
		p.Messages = append([]*xmppad.ArchivedMessage{am}, p.Messages...)
	}
	p.First, p.Last = p.Messages[0].ArchiveID, p.Messages[len(p.Messages)-1].ArchiveID
	return p, nil
}

// TestScanBackNeverEnding: an archive that never ends stops at the bound
// (messages wanted, items examined, or a page that brings nothing new),
// with what was read kept.
func TestScanBackNeverEnding(t *testing.T) {
	c := testClient()
	for _, tc := range []struct {
		name         string
		srv          *neverEnding
		want         int
		bound        string
		items, pages int
	}{
		{"new pages", &neverEnding{}, 120, boundLimit, 120, 3},
		{"OTR pages", &neverEnding{otrOnly: true}, 120, boundItems, scanItemBound(120), 14},
		{"the same page", &neverEnding{repeat: true}, 120, boundStalled, 50, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := scanBack(context.Background(), tc.srv.fetch, xmppad.HistoryQuery{}, tc.want, nil, c.countsAsMessage)
			if err != nil {
				t.Fatal(err)
			}
			if res.bound != tc.bound || res.complete || len(res.items) != tc.items || res.pages != tc.pages {
				t.Fatalf("bound %q complete %v: %d items in %d pages; want %q, %d items in %d pages",
					res.bound, res.complete, len(res.items), res.pages, tc.bound, tc.items, tc.pages)
			}
		})
	}
}

// TestScanBackError: a failing page ends the scan with its error.
func TestScanBackError(t *testing.T) {
	f := archiveOf(10)
	calls := 0
	fetch := func(ctx context.Context, q xmppad.HistoryQuery) (*xmppad.HistoryPage, error) {
		if calls++; calls == 2 {
			return nil, xmppad.ErrNotConnected
		}
		return f.fetch(ctx, q)
	}
	if _, err := scanBack(context.Background(), fetch, xmppad.HistoryQuery{}, 100, nil, testClient().countsAsMessage); !errors.Is(err, xmppad.ErrNotConnected) {
		t.Fatalf("error %v", err)
	}
}

// TestClassifyArchived: OTR in any form is never a message; the user's own
// messages belong to the contact they were sent to; group chats, errors and
// server messages are not chats.
func TestClassifyArchived(t *testing.T) {
	c := testClient()
	for _, body := range []string{
		"?OTR:AAMDAAAAAQAAAAEAAADAVf3Rg3ErZ0xq.",
		"?OTRv23?\nbob has requested an Off-the-Record private conversation.",
		"?OTR Error: You sent encrypted data which was unexpected",
		"hello" + otr.WhitespaceTag + "  \t\t  \t ",
		"quoting ?OTR? in the middle",
	} {
		for _, out := range []bool{false, true} {
			if kind, _, _ := c.classifyArchived(chat(1, body, out)); kind != archOTR {
				t.Errorf("%q (outgoing %v): kind %v, want OTR", body, out, kind)
			}
		}
	}
	eme := chat(1, "This message is encrypted", false)
	eme.Message.EME = otrEME
	if kind, _, _ := c.classifyArchived(eme); kind != archOTR {
		t.Errorf("OTR EME: kind %v", kind)
	}
	kind, contact, fromMe := c.classifyArchived(chat(2, "hi", true))
	if kind != archMessage || !contact.Equal(testContact) || !fromMe {
		t.Errorf("own message: %v %v %v", kind, contact, fromMe)
	}
	kind, contact, fromMe = c.classifyArchived(chat(3, "hi", false))
	if kind != archMessage || !contact.Equal(testContact) || fromMe {
		t.Errorf("contact's message: %v %v %v", kind, contact, fromMe)
	}
	for name, mod := range map[string]func(m *xmppad.Message){
		"group chat": func(m *xmppad.Message) { m.Type = stanza.GroupChatMessage },
		"error":      func(m *xmppad.Message) { m.Type = stanza.ErrorMessage },
		"server":     func(m *xmppad.Message) { m.From = jid.MustParse("example.org") },
		"self":       func(m *xmppad.Message) { m.From = jid.MustParse("me@example.org/x") },
		"empty":      func(m *xmppad.Message) { m.Body = "" },
	} {
		am := chat(4, "x", false)
		mod(am.Message)
		if kind, _, _ := c.classifyArchived(am); kind != archSkip {
			t.Errorf("%s: kind %v, want skip", name, kind)
		}
	}
	if c.countsAsMessage(&xmppad.ArchivedMessage{Message: &xmppad.Message{Type: stanza.ChatMessage, From: testContact, Body: "fixed", Replace: "m1"}}) {
		t.Error("a correction counts as a message")
	}
	if id := c.archivedMessageID(chat(5, "x", true)); id != makeMessageID(testSelf, "m5") {
		t.Errorf("own message ID %q", id)
	}
	noID := chat(6, "x", false)
	noID.Message.ID = ""
	if id := c.archivedMessageID(noID); id != makeMessageID(testContact, "a6") {
		t.Errorf("message without an id: ID %q, want the archive id", id)
	}
}

// TestInboxHold: while held, nothing is delivered; catch-up items then go
// before everything that queued meanwhile, in their order.
func TestInboxHold(t *testing.T) {
	c := testClient()
	ib := &inbox{c: c}
	c.inbox = ib
	var mu sync.Mutex
	var got []string
	done := make(chan struct{})
	item := func(name string) inboxItem {
		return inboxItem{what: name, deliver: func(context.Context) error {
			mu.Lock()
			got = append(got, name)
			n := len(got)
			mu.Unlock()
			if n == 5 {
				close(done)
			}
			return nil
		}}
	}
	release := ib.hold()
	ib.push(item("live1"))
	ib.pushFront(item("old1"))
	ib.push(item("live2"))
	ib.pushFront(item("old2"))
	ib.pushFront(item("old3"))
	mu.Lock()
	early := len(got)
	mu.Unlock()
	if early != 0 {
		t.Fatalf("%d items delivered while held", early)
	}
	release()
	release() // a second call does nothing
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("items not delivered after release")
	}
	if fmt.Sprint(got) != "[old1 old2 old3 live1 live2]" {
		t.Fatalf("order %v", got)
	}
}
