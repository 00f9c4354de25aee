package xmpp

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/offrecord/offrecord/internal/prosodytest"
)

// countingHandler counts messages and signals when want of them arrived.
type countingHandler struct {
	*recorder
	n    atomic.Int64
	want atomic.Int64
	done chan struct{}
}

func (h *countingHandler) HandleMessage(m *Message) {
	if h.n.Add(1) == h.want.Load() {
		close(h.done)
	}
}

// BenchmarkSendReceive measures messages per second from one account to another through prosody
// (STARTTLS, receipts requested), including delivery to the receiver's handler.
func BenchmarkSendReceive(b *testing.B) {
	srv := prosodytest.Start(b, prosodytest.Options{})
	alice, ar := account(b, srv, "alice", nil)
	online(b, alice, ar)
	srv.Register("bob", "pw-bob")
	h := &countingHandler{recorder: newRecorder(), done: make(chan struct{})}
	bob, err := New(Config{JID: "bob@localhost", Password: "pw-bob", Server: srv.Addr(), CAFile: srv.CAFile(),
		Logger: testLogger(b)}, h)
	if err != nil {
		b.Fatal(err)
	}
	defer bob.Close()
	if err := bob.Connect(context.Background()); err != nil {
		b.Fatal(err)
	}
	to := bob.LocalJID().Bare()
	ctx := context.Background()
	h.want.Store(int64(b.N))
	b.ResetTimer()
	for i := range b.N {
		if _, err := alice.Send(ctx, Outgoing{To: to, Body: "message " + strconv.Itoa(i), RequestReceipt: true}); err != nil {
			b.Fatal(err)
		}
	}
	await(b, h.done, "all messages")
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
