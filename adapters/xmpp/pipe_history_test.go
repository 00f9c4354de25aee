package xmpp

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var queryIDRe = regexp.MustCompile(`queryid="([^"]+)"`)

// archiveServer is a fake server whose archive answers with what the
// current reply function writes for a query's id and the IQ's id; seen gets
// the queries.
type archiveServer struct {
	mu    sync.Mutex
	reply func(qid, iqID string) string
	seen  chan string
}

// set replaces the reply function.
func (a *archiveServer) set(reply func(qid, iqID string) string) {
	a.mu.Lock()
	a.reply = reply
	a.mu.Unlock()
}

// pipeArchive connects a client to a fake server with an archive.
func pipeArchive(t *testing.T) (*Client, *recorder, *archiveServer) {
	t.Helper()
	c, rec, f, connect := newPipeClient(t, nil, nil)
	a := &archiveServer{seen: make(chan string, 10)}
	f.reply = func(id, raw string) string {
		if !strings.Contains(raw, "urn:xmpp:mam:2") {
			return ""
		}
		m := queryIDRe.FindStringSubmatch(raw)
		a.mu.Lock()
		reply := a.reply
		a.mu.Unlock()
		if m == nil || reply == nil {
			return ""
		}
		a.seen <- raw
		return reply(m[1], id)
	}
	connect()
	return c, rec, a
}

// archived is one result as a server sends it.
func archivedXML(qid, from, archiveID, inner string) string {
	fromAttr := ""
	if from != "" {
		fromAttr = ` from="` + from + `"`
	}
	return `<message` + fromAttr + ` to="alice@localhost/offrecord"><result xmlns="urn:xmpp:mam:2" queryid="` + qid + `" id="` + archiveID + `">` +
		`<forwarded xmlns="urn:xmpp:forward:0"><delay xmlns="urn:xmpp:delay" stamp="2026-01-02T03:04:05Z"/>` + inner + `</forwarded></result></message>`
}

func finXML(iqID, first, last string, complete bool) string {
	return fmt.Sprintf(`<iq type="result" id="%s"><fin xmlns="urn:xmpp:mam:2" complete="%v"><set xmlns="http://jabber.org/protocol/rsm">`+
		`<first index="0">%s</first><last>%s</last></set></fin></iq>`, iqID, complete, first, last)
}

// TestPipeHistoryResults: only results from our own account for the waiting
// query count; unreadable ones are counted as skipped; the query carries the
// filter and paging asked for.
func TestPipeHistoryResults(t *testing.T) {
	c, rec, a := pipeArchive(t)
	a.set(func(qid, iqID string) string {
		bob := `<message xmlns="jabber:client" from="bob@localhost/phone" to="alice@localhost" type="chat" id="m1"><body>hi</body></message>`
		mine := `<message xmlns="jabber:client" from="alice@localhost/other" to="bob@localhost" type="chat" id="m2"><body>yo</body></message>`
		return archivedXML(qid, "mallory@localhost", "x0", bob) + // forged: not our account
			archivedXML(qid, "", "a1", bob) +
			archivedXML("other-query", "", "x1", bob) + // nobody waits for it
			archivedXML(qid, "alice@localhost", "a2", mine) +
			`<message><result xmlns="urn:xmpp:mam:2" queryid="` + qid + `" id="a3"/></message>` + // nothing forwarded
			finXML(iqID, "a1", "a3", true)
	})
	page, err := c.FetchHistory(ctxT(t), HistoryQuery{With: mustJID(t, "bob@localhost/phone"), After: "a0", Max: 5})
	if err != nil {
		t.Fatal(err)
	}
	q := <-a.seen
	for _, want := range []string{`>5</max>`, `>a0</after>`, `bob@localhost<`, `type="set"`} {
		if !strings.Contains(q, want) {
			t.Errorf("query %s lacks %s", q, want)
		}
	}
	if strings.Contains(q, "bob@localhost/phone") {
		t.Errorf("query names a full JID: %s", q)
	}
	if len(page.Messages) != 2 || page.Skipped != 1 || !page.Complete || page.First != "a1" || page.Last != "a3" {
		t.Fatalf("page: %d messages, %d skipped, complete %v, %q..%q", len(page.Messages), page.Skipped, page.Complete, page.First, page.Last)
	}
	in, out := page.Messages[0], page.Messages[1]
	if in.ArchiveID != "a1" || in.Outgoing || in.Message.Body != "hi" || in.Message.ID != "m1" || in.Message.ServerID != "a1" ||
		!in.Stamp.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("incoming item %+v %+v", in, in.Message)
	}
	if out.ArchiveID != "a2" || !out.Outgoing || out.Message.To.String() != "bob@localhost" {
		t.Errorf("outgoing item %+v %+v", out, out.Message)
	}
	select {
	case m := <-rec.msgs:
		t.Fatalf("an archive result reached HandleMessage: %+v", m)
	default:
	}
}

// TestPipeHistoryBounds: a server that sends more than a page is refused
// (nothing held beyond the bound), a refused position and a server without
// an archive have their own errors.
func TestPipeHistoryBounds(t *testing.T) {
	c, _, a := pipeArchive(t)
	a.set(func(qid, iqID string) string {
		var b strings.Builder
		for i := range maxPageResults + 5 {
			b.WriteString(archivedXML(qid, "", fmt.Sprint("a", i),
				`<message xmlns="jabber:client" from="bob@localhost/x" to="alice@localhost" type="chat" id="m"><body>x</body></message>`))
		}
		b.WriteString(finXML(iqID, "a0", "a9", false))
		return b.String()
	})
	_, err := c.FetchHistory(ctxT(t), HistoryQuery{Max: 10})
	wantErr(t, err, ErrHistoryPage)
	c.histMu.Lock()
	left := len(c.queries)
	c.histMu.Unlock()
	if left != 0 {
		t.Errorf("%d queries still tracked after the answer", left)
	}

	for cond, want := range map[string]error{"item-not-found": ErrHistoryPosition, "service-unavailable": ErrHistoryUnsupported} {
		a.set(func(qid, iqID string) string {
			return `<iq type="error" id="` + iqID + `"><error type="cancel"><` + cond + ` xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></iq>`
		})
		_, err := c.FetchHistory(ctxT(t), HistoryQuery{After: "gone", Max: 10})
		wantErr(t, err, want)
	}
}
