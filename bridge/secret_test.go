package bridge

import (
	"bytes"
	"strings"
	"testing"
)

func TestSealPasswordRoundTripAndBinding(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	sealed, err := sealPassword(key, "alice@example.org", "hunter2")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "hunter2") {
		t.Fatal("sealed password contains the plaintext")
	}
	got, err := openPassword(key, "alice@example.org", sealed)
	if err != nil || got != "hunter2" {
		t.Fatalf("openPassword = %q, %v", got, err)
	}
	if _, err := openPassword(key, "mallory@example.org", sealed); err == nil {
		t.Error("sealed password opened for another login")
	}
	if _, err := openPassword(bytes.Repeat([]byte{8}, 32), "alice@example.org", sealed); err == nil {
		t.Error("sealed password opened with another key")
	}
	again, _ := sealPassword(key, "alice@example.org", "hunter2")
	if again == sealed {
		t.Error("sealing is deterministic; nonces are reused")
	}
	for _, bad := range []string{"", "hunter2", "v1:!!!", "v1:AAAA"} {
		if _, err := openPassword(key, "alice@example.org", bad); err == nil {
			t.Errorf("openPassword(%q) succeeded", bad)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error reveals the password: %v", err)
		}
	}
}
