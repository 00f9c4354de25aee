package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/offrecord/offrecord/internal/proc"
)

// runDemo is the default command: start the stack, play the acts, print how
// to connect, and leave the stack running. On failure or Ctrl-C it stops
// everything it started.
func runDemo(ctx context.Context, dir string) (err error) {
	if err := checkPrerequisites(); err != nil {
		return err
	}
	old, err := readState(dir)
	if err != nil {
		return err
	}
	if old != nil && old.running() {
		if !old.Ready {
			return fmt.Errorf("another demo is starting (serve pid %d); wait for it or run `make demo-stop`", old.ServePID)
		}
		fmt.Printf("demo: already running since %s (serve pid %d); not starting a second one.\n",
			old.Started.Format("15:04:05"), old.ServePID)
		fmt.Println("demo: run `make demo-stop` first to replay the conversation on a fresh stack.")
		printInstructions(old, nil)
		return nil
	}
	if old != nil {
		if stopped := stopStack(old); len(stopped) > 0 {
			fmt.Println("demo: stopped leftovers of an earlier demo:", strings.Join(stopped, "; "))
		}
	}
	// Every start is fresh: accounts, portals and logs of an earlier run go.
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}

	tr := newTranscript()
	tr.header("Starting the stack in " + dir)
	st, lines, err := startServe(dir)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			fmt.Fprintln(os.Stderr, "demo: stopping everything it started …")
			stopStack(st)
			_ = os.Remove(statePath(dir))
			fmt.Fprintf(os.Stderr, "demo: logs are kept in %s until the next run\n", dir)
		}
	}()
	if err := awaitReady(ctx, tr, lines); err != nil {
		return fmt.Errorf("%w\n      (serve log: %s)", err, st.Logs.Serve)
	}
	full, err := readState(dir)
	if err != nil || full == nil || !full.Ready {
		return fmt.Errorf("the serve process did not write %s (%v)", statePath(dir), err)
	}
	st = full

	sc := &scene{tr: tr, st: st}
	defer sc.close()
	for i, a := range acts {
		tr.header(fmt.Sprintf("Act %d: %s", i+1, a.title))
		actCtx, cancel := context.WithTimeout(ctx, actTimeout)
		err := a.play(actCtx, sc)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("act %d (%s): %w\n      (logs: bridge %s, homeserver %s, prosody %s)",
				i+1, a.title, err, st.Logs.Bridge, st.Logs.Dendrite, st.Logs.Prosody)
		}
	}
	tr.header(fmt.Sprintf("The conversation went through in %.1fs", time.Since(tr.t0).Seconds()))
	printInstructions(st, sc)
	return nil
}

// actTimeout bounds each act.
const actTimeout = 60 * time.Second

// awaitReady relays the serve process's progress until it is ready.
func awaitReady(ctx context.Context, tr *transcript, lines <-chan string) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case line, ok := <-lines:
			switch {
			case !ok:
				return errors.New("the serve process exited during start-up")
			case line == readyLine:
				return nil
			case strings.HasPrefix(line, errorPrefix):
				return errors.New(strings.TrimPrefix(line, errorPrefix))
			default:
				tr.say("stack", "%s", line)
			}
		}
	}
}

// checkPrerequisites fails with a hint when `make deps` has not run.
func checkPrerequisites() error {
	var missing []string
	for _, prog := range []string{"prosody", "prosodyctl", "go", "gcc"} {
		if _, err := exec.LookPath(prog); err != nil {
			missing = append(missing, prog)
		}
	}
	root, err := proc.ModuleRoot()
	if err != nil {
		return err
	}
	for _, prog := range []string{"dendrite", "generate-config", "generate-keys"} {
		if _, err := os.Stat(filepath.Join(root, ".cache", "bin", prog)); err != nil {
			missing = append(missing, ".cache/bin/"+prog)
		}
	}
	if err := exec.Command("pkg-config", "--exists", "libotr").Run(); err != nil {
		missing = append(missing, "libotr (pkg-config libotr)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s: run `make deps`", strings.Join(missing, ", "))
	}
	return nil
}

// transcript prints timestamped lines of what each side did and saw.
type transcript struct{ t0 time.Time }

func newTranscript() *transcript { return &transcript{t0: time.Now()} }

// header prints a section title.
func (tr *transcript) header(title string) {
	fmt.Printf("\n== %s\n", title)
}

// say prints one line for side ("stack", "xmpp buddy@localhost", ...).
func (tr *transcript) say(side, format string, args ...any) {
	fmt.Printf("%7.2fs  %-25s %s\n", time.Since(tr.t0).Seconds(), "["+side+"]", fmt.Sprintf(format, args...))
}

// note prints an unstamped remark.
func (tr *transcript) note(format string, args ...any) {
	fmt.Printf("%9s %s\n", "", "note: "+fmt.Sprintf(format, args...))
}

// printInstructions tells how to use the running stack with real clients.
func printInstructions(st *state, sc *scene) {
	host, port := splitHostPort(st.XMPPServer)
	_, tlsPort := splitHostPort(st.XMPPDirectTLS)
	fmt.Printf(`
== The demo stack keeps running (stop it with: make demo-stop)

Matrix (Element or any client; custom homeserver, no TLS on loopback)
  homeserver     %s   (server name %q)
  user           %s   password %s
  bridge bot     %s   (DM it "help" for commands)
`, st.Homeserver, st.ServerName, "@"+matrixUser+":"+st.ServerName, matrixPass, st.Bot)
	if sc != nil && sc.portal != "" {
		fmt.Printf("  portal         %s: the chat with %s\n", sc.portal, sc.buddyJID)
	}
	if sc != nil && sc.otr != nil && sc.otr.portal != "" {
		fmt.Printf("  OTR portal     %s: the chat with %s (try !xmpp otr help there)\n", sc.otr.portal, sc.otr.jid)
	}
	fmt.Printf(`
XMPP (profanity, Gajim, Dino, …), server %s port %s (STARTTLS) or %s (direct TLS)
  %-18s password %-16s ← log in as the buddy to chat with the Matrix user
  %-18s password %-16s ← an OTR-capable client (profanity: /otr start; it speaks OTR v2 only)
  %-18s password %-16s (the Matrix user's own account; the bridge is logged in with it)
  self-signed CA %s
  profanity      /connect %s server %s port %s tls trust

Where things are
  state          %s  (PIDs: serve %d%s)
  logs           bridge %s
                 homeserver %s
                 prosody %s
                 serve %s
`, host, port, tlsPort,
		xmppBuddy+"@"+st.XMPPDomain, xmppBudPass, xmppOTRBuddy+"@"+st.XMPPDomain, xmppOTRPass,
		xmppUser+"@"+st.XMPPDomain, xmppUserPass,
		st.CAFile, xmppBuddy+"@"+st.XMPPDomain, host, port,
		statePath(st.Dir), st.ServePID, procList(st.Processes),
		st.Logs.Bridge, st.Logs.Dendrite, st.Logs.Prosody, st.Logs.Serve)
}

// procList formats the servers' PIDs.
func procList(ps []proc.Ident) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, ", %s %d", p.Name, p.PID)
	}
	return b.String()
}

// splitHostPort splits host:port, tolerating a bad value.
func splitHostPort(addr string) (string, string) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return addr, "?"
	}
	return addr[:i], addr[i+1:]
}
