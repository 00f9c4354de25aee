package bridge

import (
	"context"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

// A scan reads the archive (XEP-0313) backward from its end, or from a
// cursor, page by page, until it reaches a stop item (where the bridge was
// before), the archive's start, or enough messages; results are handed on
// oldest first. Every scan is bounded whatever the server does: it examines
// at most scanItemBound(want) items and ends at the first page that brings
// nothing new (a server that repeats a page or never says "complete" cannot
// keep it going); the context bounds its time.

// historyPageSize is the page asked for (prosody sends at most 50).
const historyPageSize = 100

// Why a scan stopped before reaching its stop item or the archive's start.
const (
	boundLimit   = "limit"   // it has the messages wanted; older ones were not read
	boundItems   = "items"   // it examined as many items as it may
	boundStalled = "stalled" // a page brought nothing new: the server does not page on
)

// scanItemBound is how many archive items a scan for want messages may
// examine: receipts, markers, reactions and OTR messages are archived too,
// so several items per message are normal.
func scanItemBound(want int) int { return 5*want + 100 }

// fetchPage fetches one archive page (xmppad.Client.FetchHistory).
type fetchPage func(ctx context.Context, q xmppad.HistoryQuery) (*xmppad.HistoryPage, error)

// scanResult is what a scan read.
type scanResult struct {
	// items are the archive items read, oldest first, without the stop item
	// and what precedes it, and without items older than the want-th newest
	// counted message.
	items []*xmppad.ArchivedMessage
	// newest is the archive id of the newest item read ("" if none).
	newest string
	// oldest is the archive id of the oldest item read: the cursor to read
	// further back from.
	oldest string
	// complete says the scan reached its stop item or the archive's start.
	complete bool
	// bound says why it stopped early otherwise (boundLimit, boundItems, boundStalled).
	bound string
	// pages and examined count the pages fetched and the items looked at.
	pages, examined int
}

// scanBack reads the archive selected by q (With, Before) backward. stop,
// when not nil, marks the item where the bridge was before: it and older
// items are not returned. counts says which items are messages towards
// want. A fetch error ends the scan with that error.
func scanBack(ctx context.Context, fetch fetchPage, q xmppad.HistoryQuery, want int,
	stop func(*xmppad.ArchivedMessage) bool, counts func(*xmppad.ArchivedMessage) bool) (*scanResult, error) {
	res := &scanResult{}
	seen := map[string]bool{}
	var pages [][]*xmppad.ArchivedMessage // newest page first
	counted, bound := 0, scanItemBound(want)
	q.Last, q.Max, q.After = true, historyPageSize, ""
	for {
		page, err := fetch(ctx, q)
		if err != nil {
			return nil, err
		}
		res.pages++
		var chunk []*xmppad.ArchivedMessage // newest first
		stopped, full := false, false
		for i := len(page.Messages) - 1; i >= 0; i-- {
			am := page.Messages[i]
			if res.examined >= bound {
				full = true
				break
			}
			if am.ArchiveID == "" || seen[am.ArchiveID] {
				continue
			}
			if stop != nil && stop(am) {
				stopped = true
				break
			}
			seen[am.ArchiveID] = true
			res.examined++
			chunk = append(chunk, am)
			if counts(am) {
				counted++
			}
		}
		if len(chunk) > 0 {
			if res.newest == "" {
				res.newest = chunk[0].ArchiveID
			}
			res.oldest = chunk[len(chunk)-1].ArchiveID
			pages = append(pages, chunk)
		}
		switch {
		case stopped || page.Complete && !full:
			res.complete = true
		case counted >= want:
			res.bound = boundLimit
		case full || res.examined >= bound:
			res.bound = boundItems
		case len(chunk) == 0 || page.First == "" || page.First == q.Before:
			res.bound = boundStalled
		default:
			q.Before = page.First
			continue
		}
		break
	}
	// Oldest first, cut to the want newest counted messages (and what
	// follows them).
	for i := len(pages) - 1; i >= 0; i-- {
		for j := len(pages[i]) - 1; j >= 0; j-- {
			res.items = append(res.items, pages[i][j])
		}
	}
	if extra := counted - want; extra > 0 {
		cut := 0
		for cut < len(res.items) && extra > 0 {
			if counts(res.items[cut]) {
				extra--
			}
			cut++
		}
		res.items = res.items[cut:]
		res.complete, res.bound = false, boundLimit
		if len(res.items) > 0 {
			res.oldest = res.items[0].ArchiveID
		}
	}
	return res, nil
}
