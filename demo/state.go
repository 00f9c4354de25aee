package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// state is .cache/demo/state.json: what the demo started and where it listens.
type state struct {
	ServePID  int       `json:"serve_pid"`
	Started   time.Time `json:"started"`
	Dir       string    `json:"dir"`
	Ready     bool      `json:"ready"`
	Processes []proc    `json:"processes,omitempty"` // the servers the serve process started

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

// proc identifies one process by PID and command line, so that a reused PID
// is never signalled.
type proc struct {
	Name    string   `json:"name"`
	PID     int      `json:"pid"`
	Cmdline []string `json:"cmdline"`
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

// cmdline returns the arguments of a running process, nil if it is gone.
func cmdline(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}

// alive reports whether p still runs with the same command line.
func (p proc) alive() bool {
	c := cmdline(p.PID)
	return c != nil && slices.Equal(c, p.Cmdline)
}

// serveProc is the serve process of st.
func (st *state) serveProc() proc {
	return proc{Name: "demo serve", PID: st.ServePID, Cmdline: serveCmdline(st.ServePID, st.Dir)}
}

// serveCmdline returns pid's command line if it is a demo serving dir, else nil.
func serveCmdline(pid int, dir string) []string {
	c := cmdline(pid)
	if slices.Contains(c, "-serve") && slices.Contains(c, dir) {
		return c
	}
	return nil
}

// running reports whether st's serve process is alive.
func (st *state) running() bool {
	return st.serveProc().Cmdline != nil
}

// childProcs lists the processes whose parent is ppid.
func childProcs(ppid int) []proc {
	entries, _ := os.ReadDir("/proc")
	var out []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may contain spaces and parentheses.
		s := string(stat)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		f := strings.Fields(s[end+1:])
		if len(f) < 2 || f[1] != strconv.Itoa(ppid) {
			continue
		}
		if c := cmdline(pid); c != nil {
			out = append(out, proc{Name: procName(s[open+1:end], c), PID: pid, Cmdline: c})
		}
	}
	return out
}

// procName names a process for people: prosody runs as "lua5.4 /usr/bin/prosody".
func procName(comm string, args []string) string {
	if len(args) > 1 && strings.HasPrefix(comm, "lua") {
		return filepath.Base(args[1])
	}
	return comm
}

// terminate sends SIGTERM to p and waits up to grace for it to exit, then
// SIGKILLs it. It reports whether p was running.
func terminate(p proc, grace time.Duration) bool {
	if !p.alive() {
		return false
	}
	// A pidfd pins the process: signals cannot reach a reused PID, and
	// polling it says when the process has exited.
	fd, err := unix.PidfdOpen(p.PID, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	if !p.alive() { // re-check now that the PID is pinned
		return false
	}
	_ = unix.PidfdSendSignal(fd, syscall.SIGTERM, nil, 0)
	if !waitExit(fd, grace) {
		_ = unix.PidfdSendSignal(fd, syscall.SIGKILL, nil, 0)
		waitExit(fd, 5*time.Second)
	}
	return true
}

// waitExit waits until the process of pidfd exits or timeout passes.
func waitExit(fd int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, int(left.Milliseconds())+1)
		if err == unix.EINTR {
			continue
		}
		return err == nil && n > 0
	}
}

// stopStack stops the serve process of st (which stops its servers), then
// any recorded server still running (if the serve process died uncleanly).
// It returns what it stopped, for the message.
func stopStack(st *state) []string {
	var stopped []string
	if sp := st.serveProc(); sp.Cmdline != nil && terminate(sp, 40*time.Second) {
		stopped = append(stopped, fmt.Sprintf("%s (pid %d, with its servers)", sp.Name, sp.PID))
	}
	for _, p := range st.Processes {
		if terminate(p, 15*time.Second) {
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
	for _, p := range append([]proc{st.serveProc()}, st.Processes...) {
		if p.alive() {
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
