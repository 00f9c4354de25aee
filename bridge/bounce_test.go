package bridge

import (
	"context"
	"fmt"
	"testing"

	"maunium.net/go/mautrix/id"
)

// TestSentLogBounded: the log keeps the newest sentLogSize messages and
// tells when one has been saved.
func TestSentLogBounded(t *testing.T) {
	var s sentLog
	saved := s.add("first", "!r", "$first", true)
	for i := 0; i < sentLogSize; i++ {
		s.add(fmt.Sprint("m", i), "!r", id.EventID(fmt.Sprint("$", i)), false)
	}
	if _, ok := s.get("first"); ok {
		t.Error("the oldest message is still remembered beyond the bound")
	}
	if ref, ok := s.get(fmt.Sprint("m", sentLogSize-1)); !ok || ref.event != id.EventID(fmt.Sprint("$", sentLogSize-1)) {
		t.Errorf("newest message: %+v %v", ref, ok)
	}
	if len(s.byID) != sentLogSize || len(s.order) != sentLogSize {
		t.Errorf("log holds %d/%d entries, want %d", len(s.byID), len(s.order), sentLogSize)
	}
	saved(context.Background(), nil)
	saved(context.Background(), nil) // twice is harmless
}
