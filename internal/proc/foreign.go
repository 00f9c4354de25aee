package proc

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Ident identifies a process that is not (or no longer) our child, by PID
// and command line, so that a reused PID is never signalled.
type Ident struct {
	Name    string   `json:"name"`
	PID     int      `json:"pid"`
	Cmdline []string `json:"cmdline"`
}

// Cmdline returns the arguments of a running process, nil if it is gone.
func Cmdline(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}

// Alive reports whether the process still runs with the same command line.
func (id Ident) Alive() bool {
	c := Cmdline(id.PID)
	return c != nil && slices.Equal(c, id.Cmdline)
}

// Terminate sends SIGTERM to the process and waits up to grace for it to
// exit, then SIGKILLs it. It reports whether the process was running.
func Terminate(id Ident, grace time.Duration) bool {
	if id.PID <= 0 || !id.Alive() {
		return false
	}
	// A pidfd pins the process: signals cannot reach a reused PID, and
	// polling it says when the process has exited.
	fd, err := unix.PidfdOpen(id.PID, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	if !id.Alive() { // re-check now that the PID is pinned
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

// Children lists the running processes whose parent is ppid.
func Children(ppid int) []Ident {
	entries, _ := os.ReadDir("/proc")
	var out []Ident
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
		end := strings.LastIndexByte(s, ')')
		if end < 0 {
			continue
		}
		f := strings.Fields(s[end+1:])
		if len(f) < 2 || f[1] != strconv.Itoa(ppid) {
			continue
		}
		if id := (Ident{Name: Name(pid), PID: pid, Cmdline: Cmdline(pid)}); id.Cmdline != nil {
			out = append(out, id)
		}
	}
	return out
}

// ModuleRoot finds the folder holding offrecord's go.mod, walking up from
// the working directory.
func ModuleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil &&
			strings.Contains(string(b), "module github.com/offrecord/offrecord\n") {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("offrecord's go.mod not found above " + wd + ": run this inside the offrecord repository")
		}
	}
}
