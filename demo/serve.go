package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/offrecord/offrecord/internal/bridgetest"
	"github.com/offrecord/offrecord/internal/proc"
	"github.com/offrecord/offrecord/internal/prosodytest"
	"github.com/offrecord/offrecord/internal/stacktest"
)

// The demo's fixed ports on 127.0.0.1; a busy one is replaced by a free one,
// also when another program takes it as the server starts (state.json and
// the printed instructions have the ports in use).
const (
	portXMPP      = 15222 // prosody c2s (STARTTLS)
	portXMPPTLS   = 15223 // prosody XEP-0368 direct TLS
	portXMPPHTTP  = 15280 // prosody http_file_share (XEP-0363 uploads)
	portMatrixAPI = 18008 // Dendrite client-server API
)

// The demo accounts. These passwords are made up for the demo and printed on purpose.
const (
	matrixUser   = "demo"
	matrixPass   = "demo-matrix-pw"
	xmppUser     = "demo" // the Matrix user's own XMPP account, which the bridge logs into
	xmppUserPass = "demo-xmpp-pw"
	xmppBuddy    = "buddy" // the scripted buddy (and later: you, in an XMPP client)
	xmppBudPass  = "buddy-xmpp-pw"
	xmppOTRBuddy = "otrbuddy" // the OTR acts' buddy, whose client runs libotr
	xmppOTRPass  = "otrbuddy-xmpp-pw"
)

// Protocol on the report pipe (fd 3) from the serve process to the foreground:
// progress lines, then readyLine or errorPrefix+message.
const (
	readyLine   = "READY"
	errorPrefix = "ERROR "
)

// startServe starts this program in serve mode in its own session, with its
// output in dir/serve.log, and records its PID in state.json. Lines from its
// report pipe go to the returned channel, which is closed when the pipe is.
func startServe(dir string) (*state, <-chan string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	logPath := filepath.Join(dir, "serve.log")
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(exe, "-serve", "-dir", dir)
	cmd.ExtraFiles = []*os.File{pw} // fd 3
	// Detached: the serve process outlives us, in its own session.
	p, err := proc.Start("demo serve", cmd, proc.Options{Log: logPath, Detached: true})
	pw.Close()
	if err != nil {
		pr.Close()
		return nil, nil, err
	}
	st := &state{ServePID: p.PID(), Started: time.Now(), Dir: dir, Logs: logs{Serve: logPath}}
	if err := writeState(st); err != nil {
		_ = p.Kill()
		return nil, nil, err
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		defer pr.Close()
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return st, lines, nil
}

// serve is the serve mode: bring the stack up, report on fd 3, then hold it
// until SIGTERM or SIGINT and stop everything. It returns the exit status.
func serve(dir string) int {
	report := io.Writer(os.NewFile(3, "report"))
	say := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		fmt.Fprintln(report, msg)
		fmt.Printf("%s %s\n", time.Now().Format(time.RFC3339), msg)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer cancel()

	var stops []func() // in start order; run in reverse
	defer func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
		_ = os.Remove(statePath(dir)) // nothing of the demo runs any more
		fmt.Printf("%s stopped everything\n", time.Now().Format(time.RFC3339))
	}()
	st, err := bringUp(ctx, dir, say, &stops)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		fmt.Fprintln(report, errorPrefix+strings.ReplaceAll(err.Error(), "\n", " | "))
		fmt.Printf("%s bring-up failed: %v\n", time.Now().Format(time.RFC3339), err)
		return 1
	}
	fmt.Fprintln(report, readyLine)
	if c, ok := report.(io.Closer); ok {
		c.Close()
	}
	<-ctx.Done()
	fmt.Printf("%s signalled: stopping the stack in %s\n", time.Now().Format(time.RFC3339), st.Dir)
	return 0
}

// bringUp starts prosody, Dendrite and the bridge in dir (internal/stacktest,
// moving a busy fixed port to a free one), creates the demo accounts and
// writes the full state.json. The stack's stop function goes to stops.
func bringUp(ctx context.Context, dir string, say func(string, ...any), stops *[]func()) (*state, error) {
	st := &state{ServePID: os.Getpid(), Started: time.Now(), Dir: dir, Logs: logs{Serve: filepath.Join(dir, "serve.log")}}
	s, err := stacktest.Start(dir, stacktest.Options{
		Prosody:      prosodytest.Options{C2SPort: portXMPP, DirectTLSPort: portXMPPTLS, HTTPPort: portXMPPHTTP},
		DendritePort: portMatrixAPI,
		MovePorts:    true,
		Bridges: []stacktest.BridgeSpec{{Name: "bridge", Options: bridgetest.Options{
			LogLevel: "debug",
			Network:  map[string]any{"otr.enabled": true}, // policy manual: OTR when the Matrix user starts it
		}}},
		Progress: say,
	})
	if err != nil {
		return nil, err
	}
	*stops = append(*stops, s.Close)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	xs, hs, br := s.Prosody, s.HS, s.Bridge("bridge")
	st.XMPPServer, st.XMPPDirectTLS, st.XMPPDomain, st.CAFile = xs.Addr(), xs.DirectTLSAddr(), xs.Domain(), xs.CAFile()
	st.Homeserver, st.ServerName = hs.URL(), hs.ServerName()
	st.Bot = br.BotMXID(st.ServerName).String()
	st.Appservice = appserviceURL(br.RegistrationPath())
	st.Logs.Prosody, st.Logs.Dendrite, st.Logs.Bridge = xs.LogFile(), hs.LogPath(), br.LogPath()

	for _, acc := range [][2]string{{xmppUser, xmppUserPass}, {xmppBuddy, xmppBudPass}, {xmppOTRBuddy, xmppOTRPass}} {
		if err := xs.Register(acc[0], acc[1]); err != nil {
			return nil, err
		}
	}
	say("XMPP accounts %s@%s, %s@%s and %s@%s registered", xmppUser, xs.Domain(), xmppBuddy, xs.Domain(), xmppOTRBuddy, xs.Domain())
	cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
	cli, err := hs.CreateUser(cctx, matrixUser, matrixPass, false)
	if err == nil {
		_, _ = cli.Logout(cctx) // the foreground logs in with its own device
	}
	ccancel()
	if err != nil {
		return nil, fmt.Errorf("creating the Matrix user: %w", err)
	}
	say("Matrix user %s created", hs.UserID(matrixUser))

	st.Processes = proc.Children(os.Getpid())
	st.Ready = true
	if err := writeState(st); err != nil {
		return nil, err
	}
	return st, nil
}

// appserviceURL reads the bridge's address from its registration.
func appserviceURL(registration string) string {
	var reg struct {
		URL string `yaml:"url"`
	}
	if b, err := os.ReadFile(registration); err == nil {
		_ = yaml.Unmarshal(b, &reg)
	}
	return reg.URL
}
