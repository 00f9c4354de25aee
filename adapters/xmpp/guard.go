package xmpp

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"time"
)

// guardConn is the connection handed to mellium: it ignores deadlines.
//
// mellium enforces the context of a write (Encode, Send, IQs) and of stream negotiation by starting a
// goroutine that, when the context ends, sets a deadline in the past on the connection and then
// resets it. That goroutine may run only after the operation has returned and the caller has cancelled
// its context (a context.WithTimeout with a deferred cancel, as every caller has): it then sees both
// "context done" and "operation over", picks one at random, and may set the past deadline anyway. The
// next read or write, from an unrelated caller, then fails with "i/o timeout" and the session is lost:
// under CPU load a Send just after connecting was queued that way instead of sent.
//
// Contexts are enforced by closing the connection instead (see watch and session.write); our own
// writes never hand a context to mellium at all.
type guardConn struct{ net.Conn }

func (guardConn) SetDeadline(time.Time) error      { return nil }
func (guardConn) SetReadDeadline(time.Time) error  { return nil }
func (guardConn) SetWriteDeadline(time.Time) error { return nil }

// ConnectionState passes on the TLS state (direct TLS), which mellium reads for channel binding.
func (g guardConn) ConnectionState() tls.ConnectionState {
	if tc, ok := g.Conn.(interface{ ConnectionState() tls.ConnectionState }); ok {
		return tc.ConnectionState()
	}
	return tls.ConnectionState{}
}

// watch calls cut if ctx ends before the returned end is called. end reports whether cut was called;
// once end has returned, cut has either run to completion or never will.
func watch(ctx context.Context, cut func()) (end func() bool) {
	var mu sync.Mutex
	over, cutDone := false, false
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !over {
			cutDone = true
			cut()
		}
	})
	return func() bool {
		stop()
		mu.Lock()
		defer mu.Unlock()
		over = true
		return cutDone
	}
}
