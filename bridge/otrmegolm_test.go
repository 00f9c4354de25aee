package bridge

import (
	"testing"

	"maunium.net/go/mautrix/id"
)

// TestPlanSpanSession: what happens to each kind of inbound session when a
// span ends.
func TestPlanSpanSession(t *testing.T) {
	seen := map[id.SessionID]uint{"used": 7, "usedFresh": 3}
	cases := []struct {
		name            string
		own, inSpan     bool
		sid             id.SessionID
		next, firstKnwn uint
		want            int
	}{
		{"plain history, untouched", false, false, "old", 12, 0, spanKeep},
		{"bridge's own span session", true, true, "own", 4, 0, spanRedact},
		{"bridge's own session seen in the span", true, false, "used", 7, 0, spanRedact},
		{"bridge's own older session", true, false, "ownOld", 9, 0, spanKeep},
		{"user's session from before, kept in the span", false, false, "used", 5, 2, spanRatchet},
		{"user's span session", false, true, "usedFresh", 3, 0, spanRatchet},
		{"user's span session, nothing decrypted", false, true, "idle", 0, 0, spanKeep},
		{"already ratcheted", false, true, "usedFresh", 3, 3, spanKeep},
	}
	for _, c := range cases {
		if got := planSpanSession(c.own, c.inSpan, seen, c.sid, c.next, c.firstKnwn); got != c.want {
			t.Errorf("%s: plan %d, want %d", c.name, got, c.want)
		}
	}
	if got := ratchetTarget(seen, "used", 5); got != 7 {
		t.Errorf("ratchet target %d, want 7 (the highest index seen in the span, past what was decrypted)", got)
	}
	if got := ratchetTarget(seen, "used", 9); got != 9 {
		t.Errorf("ratchet target %d, want 9 (past every decrypted event)", got)
	}
}
