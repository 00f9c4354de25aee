package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// logLine is the part of a bridge JSON log line the benchmarks read.
type logLine struct {
	Time     time.Time `json:"time"`
	Message  string    `json:"message"`
	ID       string    `json:"id"`        // adapters/xmpp: stanza id
	StanzaID string    `json:"stanza_id"` // bridge: remote event context
	Method   string    `json:"method"`
	URL      string    `json:"url"`
	Duration float64   `json:"duration"` // ms, of a completed request
}

// bridgeTimes are the bridge's own timings of messages, read from its
// debug log (nanosecond timestamps).
type bridgeTimes struct {
	// XMPP -> Matrix, by stanza id: adapter "Received message" to bridgev2
	// "Sent message part to Matrix", and the homeserver PUT inside that.
	x2m, x2mPut map[string]time.Duration
	// Matrix -> XMPP, by outgoing stanza id: "Starting handling of
	// transaction" (the appservice push carrying the event) to the adapter's
	// "Sending message". With one message in flight, the transaction is the
	// last one before the send.
	m2x map[string]time.Duration
	// Wall-clock marks by stanza id (same host clock as the benchmark):
	// x2mIn/x2mOut bound the bridge's XMPP->Matrix work, m2xIn/m2xOut its
	// Matrix->XMPP work.
	x2mIn, x2mOut, m2xIn, m2xOut map[string]time.Time
}

// readBridgeLog parses a bridge log.
func readBridgeLog(path string) (*bridgeTimes, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	bt := &bridgeTimes{x2m: map[string]time.Duration{}, x2mPut: map[string]time.Duration{}, m2x: map[string]time.Duration{},
		x2mIn: map[string]time.Time{}, x2mOut: map[string]time.Time{}, m2xIn: map[string]time.Time{}, m2xOut: map[string]time.Time{}}
	received := bt.x2mIn
	var lastTxn time.Time
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var l logLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			continue // not JSON (e.g. a panic trace)
		}
		switch {
		case l.Message == "Received message" && l.ID != "":
			received[l.ID] = l.Time
		case l.Message == "Sent message part to Matrix" && l.StanzaID != "":
			if t0, ok := received[l.StanzaID]; ok {
				bt.x2m[l.StanzaID] = l.Time.Sub(t0)
				bt.x2mOut[l.StanzaID] = l.Time
			}
		case l.Message == "Request completed" && l.StanzaID != "" && l.Method == "PUT" &&
			strings.Contains(l.URL, "/send/m.room.message/"):
			bt.x2mPut[l.StanzaID] = time.Duration(l.Duration * float64(time.Millisecond))
		case l.Message == "Starting handling of transaction":
			lastTxn = l.Time
		case l.Message == "Sending message" && l.ID != "" && !lastTxn.IsZero():
			bt.m2x[l.ID] = l.Time.Sub(lastTxn)
			bt.m2xIn[l.ID], bt.m2xOut[l.ID] = lastTxn, l.Time
		}
	}
	return bt, sc.Err()
}

// pick returns the durations of ids in m; it fails if any is missing.
func pick(m map[string]time.Duration, ids []string) ([]time.Duration, error) {
	out := make([]time.Duration, 0, len(ids))
	for _, id := range ids {
		d, ok := m[id]
		if !ok {
			return nil, fmt.Errorf("bench: stanza %s not found in the bridge log", id)
		}
		out = append(out, d)
	}
	return out, nil
}

// segments splits each message's end-to-end path at the bridge's marks:
// start -> in (before the bridge), in -> out (the bridge), out -> end (after).
func segments(in, out map[string]time.Time, ids []string, start, end []time.Time) (before, after []time.Duration) {
	for i, id := range ids {
		if t, ok := in[id]; ok {
			before = append(before, t.Sub(start[i]))
		}
		if t, ok := out[id]; ok {
			after = append(after, end[i].Sub(t))
		}
	}
	return before, after
}
