// Package stacktest assembles offrecord's real stack on 127.0.0.1 for the
// end-to-end tests, the benchmarks, the demo and the PostgreSQL test:
// prosody (internal/prosodytest), Dendrite (internal/dendritetest) and one
// or more offrecord bridges (internal/bridgetest) registered with it, plus
// the steps every user of the stack repeats (XMPP accounts, plain buddies,
// logging a Matrix user's bridge in).
//
// A Stack's methods are safe for concurrent use; Close must not run
// concurrently with the others.
package stacktest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/offrecord/offrecord/internal/bridgetest"
	"github.com/offrecord/offrecord/internal/dendritetest"
	"github.com/offrecord/offrecord/internal/proc"
	"github.com/offrecord/offrecord/internal/prosodytest"
)

// Options configure Start.
type Options struct {
	// Prosody configures the XMPP server; ports left 0 are picked free.
	Prosody prosodytest.Options
	// DendritePort is the homeserver's port; 0 picks a free one.
	DendritePort int
	// MovePorts replaces a fixed port (Prosody's, DendritePort) that another
	// process holds by a free one, also when it is taken between the check
	// and the server's start; Moved says which. Without it a held fixed
	// port fails Start with a *proc.PortBusyError naming the holder.
	MovePorts bool
	// Bridges are prepared in order in dir/NAME and registered with Dendrite.
	Bridges []BridgeSpec
	// Progress, when set, is told each step (the demo prints it).
	Progress func(format string, args ...any)
}

// BridgeSpec is one bridge of the stack.
type BridgeSpec struct {
	// Name is the bridge's folder under the stack's (and how Bridge finds it).
	Name string
	// Options for bridgetest.Prepare. HomeserverURL and Domain are filled in;
	// XMPP gets tls "required", ca_file and server of the stack's prosody
	// unless set.
	Options bridgetest.Options
	// Lazy bridges are prepared and registered but not started: a test that
	// needs one starts it.
	Lazy bool
}

// Stack is a running stack.
type Stack struct {
	Dir     string
	Prosody *prosodytest.Server
	HS      *dendritetest.Server
	// Moved lists the fixed ports that were busy and replaced (MovePorts).
	Moved []string

	bridges map[string]*bridgetest.Bridge
	order   []string
	say     func(format string, args ...any) // Options.Progress or a no-op

	mu  sync.Mutex // guards seq
	seq int
}

// Start brings the stack up in dir: prosody, the bridges' configs (Dendrite
// needs their registrations at start), Dendrite, then the bridges that are
// not Lazy. On failure it stops what it started.
func Start(dir string, opts Options) (_ *Stack, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	say := opts.Progress
	if say == nil {
		say = func(string, ...any) {}
	}
	s := &Stack{Dir: dir, bridges: map[string]*bridgetest.Bridge{}, say: say}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if err := s.startProsody(opts); err != nil {
		return nil, fmt.Errorf("prosody: %w", err)
	}
	say("prosody is up: XMPP c2s %s (STARTTLS), direct TLS %s, domain %s", s.Prosody.Addr(), s.Prosody.DirectTLSAddr(), s.Prosody.Domain())

	say("building the bridge (go build -tags goolm ./cmd/offrecord)")
	bin, err := bridgetest.Build()
	if err != nil {
		return nil, err
	}
	hsPort, err := s.port(opts.DendritePort, opts.MovePorts, "Matrix homeserver")
	if err != nil {
		return nil, err
	}
	var regs []string
	for _, spec := range opts.Bridges {
		bo := spec.Options
		bo.HomeserverURL, bo.Domain = hsURL(hsPort), dendritetest.ServerName
		xmpp := map[string]any{"tls": "required", "ca_file": s.Prosody.CAFile(), "server": s.Prosody.Addr()}
		for k, v := range bo.XMPP {
			xmpp[k] = v
		}
		bo.XMPP = xmpp
		b, err := bridgetest.Prepare(bin, filepath.Join(dir, spec.Name), bo)
		if err != nil {
			return nil, fmt.Errorf("bridge %s: %w", spec.Name, err)
		}
		s.bridges[spec.Name] = b
		s.order = append(s.order, spec.Name)
		regs = append(regs, b.RegistrationPath())
	}
	if err := s.startDendrite(hsPort, opts, regs); err != nil {
		return nil, err
	}
	say("Dendrite is up: homeserver %s, server name %s", s.HS.URL(), s.HS.ServerName())
	for _, spec := range opts.Bridges {
		if spec.Lazy {
			continue
		}
		if err := s.bridges[spec.Name].Start(); err != nil {
			return nil, fmt.Errorf("bridge %s: %w", spec.Name, err)
		}
		say("bridge (%s/) is up: bot %s", spec.Name, s.bridges[spec.Name].BotMXID(dendritetest.ServerName))
	}
	return s, nil
}

func hsURL(port int) string { return "http://127.0.0.1:" + strconv.Itoa(port) }

// port returns want, or a free port when want is 0 or (with move) held by
// another process now.
func (s *Stack) port(want int, move bool, what string) (int, error) {
	if want != 0 {
		h, held := proc.PortHolder(want)
		if !held || !move {
			return want, nil
		}
		free, err := proc.FreePort()
		if err != nil {
			return 0, err
		}
		s.moved(fmt.Sprintf("%s port %d is held by %s: using %d", what, want, h, free))
		return free, nil
	}
	return proc.FreePort()
}

// afterPortCheck, when set (by tests), runs between the busy-port check and
// prosody's start: the moment another program may take a port.
var afterPortCheck func()

// startProsody starts prosody, moving busy fixed ports when told to.
func (s *Stack) startProsody(opts Options) error {
	po := opts.Prosody
	ports := []struct {
		p    *int
		what string
	}{{&po.C2SPort, "XMPP c2s"}, {&po.DirectTLSPort, "XMPP direct TLS"}, {&po.HTTPPort, "XMPP HTTP upload"}}
	for _, pt := range ports {
		if *pt.p != 0 && opts.MovePorts {
			if h, held := proc.PortHolder(*pt.p); held {
				s.moved(fmt.Sprintf("%s port %d is held by %s: using a free one", pt.what, *pt.p, h))
				*pt.p = 0
			}
		}
	}
	if afterPortCheck != nil {
		afterPortCheck()
	}
	for attempt := 0; ; attempt++ {
		xs, err := prosodytest.StartDir(filepath.Join(s.Dir, "prosody"), po)
		if err == nil {
			s.Prosody = xs
			return nil
		}
		var busy *proc.PortBusyError
		if !opts.MovePorts || !errors.As(err, &busy) || attempt == 2 {
			return err
		}
		// Taken after the check above: move that port too.
		moved := false
		for _, pt := range ports {
			if *pt.p == busy.Port {
				s.moved(fmt.Sprintf("%s port %d was taken by %s as prosody started: using a free one", pt.what, busy.Port, busy.Holder))
				*pt.p, moved = 0, true
			}
		}
		if !moved {
			return err
		}
	}
}

// startDendrite starts Dendrite on port, moving it (and the bridges' homeserver
// URL) when it is taken and may move.
func (s *Stack) startDendrite(port int, opts Options, regs []string) error {
	movable := opts.DendritePort == 0 || opts.MovePorts
	for attempt := 0; ; attempt++ {
		hs, err := dendritetest.StartDir(filepath.Join(s.Dir, "dendrite"), dendritetest.Options{Port: port, AppserviceRegistrations: regs})
		if err == nil {
			s.HS = hs
			return nil
		}
		var busy *proc.PortBusyError
		if !movable || !errors.As(err, &busy) || attempt == 2 {
			if errors.Is(err, dendritetest.ErrNoBinaries) {
				return fmt.Errorf("%w: run `make deps`", err)
			}
			return fmt.Errorf("dendrite: %w", err)
		}
		if opts.DendritePort != 0 {
			s.moved(fmt.Sprintf("Matrix homeserver port %d was taken by %s as Dendrite started: using a free one", port, busy.Holder))
		}
		if port, err = proc.FreePort(); err != nil {
			return err
		}
		for _, b := range s.bridges {
			if err := b.SetHomeserver(hsURL(port)); err != nil {
				return err
			}
		}
	}
}

// moved records (and reports) a port that moved.
func (s *Stack) moved(note string) {
	s.Moved = append(s.Moved, note)
	s.say("note: %s", note)
}

// Bridge returns the bridge named name (nil if there is none).
func (s *Stack) Bridge(name string) *bridgetest.Bridge { return s.bridges[name] }

// Close stops the bridges, Dendrite and prosody; the folder stays.
func (s *Stack) Close() {
	for i := len(s.order) - 1; i >= 0; i-- {
		_ = s.bridges[s.order[i]].Stop()
	}
	if s.HS != nil {
		_ = s.HS.Close()
	}
	if s.Prosody != nil {
		_ = s.Prosody.Close()
	}
}

// Name returns a fresh account name: prefix and a sequence number.
func (s *Stack) Name(prefix string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return prefix + strconv.Itoa(s.seq)
}
