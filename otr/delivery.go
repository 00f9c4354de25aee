package otr

import "sync"

// outItem is one callback to make: wire text for Send, or an event.
type outItem struct {
	wire  string
	event *Event
}

// outbox delivers a session's callbacks in order, with no session lock held.
// Items are pushed while the session lock is held (so their order is the
// order of state changes) and drained after it is released by whichever
// caller finds the outbox idle; a callback that calls back into the Manager
// only queues more items for the drainer already running.
type outbox struct {
	mu       sync.Mutex
	items    []outItem // guarded by mu
	draining bool      // guarded by mu
}

func (o *outbox) push(items ...outItem) {
	o.mu.Lock()
	o.items = append(o.items, items...)
	o.mu.Unlock()
}

func (o *outbox) drain(account, peer string, send func(account, peer, wire string), onEvent func(Event)) {
	o.mu.Lock()
	if o.draining {
		o.mu.Unlock()
		return
	}
	o.draining = true
	// Callbacks may push more items meanwhile: they are appended and
	// delivered by this loop.
	for i := 0; i < len(o.items); i++ {
		it := o.items[i]
		o.items[i] = outItem{}
		o.mu.Unlock()
		if it.event != nil {
			onEvent(*it.event)
		} else {
			send(account, peer, it.wire)
		}
		o.mu.Lock()
	}
	o.items = reuse(o.items)
	o.draining = false
	o.mu.Unlock()
}

// keptItems bounds the capacity an idle session keeps for its next items.
const keptItems = 8

// reuse empties items (already cleared) for the next call, keeping a small
// backing array rather than allocating one per message.
func reuse(items []outItem) []outItem {
	if cap(items) > keptItems {
		return nil
	}
	return items[:0]
}
