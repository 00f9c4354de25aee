package bridge

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/id"
)

// fakeProcessor does what mautrix's command processor does to the context
// logger: it adds mx_command with UpdateContext, then logs.
type fakeProcessor struct{}

func (fakeProcessor) Handle(ctx context.Context, _ id.RoomID, _ id.EventID, _ *bridgev2.User, message string, _ id.EventID) {
	log := zerolog.Ctx(ctx)
	log.UpdateContext(func(c zerolog.Context) zerolog.Context { return c.Str("mx_command", message) })
	log.Debug().Msg("Received command")
}

// TestCommandLogBounded: after 100 commands, a log line of the shared
// logger carries no mx_command, and each command's line carries exactly one.
func TestCommandLogBounded(t *testing.T) {
	var buf bytes.Buffer
	shared := zerolog.New(&buf)
	ctx := shared.WithContext(context.Background())
	cl := commandLog{inner: fakeProcessor{}}
	for range 100 {
		cl.Handle(ctx, "!room:x", "$evt", nil, "help", "")
	}
	zerolog.Ctx(ctx).Info().Msg("after")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 101 {
		t.Fatalf("%d log lines, want 101", len(lines))
	}
	for i, line := range lines[:100] {
		if n := strings.Count(line, "mx_command"); n != 1 {
			t.Fatalf("command %d logged %d mx_command fields: %s", i+1, n, line)
		}
	}
	if n := strings.Count(lines[100], "mx_command"); n != 0 {
		t.Errorf("the shared logger carries %d mx_command fields after 100 commands: %s", n, lines[100])
	}

	// Without the wrapper the shared logger grows, which is what this guards against.
	buf.Reset()
	for range 3 {
		fakeProcessor{}.Handle(ctx, "!room:x", "$evt", nil, "help", "")
	}
	zerolog.Ctx(ctx).Info().Msg("after")
	lines = strings.Split(strings.TrimSpace(buf.String()), "\n")
	if n := strings.Count(lines[len(lines)-1], "mx_command"); n != 3 {
		t.Errorf("control: the bare processor left %d fields, want 3 (the test no longer shows the bug)", n)
	}
}
