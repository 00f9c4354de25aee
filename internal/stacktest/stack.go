// Package stacktest assembles offrecord's real stack on 127.0.0.1 for the
// end-to-end tests, the benchmarks and the demo:
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
	"maps"
	"os"
	"path/filepath"
	"slices"

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
	// process holds as the server starts by a free one; Moved says which.
	// Without it a held fixed port fails Start with a *proc.PortBusyError
	// naming the holder.
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
	// Options for bridgetest.Prepare. Domain is filled in; XMPP gets tls
	// "required", ca_file and server of the stack's prosody unless set.
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
	po := opts.Prosody
	if err := s.startMoving(opts, "XMPP", []*int{&po.C2SPort, &po.DirectTLSPort, &po.HTTPPort}, func() (err error) {
		s.Prosody, err = prosodytest.StartDir(filepath.Join(dir, "prosody"), po)
		return err
	}); err != nil {
		return nil, fmt.Errorf("prosody: %w", err)
	}
	say("prosody is up: XMPP c2s %s (STARTTLS), direct TLS %s, domain %s", s.Prosody.Addr(), s.Prosody.DirectTLSAddr(), s.Prosody.Domain())

	say("building the bridge (go build -tags goolm ./cmd/offrecord)")
	bin, err := bridgetest.Build()
	if err != nil {
		return nil, err
	}
	var regs []string
	for _, spec := range opts.Bridges {
		bo := spec.Options
		bo.Domain = dendritetest.ServerName // HomeserverURL once Dendrite is up
		xmpp := map[string]any{"tls": "required", "ca_file": s.Prosody.CAFile(), "server": s.Prosody.Addr()}
		maps.Copy(xmpp, bo.XMPP)
		bo.XMPP = xmpp
		b, err := bridgetest.Prepare(bin, filepath.Join(dir, spec.Name), bo)
		if err != nil {
			return nil, fmt.Errorf("bridge %s: %w", spec.Name, err)
		}
		s.bridges[spec.Name] = b
		s.order = append(s.order, spec.Name)
		regs = append(regs, b.RegistrationPath())
	}
	hsPort := opts.DendritePort
	if err := s.startMoving(opts, "Matrix homeserver", []*int{&hsPort}, func() (err error) {
		s.HS, err = dendritetest.StartDir(filepath.Join(dir, "dendrite"), dendritetest.Options{Port: hsPort, AppserviceRegistrations: regs})
		return err
	}); err != nil {
		return nil, fmt.Errorf("dendrite: %w", err)
	}
	say("Dendrite is up: homeserver %s, server name %s", s.HS.URL(), s.HS.ServerName())
	for _, spec := range opts.Bridges {
		b := s.bridges[spec.Name]
		if err := b.SetHomeserver(s.HS.URL()); err != nil {
			return nil, err
		}
		if spec.Lazy {
			continue
		}
		if err := b.Start(); err != nil {
			return nil, fmt.Errorf("bridge %s: %w", spec.Name, err)
		}
		say("bridge (%s/) is up: bot %s", spec.Name, b.BotMXID(dendritetest.ServerName))
	}
	return s, nil
}

// startMoving calls start until it succeeds or fails other than on a busy
// fixed port among ports that may move (MovePorts): that one is set to 0
// (the server picks a free one) and noted.
func (s *Stack) startMoving(opts Options, what string, ports []*int, start func() error) error {
	for {
		err := start()
		var busy *proc.PortBusyError
		if err == nil || !opts.MovePorts || !errors.As(err, &busy) {
			return err
		}
		i := slices.IndexFunc(ports, func(p *int) bool { return *p == busy.Port })
		if i < 0 { // a port the server picked itself: it tried enough
			return err
		}
		*ports[i] = 0
		note := fmt.Sprintf("%s port %d is held by %s: using a free one", what, busy.Port, busy.Holder)
		s.Moved = append(s.Moved, note)
		s.say("note: %s", note)
	}
}

// Bridge returns the bridge named name (nil if there is none).
func (s *Stack) Bridge(name string) *bridgetest.Bridge { return s.bridges[name] }

// Close stops the bridges, Dendrite and prosody; the folder stays.
func (s *Stack) Close() {
	for i := len(s.order) - 1; i >= 0; i-- {
		_ = s.bridges[s.order[i]].Stop()
	}
	if s.HS != nil {
		_ = s.HS.Stop()
	}
	if s.Prosody != nil {
		s.Prosody.Stop()
	}
}
