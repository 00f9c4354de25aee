package proc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Ready says when a started server is ready.
type Ready struct {
	// Ports are TCP ports on 127.0.0.1 that the process itself must listen
	// on: a socket in /proc/net/tcp whose inode is one of the process's file
	// descriptors. A connection that succeeds proves nothing, since another
	// program may hold the port.
	Ports []int
	// URL, when set, must answer a GET with 200 OK once the ports are ours
	// (a readiness endpoint, which now can only be ours).
	URL string
	// Timeout bounds the wait; default 60 s.
	Timeout time.Duration
}

// strangerGrace is how long another process may hold one of our ports
// before the start counts as lost to it (it may be a brief probe).
const strangerGrace = time.Second

// WaitReady waits until the process is ready as r says. It fails at once
// when the process exits, with a *PortBusyError when another process holds
// one of the ports, and after r.Timeout otherwise; each error ends with the
// last lines of the log.
func (p *Proc) WaitReady(r Ready) error {
	if r.Timeout == 0 {
		r.Timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.Timeout)
	defer cancel()
	if err := p.waitReady(ctx, r); err != nil {
		return fmt.Errorf("%w\n--- last lines of %s ---\n%s", err, p.log, Tail(p.log, 25))
	}
	return nil
}

func (p *Proc) waitReady(ctx context.Context, r Ready) error {
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	strangers := map[int]time.Time{} // port -> first seen held by another process
	portsOurs := false
	for {
		if p.Exited() {
			// A server that cannot bind its port often exits: say who holds it.
			for _, port := range r.Ports {
				if h, held := PortHolder(port); held {
					return fmt.Errorf("%w (%s exited: %v)", &PortBusyError{Server: p.name, Port: port, Holder: h}, p.name, p.ExitErr())
				}
			}
			return fmt.Errorf("%s exited during start-up (%v)", p.name, p.ExitErr())
		}
		if !portsOurs {
			own, missing := ListeningPorts(p.PID()), 0
			for _, port := range r.Ports {
				if own[port] {
					continue
				}
				missing++
				if h, held := PortHolder(port); !held || h.PID == p.PID() {
					delete(strangers, port)
				} else if first, seen := strangers[port]; !seen {
					strangers[port] = time.Now()
				} else if time.Since(first) >= strangerGrace {
					return &PortBusyError{Server: p.name, Port: port, Holder: h}
				}
			}
			portsOurs = missing == 0
		}
		if portsOurs && (r.URL == "" || httpOK(ctx, r.URL) == nil) {
			return nil
		}
		select {
		case <-ctx.Done():
			if !portsOurs {
				return fmt.Errorf("%s did not listen on 127.0.0.1 ports %v within %s", p.name, r.Ports, r.Timeout)
			}
			return fmt.Errorf("%s listens but %s did not answer within %s", p.name, r.URL, r.Timeout)
		case <-p.done:
		case <-tick.C:
		}
	}
}

// httpOK GETs url and wants 200 OK.
func httpOK(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

// PortBusyError says that a server could not listen on its port because
// another process holds it (match it with errors.As).
type PortBusyError struct {
	Server string // our server, e.g. "prosody"
	Port   int
	Holder Holder
}

func (e *PortBusyError) Error() string {
	return fmt.Sprintf("%s cannot listen on 127.0.0.1:%d: the port is held by %s", e.Server, e.Port, e.Holder)
}
