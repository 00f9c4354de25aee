package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/offrecord/offrecord/internal/proc"
)

// state is .cache/demo/state.json: what the demo started and where it listens.
type state struct {
	ServePID  int          `json:"serve_pid"`
	Started   time.Time    `json:"started"`
	Dir       string       `json:"dir"`
	Ready     bool         `json:"ready"`
	Processes []proc.Ident `json:"processes,omitempty"` // the servers the serve process started

	XMPPServer    string `json:"xmpp_server,omitempty"`     // prosody c2s host:port (STARTTLS)
	XMPPDirectTLS string `json:"xmpp_direct_tls,omitempty"` // prosody XEP-0368 host:port
	XMPPDomain    string `json:"xmpp_domain,omitempty"`
	CAFile        string `json:"ca_file,omitempty"`
	Homeserver    string `json:"homeserver,omitempty"` // Dendrite client-server API URL
	ServerName    string `json:"server_name,omitempty"`
	Appservice    string `json:"appservice,omitempty"` // the bridge's appservice URL
	Bot           string `json:"bot,omitempty"`
	Logs          logs   `json:"logs"`
}

// logs are the log files of the stack.
type logs struct {
	Serve    string `json:"serve,omitempty"`
	Prosody  string `json:"prosody,omitempty"`
	Dendrite string `json:"dendrite,omitempty"`
	Bridge   string `json:"bridge,omitempty"`
}

func statePath(dir string) string { return filepath.Join(dir, "state.json") }

// readState reads state.json; a missing file gives (nil, nil).
func readState(dir string) (*state, error) {
	b, err := os.ReadFile(statePath(dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", statePath(dir), err)
	}
	return &st, nil
}

// writeState replaces state.json atomically.
func writeState(st *state) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := statePath(st.Dir) + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, statePath(st.Dir))
}

// serveProc is the serve process of st.
func (st *state) serveProc() proc.Ident {
	return proc.Ident{Name: "demo serve", PID: st.ServePID, Cmdline: serveCmdline(st.ServePID, st.Dir)}
}

// serveCmdline returns pid's command line if it is a demo serving dir, else nil.
func serveCmdline(pid int, dir string) []string {
	c := proc.Cmdline(pid)
	if slices.Contains(c, "-serve") && slices.Contains(c, dir) {
		return c
	}
	return nil
}

// running reports whether st's serve process is alive.
func (st *state) running() bool {
	return st.serveProc().Cmdline != nil
}

// stopStack stops the serve process of st (which stops its servers), then
// any recorded server still running (if the serve process died uncleanly).
// It returns what it stopped, for the message.
func stopStack(st *state) []string {
	var stopped []string
	if sp := st.serveProc(); sp.Cmdline != nil && proc.Terminate(sp, 40*time.Second) {
		stopped = append(stopped, fmt.Sprintf("%s (pid %d, with its servers)", sp.Name, sp.PID))
	}
	for _, p := range st.Processes {
		if proc.Terminate(p, 15*time.Second) {
			stopped = append(stopped, fmt.Sprintf("%s (pid %d)", p.Name, p.PID))
		}
	}
	return stopped
}

// stopDemo is the -stop command.
func stopDemo(dir string) error {
	st, err := readState(dir)
	if err != nil {
		return err
	}
	if st == nil {
		fmt.Printf("demo: not running (no %s)\n", statePath(dir))
		return nil
	}
	var listed []string
	for _, p := range append([]proc.Ident{st.serveProc()}, st.Processes...) {
		if p.Alive() {
			listed = append(listed, fmt.Sprintf("%s %d", p.Name, p.PID))
		}
	}
	if len(listed) > 0 {
		fmt.Printf("demo: stopping %s …\n", strings.Join(listed, ", "))
	}
	stopped := stopStack(st)
	if err := os.Remove(statePath(dir)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if len(stopped) == 0 {
		fmt.Println("demo: nothing was running; removed the stale", statePath(dir))
		return nil
	}
	fmt.Println("demo: stopped", strings.Join(stopped, "; "))
	fmt.Println("demo: data and logs stay in", dir, "(the next `make demo` starts afresh)")
	return nil
}
