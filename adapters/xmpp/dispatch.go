package xmpp

import "sync"

// dispatcher calls Handler methods one at a time, in the order the events were queued, from its own
// goroutine, so that the handler may call back into the Client (even waiting calls) without deadlock.
type dispatcher struct {
	mu      sync.Mutex // guards pending and stopped
	pending []func()
	stopped bool
	wake    chan struct{} // capacity 1: something was queued or stop was asked
	done    chan struct{} // closed when the goroutine has exited
}

func newDispatcher() *dispatcher {
	d := &dispatcher{wake: make(chan struct{}, 1), done: make(chan struct{})}
	go d.loop()
	return d
}

// post queues f; after stop it is dropped.
func (d *dispatcher) post(f func()) {
	d.mu.Lock()
	if d.stopped {
		d.mu.Unlock()
		return
	}
	d.pending = append(d.pending, f)
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// stop lets the goroutine run what is queued and then end. It does not wait, so that Close may be
// called from a Handler method.
func (d *dispatcher) stop() {
	d.mu.Lock()
	d.stopped = true
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *dispatcher) loop() {
	defer close(d.done)
	for range d.wake {
		for {
			d.mu.Lock()
			if len(d.pending) == 0 {
				stopped := d.stopped
				d.mu.Unlock()
				if stopped {
					return
				}
				break
			}
			f := d.pending[0]
			d.pending[0] = nil
			d.pending = d.pending[1:]
			d.mu.Unlock()
			f()
		}
	}
}
