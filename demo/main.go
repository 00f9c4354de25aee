// Command demo shows offrecord bridging a Matrix user and an XMPP buddy on a
// local stack (issue #2). Run it with `make demo` (go run -tags goolm ./demo).
//
// It brings up prosody, Dendrite and the bridge in .cache/demo, creates the
// accounts, logs the bridge in, plays a short scripted conversation while
// printing what each side saw, and leaves the stack running for real clients.
// `make demo-stop` (go run -tags goolm ./demo -stop) stops it again.
//
// The stack is held by a second copy of this program in "serve" mode,
// started in its own session (setsid) so that it outlives the foreground run;
// its PID and those of the servers it started are in .cache/demo/state.json.
// Running the demo while it already runs only prints the connection details.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/offrecord/offrecord/internal/proc"
)

func main() {
	stop := flag.Bool("stop", false, "stop the demo stack started by an earlier run")
	serveMode := flag.Bool("serve", false, "internal: hold the stack up until SIGTERM (started by the demo itself)")
	dirFlag := flag.String("dir", "", "demo folder (default: .cache/demo in the module root)")
	flag.Parse()

	dir, err := demoDir(*dirFlag)
	if err != nil {
		fail(err)
	}
	switch {
	case *serveMode:
		os.Exit(serve(dir))
	case *stop:
		if err := stopDemo(dir); err != nil {
			fail(err)
		}
	default:
		ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := runDemo(ctx, dir)
		interrupted := ctx.Err() != nil
		cancel()
		if err != nil {
			if interrupted {
				fmt.Fprintln(os.Stderr, "demo: interrupted; everything the demo started was stopped")
				os.Exit(130)
			}
			fail(err)
		}
	}
}

// fail prints err and exits with status 1.
func fail(err error) {
	fmt.Fprintln(os.Stderr, "demo: FAILED:", err)
	os.Exit(1)
}

// demoDir returns the absolute demo folder: flagDir, or .cache/demo in the
// module root.
func demoDir(flagDir string) (string, error) {
	if flagDir != "" {
		return filepath.Abs(flagDir)
	}
	root, err := proc.ModuleRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, ".cache", "demo"), nil
}
