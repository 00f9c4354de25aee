package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"maunium.net/go/mautrix/appservice"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// Dendrite v0.15.2 does not push m.room.redaction events to appservices
// (element-hq/dendrite#3445 adds it; Synapse does push them). So that the
// bridge's handling of a Matrix redaction is tested on this stack, redact
// makes the real redaction on the homeserver, reads it back from there as
// the user's sync, and hands it to the bridge's appservice endpoint in a
// transaction, as Synapse would.

// redact redacts an event in the room and delivers the redaction to the
// main bridge.
func (mu *matrixUser) redact(t *testing.T, room id.RoomID, target id.EventID) {
	t.Helper()
	if err := mu.tryRedact(t, room, target); err != nil {
		t.Fatalf("redacting %s: %v", target, err)
	}
}

// tryRedact is redact, returning the homeserver's refusal.
func (mu *matrixUser) tryRedact(t *testing.T, room id.RoomID, target id.EventID) error {
	t.Helper()
	ctx := ctxFor(t)
	resp, err := mu.RedactEvent(ctx, room, target)
	if err != nil {
		return err
	}
	evt, err := mu.WaitEvent(ctx, room, func(e *event.Event) bool { return e.ID == resp.EventID })
	if err != nil {
		t.Fatalf("the redaction %s did not come back in sync: %v", resp.EventID, err)
	}
	reg, err := appservice.LoadRegistration(st.bridge.RegistrationPath())
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(map[string]any{"events": []any{evt}})
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("%s/_matrix/app/v1/transactions/e2e-redaction-%s", reg.URL, uniqueName("txn"))
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+reg.ServerToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("handing the redaction to the bridge: %v", err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the bridge answered the redaction transaction with %s", res.Status)
	}
	return nil
}
