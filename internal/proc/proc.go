// Package proc runs the child processes of offrecord's test harnesses and
// demo (prosody, Dendrite, the bridge, libotr peers): start with output to a
// log file, readiness that proves the child itself listens on its ports,
// stop with grace (SIGTERM, then SIGKILL), and the helpers around them
// (module root, free ports, which process holds a port, stopping a process
// another program started).
//
// A Proc is safe for concurrent use. A nil *Proc stands for no process (a
// server that is stopped): it has exited, its PID is 0, and Signal, Stop and
// Kill do nothing.
package proc

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Options configure Start.
type Options struct {
	// Log receives the child's standard output and error (appended) unless
	// the caller set cmd.Stdout or cmd.Stderr itself. Tail reads it.
	Log string
	// Detached lets the child outlive this process: it gets its own session
	// and no parent-death signal. Without it the child gets its own process
	// group (a terminal's Ctrl-C does not reach it) and SIGKILL when this
	// process dies.
	Detached bool
}

// Proc is one started child process.
type Proc struct {
	name    string
	cmd     *exec.Cmd
	log     string
	done    chan struct{} // closed when the process has exited and been reaped
	waitErr error         // written before done is closed
}

// Start starts cmd (named name in errors) and reaps it in the background.
// Give pipes as *os.File (os.Pipe) so that reaping never closes them.
func Start(name string, cmd *exec.Cmd, opts Options) (*Proc, error) {
	p := &Proc{name: name, cmd: cmd, log: opts.Log, done: make(chan struct{})}
	if opts.Detached {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	} else {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	}
	if opts.Log != "" && cmd.Stdout == nil && cmd.Stderr == nil {
		f, err := os.OpenFile(opts.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, err
		}
		defer f.Close() // the child has its own descriptor
		cmd.Stdout, cmd.Stderr = f, f
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// PID is the process's ID.
func (p *Proc) PID() int {
	if p == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Done is closed once the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	if p == nil {
		return true
	}
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ExitErr is cmd.Wait's result once the process has exited (nil before).
func (p *Proc) ExitErr() error {
	if !p.Exited() {
		return nil
	}
	return p.waitErr
}

// Signal sends sig unless the process has exited.
func (p *Proc) Signal(sig syscall.Signal) error {
	if p.Exited() {
		return nil
	}
	return p.cmd.Process.Signal(sig)
}

// stopGrace is how long Stop waits after SIGTERM before SIGKILL.
const stopGrace = 15 * time.Second

// Stop sends SIGTERM (and SIGCONT, in case it is paused) and waits up to
// 15 s for the process to exit, then kills it. Stopping an exited process
// does nothing.
func (p *Proc) Stop() error {
	if p.Exited() {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGCONT)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(stopGrace):
	}
	_ = p.Kill()
	return fmt.Errorf("%s ignored SIGTERM for %s and was killed", p.name, stopGrace)
}

// Kill sends SIGKILL, as a crash would, and waits for the exit.
func (p *Proc) Kill() error {
	if !p.Exited() {
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return nil
}

// Tail returns the last n lines of the file at path, for failure reports.
func Tail(path string, n int) string {
	if path == "" {
		return "(no log)"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
