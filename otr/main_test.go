package otr

import (
	"bufio"
	"io"
	"os"
	"strings"
	"testing"
)

// TestMain drops the "Unsupported wipe kind: int" lines that this otr3
// version prints to stdout with fmt.Printf, so that test output stays readable.
func TestMain(m *testing.M) {
	real := os.Stdout
	r, w, err := os.Pipe()
	if err != nil {
		os.Exit(m.Run())
	}
	os.Stdout = w
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if line := sc.Text(); !strings.HasPrefix(line, "Unsupported wipe kind") {
				_, _ = io.WriteString(real, line+"\n")
			}
		}
	}()
	code := m.Run()
	os.Stdout = real
	_ = w.Close()
	<-done
	os.Exit(code)
}
