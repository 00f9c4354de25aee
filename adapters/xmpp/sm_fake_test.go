package xmpp

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mellium.im/xmlstream"
)

// smServer is a hand-written XMPP server for stream management tests, on the server end of net.Pipe
// connections: PLAIN login, bind, XEP-0198 (enable, r/a, resume) with its session state kept across
// connections, and knobs to hold acks, lose stanzas in flight, refuse resumption and cut the
// connection. It writes through a queue of its own, so that it never blocks on the client (as a real
// server does not).
type smServer struct {
	t *testing.T

	mu sync.Mutex // guards all fields below
	// offer makes the server offer stream management.
	offer bool
	// holdAcks keeps the server from answering <r/> (the client's stanzas stay unacknowledged).
	holdAcks bool
	// forget makes the next resumption fail; forgetH says whether <failed/> carries the server's count.
	forget, forgetH bool
	// loseFrom, when not 0, makes the server lose (not count, not record) every client stanza from
	// this number on, and (with loseCut) cut the connection at the first of them: stanzas lost in
	// flight.
	loseFrom uint32
	loseCut  bool
	conns    int // connections accepted
	conn     net.Conn
	out      chan []byte // to the current connection's writer
	sess     *fakeSMSession
	enabled  bool // stream management on for the current connection
	// got records every client stanza the server handled, as "conn:text".
	got []string
	// resumes records the h of each <resume/> and the id.
	resumes []uint32
	// enables counts <enable/> elements.
	enables int
	// lastA is the h of the client's last <a/>.
	lastA   uint32
	aSeen   chan uint32 // each client <a/>
	gotCh   chan string // each recorded stanza
	resumed chan struct{}
}

// fakeSMSession is the server side of one stream-managed session.
type fakeSMSession struct {
	id    string
	in    uint32   // client stanzas handled
	acked uint32   // our stanzas the client acknowledged
	out   [][]byte // our stanzas not acknowledged yet
}

func newSMServer(t *testing.T) *smServer {
	return &smServer{t: t, offer: true, aSeen: make(chan uint32, 1000), gotCh: make(chan string, 1000),
		resumed: make(chan struct{}, 10)}
}

// dial is a Client dialHook.
func (f *smServer) dial(ctx context.Context) (net.Conn, error) {
	cc, sc := net.Pipe()
	out := make(chan []byte, 10000)
	f.mu.Lock()
	f.conns++
	n := f.conns
	if f.out != nil {
		close(f.out) // the previous connection is replaced
	}
	f.conn, f.out, f.enabled = sc, out, false
	f.mu.Unlock()
	written := make(chan struct{})
	go func() {
		defer close(written)
		for b := range out {
			if b == nil {
				_ = sc.Close() // cut after what was queued before
			}
			if _, err := sc.Write(b); err != nil {
				for range out {
				}
				return
			}
		}
	}()
	go func() {
		err := f.serve(n, sc, out)
		if err != nil && !isClosedErr(err) {
			f.t.Logf("fake server connection %d: %v", n, err)
		}
		f.mu.Lock()
		if f.out == out {
			close(out)
			f.out = nil
		}
		f.mu.Unlock()
		select {
		case <-written:
		case <-time.After(waitFor):
		}
		_ = sc.Close()
	}()
	return cc, nil
}

func isClosedErr(err error) bool {
	return err == io.EOF || err == io.ErrClosedPipe || strings.Contains(err.Error(), "closed")
}

// write queues raw for the current connection.
func (f *smServer) writeLocked(raw string) {
	if f.out != nil {
		f.out <- []byte(raw)
	}
}

// cut closes the current connection.
func (f *smServer) cut() {
	f.mu.Lock()
	c := f.conn
	f.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
}

// inject sends a stanza to the client (counted and kept for resending when stream management is on).
func (f *smServer) inject(raw string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.enabled {
		f.sess.out = append(f.sess.out, []byte(raw))
	}
	f.writeLocked(raw)
}

// injectLost counts a stanza as sent without writing it: it is lost in flight, and only a resumption
// brings it to the client.
func (f *smServer) injectLost(raw string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sess.out = append(f.sess.out, []byte(raw))
}

// injectPartial counts a stanza as sent but writes only its first half and cuts the connection: the
// client reads a stanza that never ends.
func (f *smServer) injectPartial(raw string) {
	f.mu.Lock()
	f.sess.out = append(f.sess.out, []byte(raw))
	f.writeLocked(raw[:len(raw)/2])
	if f.out != nil {
		f.out <- nil
	}
	f.mu.Unlock()
}

// request asks the client for an ack.
func (f *smServer) request() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writeLocked(`<r xmlns='urn:xmpp:sm:3'/>`)
}

// set changes knobs under the lock.
func (f *smServer) set(mod func(f *smServer)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	mod(f)
}

// bodies returns the bodies of the recorded messages, in order, with the connection number.
func (f *smServer) messages() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, g := range f.got {
		if i := strings.Index(g, "<body"); i >= 0 {
			i += strings.Index(g[i:], ">") + 1
			j := strings.Index(g, "</body>")
			out = append(out, g[:strings.Index(g, ":")]+":"+g[i:j])
		}
	}
	return out
}

// waitGot waits for a recorded stanza containing sub.
func (f *smServer) waitGot(sub string) string {
	f.t.Helper()
	deadline := time.After(waitFor)
	for {
		select {
		case g := <-f.gotCh:
			if strings.Contains(g, sub) {
				return g
			}
		case <-deadline:
			f.t.Fatalf("the server got no stanza with %q", sub)
		}
	}
}

// waitA waits for a client ack with h >= n.
func (f *smServer) waitA(n uint32) uint32 {
	f.t.Helper()
	deadline := time.After(waitFor)
	for {
		select {
		case h := <-f.aSeen:
			if h >= n {
				return h
			}
		case <-deadline:
			f.t.Fatalf("no client ack reaching %d", n)
		}
	}
}

var errStreamEnd = errors.New("end of stream")

const streamHeader = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='s%d' from='localhost' version='1.0'>`

// serve runs one connection.
func (f *smServer) serve(n int, conn net.Conn, out chan []byte) error {
	d := xml.NewDecoder(conn)
	send := func(s string) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.out == out {
			f.writeLocked(s)
		}
	}
	// Stream, SASL PLAIN, restart.
	if err := expectStream(d); err != nil {
		return err
	}
	send(fmt.Sprintf(streamHeader, n) + `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>`)
	if _, _, err := readElement(d); err != nil {
		return err
	}
	send(`<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>`)
	if err := expectStream(d); err != nil {
		return err
	}
	f.mu.Lock()
	offer := f.offer
	f.mu.Unlock()
	features := `<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>`
	if offer {
		features += `<sm xmlns='urn:xmpp:sm:3'><optional/></sm>`
	}
	send(fmt.Sprintf(streamHeader, n) + `<stream:features>` + features + `</stream:features>`)
	for {
		start, text, err := readElement(d)
		if err == errStreamEnd {
			// The client closed the stream: a last ack, as prosody sends, and our end.
			f.mu.Lock()
			if f.enabled && f.out == out {
				f.writeLocked(`<a xmlns='urn:xmpp:sm:3' h='` + strconv.FormatUint(uint64(f.sess.in), 10) + `'/>`)
				f.sess = nil // a closed stream ends the session
			}
			f.writeLocked(`</stream:stream>`)
			f.mu.Unlock()
			return nil
		}
		if err != nil {
			return err
		}
		if err := f.handle(n, out, start, text); err != nil {
			return err
		}
	}
}

func expectStream(d *xml.Decoder) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "stream" {
			return nil
		}
	}
}

// readElement reads the next top-level element and returns its start and its text re-encoded.
func readElement(d *xml.Decoder) (xml.StartElement, string, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.StartElement{}, "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var b bytes.Buffer
			e := xml.NewEncoder(&b)
			start := t.Copy()
			r := dropXMLNS(xmlstream.MultiReader(xmlstream.Token(start), xmlstream.InnerElement(d)))
			if _, err := xmlstream.Copy(e, r); err != nil {
				return start, "", err
			}
			if err := e.Flush(); err != nil {
				return start, "", err
			}
			return start, b.String(), nil
		case xml.EndElement:
			return xml.StartElement{}, "", errStreamEnd
		}
	}
}

// handle answers one client element.
func (f *smServer) handle(n int, out chan []byte, start xml.StartElement, text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.out != out {
		return io.EOF
	}
	h := func() uint32 {
		v, _ := strconv.ParseUint(attr(&start, "h"), 10, 32)
		return uint32(v)
	}
	switch {
	case start.Name.Space == nsSM && start.Name.Local == "enable":
		f.enables++
		f.sess = &fakeSMSession{id: fmt.Sprintf("sm%d", n)}
		f.enabled = true
		f.writeLocked(`<enabled xmlns='urn:xmpp:sm:3' id='` + f.sess.id + `' resume='true' max='300'/>`)
	case start.Name.Space == nsSM && start.Name.Local == "resume":
		f.resumes = append(f.resumes, h())
		if f.sess == nil || attr(&start, "previd") != f.sess.id || f.forget {
			failed := `<failed xmlns='urn:xmpp:sm:3'`
			if f.forgetH && f.sess != nil {
				failed += ` h='` + strconv.FormatUint(uint64(f.sess.in), 10) + `'`
			}
			f.writeLocked(failed + `><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>`)
			f.forget, f.sess = false, nil
			return nil
		}
		f.ackLocked(h())
		f.enabled = true
		f.writeLocked(`<resumed xmlns='urn:xmpp:sm:3' previd='` + f.sess.id + `' h='` + strconv.FormatUint(uint64(f.sess.in), 10) + `'/>`)
		for _, raw := range f.sess.out {
			f.writeLocked(string(raw))
		}
		f.resumed <- struct{}{}
	case start.Name.Space == nsSM && start.Name.Local == "r":
		if !f.holdAcks && f.enabled {
			f.writeLocked(`<a xmlns='urn:xmpp:sm:3' h='` + strconv.FormatUint(uint64(f.sess.in), 10) + `'/>`)
		}
	case start.Name.Space == nsSM && start.Name.Local == "a":
		f.lastA = h()
		f.ackLocked(h())
		f.aSeen <- h()
	case start.Name.Local == "iq" && strings.Contains(text, "xmpp-bind"):
		res := "offrecord"
		if i := strings.Index(text, "<resource>"); i >= 0 {
			res = text[i+10 : strings.Index(text, "</resource>")]
		}
		f.writeLocked(`<iq type='result' id='` + attr(&start, "id") + `'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@localhost/` + res + `</jid></bind></iq>`)
	case start.Name.Local == "message" || start.Name.Local == "presence" || start.Name.Local == "iq":
		if f.enabled {
			if f.loseFrom != 0 && f.sess.in+1 >= f.loseFrom {
				if !f.loseCut {
					return nil
				}
				f.loseFrom = 0
				_ = f.conn.Close() // lost in flight, and the connection with it
				return io.EOF
			}
			f.sess.in++
		}
		g := strconv.Itoa(n) + ":" + text
		f.got = append(f.got, g)
		f.gotCh <- g
		if start.Name.Local == "iq" && (attr(&start, "type") == "get" || attr(&start, "type") == "set") {
			reply := `<iq type='result' id='` + attr(&start, "id") + `'/>`
			if f.enabled {
				f.sess.out = append(f.sess.out, []byte(reply))
			}
			f.writeLocked(reply)
		}
	}
	return nil
}

// ackLocked applies a client count to the server's unacknowledged list.
func (f *smServer) ackLocked(h uint32) {
	s := f.sess
	k := int(h - s.acked)
	if k > len(s.out) {
		f.t.Errorf("client acked %d, but the server sent %d", h, int(s.acked)+len(s.out))
		k = len(s.out)
	}
	s.out = s.out[k:]
	s.acked = h
}

// smClient makes a Client for alice@localhost on f, with mod applied to its config; it is not
// connected yet.
func smClient(t *testing.T, f *smServer, mod func(*Config)) (*Client, *recorder) {
	t.Helper()
	cfg := Config{JID: "alice@localhost", Password: "pw", TLS: TLSDisabled, AllowPlainAuth: true,
		KeepaliveInterval: time.Hour, KeepaliveTimeout: 5 * time.Second,
		ReconnectMin: 10 * time.Millisecond, ReconnectMax: 50 * time.Millisecond, Logger: testLogger(t)}
	if mod != nil {
		mod(&cfg)
	}
	rec := newRecorder()
	c, err := New(cfg, rec)
	if err != nil {
		t.Fatal(err)
	}
	c.dialHook = f.dial
	t.Cleanup(func() {
		_ = c.Close()
		f.cut()
	})
	return c, rec
}

// runClient connects c, starts Run and waits until the server has enabled stream management (when
// offered) and seen the initial presence.
func runClient(t *testing.T, c *Client, rec *recorder, f *smServer) {
	t.Helper()
	if err := c.Connect(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	rec.awaitState(t, StateConnected)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go c.Run(ctx)
}
