package xmpp

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"mellium.im/sasl"
	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// fakeServer is the server end of a net.Pipe: a mellium server session that accepts any PLAIN login,
// binds the requested resource, answers IQ get/set with an empty result and records every stanza the
// client sends. Tests inject raw XML with inject.
type fakeServer struct {
	t    testing.TB
	conn net.Conn
	sess *xmpp.Session
	got  chan string // stanzas from the client, re-encoded
	// reply, when set before connecting, may answer an IQ get/set (given its id and text) with raw
	// XML instead of the empty result; "" keeps the empty result.
	reply func(id, stanza string) string
}

type fakeHandler struct{ f *fakeServer }

func (h fakeHandler) HandleXMPP(t xmlstream.TokenReadEncoder, start *xml.StartElement) error {
	var buf bytes.Buffer
	e := xml.NewEncoder(&buf)
	if _, err := xmlstream.Copy(e, dropXMLNS(xmlstream.MultiReader(xmlstream.Token(*start), t))); err != nil {
		h.f.got <- "COPY ERROR: " + err.Error() + " after " + buf.String()
		return nil
	}
	_ = e.Flush()
	h.f.got <- buf.String()
	if start.Name.Local == "iq" {
		typ, id := attr(start, "type"), attr(start, "id")
		if (typ == "get" || typ == "set") && h.f.reply != nil {
			if raw := h.f.reply(id, buf.String()); raw != "" {
				_, _ = xmlstream.Copy(t, dropXMLNS(xml.NewDecoder(strings.NewReader(raw))))
				return nil
			}
		}
		if typ == "get" || typ == "set" {
			_ = t.EncodeToken(xml.StartElement{Name: xml.Name{Local: "iq"}, Attr: []xml.Attr{
				{Name: xml.Name{Local: "type"}, Value: "result"}, {Name: xml.Name{Local: "id"}, Value: id}}})
			_ = t.EncodeToken(xml.EndElement{Name: xml.Name{Local: "iq"}})
		}
	}
	return nil
}

// inject writes raw XML on the stream, holding the session's writer lock so it never interleaves
// with mellium's own writes.
func (f *fakeServer) inject(raw string) {
	f.t.Helper()
	w := f.sess.TokenWriter()
	defer w.Close()
	if _, err := io.WriteString(f.conn, raw); err != nil {
		f.t.Fatalf("inject: %v", err)
	}
}

// next returns the next stanza the client sent whose text contains sub... it skips others.
func (f *fakeServer) next(match func(string) bool) string {
	f.t.Helper()
	deadline := time.After(waitFor)
	var skipped []string
	for {
		select {
		case s := <-f.got:
			if match(s) {
				return s
			}
			skipped = append(skipped, s)
		case <-deadline:
			f.t.Fatalf("timed out waiting for a stanza from the client; skipped %d: %q", len(skipped), skipped)
		}
	}
}

// pipeClient connects a Client for alice@localhost to a fake server over net.Pipe.
func pipeClient(t testing.TB, mod func(*Config)) (*Client, *recorder, *fakeServer) {
	t.Helper()
	return pipeClientHook(t, mod, nil)
}

// pipeClientHook is pipeClient with hook (if not nil) wrapped around the connection mellium uses.
func pipeClientHook(t testing.TB, mod func(*Config), hook func(net.Conn) net.Conn) (*Client, *recorder, *fakeServer) {
	t.Helper()
	c, rec, f, connect := newPipeClient(t, mod, hook)
	connect()
	return c, rec, f
}

// newPipeClient makes the client of pipeClientHook without connecting it; connect connects it and
// waits for StateConnected.
func newPipeClient(t testing.TB, mod func(*Config), hook func(net.Conn) net.Conn) (*Client, *recorder, *fakeServer, func()) {
	t.Helper()
	cfg := Config{JID: "alice@localhost", Password: "pw", TLS: TLSDisabled, AllowPlainAuth: true,
		KeepaliveInterval: time.Hour, Logger: testLogger(t)}
	if mod != nil {
		mod(&cfg)
	}
	rec := newRecorder()
	c, err := New(cfg, rec)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{t: t, got: make(chan string, 1000)}
	ready := make(chan error, 1)
	c.dialHook = func(ctx context.Context) (net.Conn, error) {
		cc, sc := net.Pipe()
		f.conn = sc
		go func() {
			s, err := xmpp.ReceiveSession(context.Background(), sc, xmpp.Secure, xmpp.NewNegotiator(
				func(*xmpp.Session, *xmpp.StreamConfig) xmpp.StreamConfig {
					return xmpp.StreamConfig{Features: []xmpp.StreamFeature{
						xmpp.SASLServer(func(*sasl.Negotiator) bool { return true }, sasl.Plain),
						xmpp.BindCustom(func(j jid.JID, res string) (jid.JID, error) {
							return jid.MustParse("alice@localhost").WithResource(res)
						}),
					}}
				}))
			if err != nil {
				ready <- err
				return
			}
			f.sess = s
			ready <- nil
			_ = s.Serve(fakeHandler{f})
		}()
		return cc, nil
	}
	c.connHook = hook
	t.Cleanup(func() {
		_ = c.Close()
		if f.conn != nil {
			_ = f.conn.Close()
		}
	})
	connect := func() {
		t.Helper()
		if err := c.Connect(ctxT(t)); err != nil {
			t.Fatalf("Connect over pipe: %v", err)
		}
		if err := <-ready; err != nil {
			t.Fatal(err)
		}
		rec.awaitState(t, StateConnected)
	}
	return c, rec, f, connect
}

var _ = stanza.NSClient

// dropXMLNS removes xmlns attributes, which the decoder keeps next to Name.Space and which the
// encoder would then write twice.
func dropXMLNS(r xml.TokenReader) xml.TokenReader {
	return xmlstream.ReaderFunc(func() (xml.Token, error) {
		tok, err := r.Token()
		if se, ok := tok.(xml.StartElement); ok {
			attrs := se.Attr[:0:0]
			for _, a := range se.Attr {
				if a.Name.Local != "xmlns" && a.Name.Space != "xmlns" {
					attrs = append(attrs, a)
				}
			}
			se.Attr = attrs
			tok = se
		}
		return tok, err
	})
}
