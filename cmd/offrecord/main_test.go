package main

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/offrecord/offrecord/bridge"
	"github.com/offrecord/offrecord/config"
)

var update = flag.Bool("update", false, "rewrite ../../config.example.yaml")

// examplePath is the generated example config kept at the repository root.
const examplePath = "../../config.example.yaml"

// TestMain lets the test binary act as offrecord itself when asked, so that
// the real main() can be run in a subprocess.
func TestMain(m *testing.M) {
	if os.Getenv("OFFRECORD_RUN_MAIN") == "1" {
		flag.Parse()
		os.Args = append([]string{"offrecord"}, flag.Args()...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestExampleConfigInSync fails when config.example.yaml drifts from what
// `offrecord -e` generates. Run `go test ./cmd/offrecord -update` to refresh it.
func TestExampleConfigInSync(t *testing.T) {
	want, err := config.FullExample((&bridge.Connector{}).GetName())
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(examplePath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatalf("reading %s: %v", examplePath, err)
	}
	if string(got) != want {
		t.Fatalf("%s is out of date; run: go test -tags goolm ./cmd/offrecord -update", examplePath)
	}
}

// TestDashEWritesExample runs the real main with -e and compares its output
// with the checked-in example, and checks -e refuses to overwrite.
func TestDashEWritesExample(t *testing.T) {
	out := filepath.Join(t.TempDir(), "config.yaml")
	run := func() ([]byte, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "-e", "-c", out)
		cmd.Env = append(os.Environ(), "OFFRECORD_RUN_MAIN=1")
		return cmd.CombinedOutput()
	}
	if msg, err := run(); err != nil {
		t.Fatalf("offrecord -e: %v\n%s", err, msg)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Error("offrecord -e output differs from config.example.yaml")
	}
	if msg, err := run(); err == nil {
		t.Errorf("offrecord -e overwrote an existing config:\n%s", msg)
	}
}
