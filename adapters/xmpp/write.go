package xmpp

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/stanza"
)

// Every stanza this package writes goes through session.write, or, inside a stanza handler, through
// the handler's writer (handlerWriter): both count it for XEP-0198 and keep it until the server
// acknowledges it, under mellium's writer lock, so that the count follows the order on the wire.
// Writing on the mellium session in any other way (Send, Encode, mellium's IQ or ping helpers) would
// put our count out of step with the server's: the field holding it is therefore named xs, not s.

// outKind says what becomes of a stanza that was never acknowledged when the session cannot be resumed.
type outKind uint8

const (
	// outOther (presence, IQ, chat state) is dropped: a new session sends its own presence, an IQ's
	// caller got an error, a chat state is stale.
	outOther outKind = iota
	// outQueued (receipt, marker) is sent again on the next session.
	outQueued
	// outMessage (a message from Send) is sent again on the next session, and reported as undelivered
	// (UndeliveredError) if the client is closed before that.
	outMessage
)

// outStanza is one stanza, marshalled once: a stanza sent again after a resumption or on a new session
// is the same bytes (for OTR data: the same ciphertext, never a new encryption of the plaintext).
type outStanza struct {
	raw  []byte
	id   string
	to   string
	kind outKind
}

// newOutStanza marshals v (a stanza: message, presence or iq in jabber:client with an id).
func newOutStanza(v interface{}, kind outKind, id, to string) (*outStanza, error) {
	raw, err := xml.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &outStanza{raw: raw, id: id, to: to, kind: kind}, nil
}

// rawReader reads tokens without namespace translation, so that they are written out as marshalled.
type rawReader struct{ d *xml.Decoder }

func (r rawReader) Token() (xml.Token, error) { return r.d.RawToken() }

// copyRaw writes marshalled XML to w as tokens (the way mellium's own Encode does).
func copyRaw(w xmlstream.TokenWriter, raw []byte) error {
	_, err := xmlstream.Copy(w, rawReader{xml.NewDecoder(bytes.NewReader(raw))})
	return err
}

// write writes o. kept reports that stream management holds o until the server acknowledges it: o then
// reaches the server even if this write failed (sent again after resumption, or on the next session).
//
// With cut, a context that ends during the write ends the session (a write cut halfway leaves the
// stream unusable) and its error is returned; without, the context only bounds the wait for room in
// the unacknowledged list. A context that ended before the write leaves the session alone. Any write
// error ends the session.
func (s *session) write(ctx context.Context, o *outStanza, cut bool) (kept bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := s.waitRoom(ctx); err != nil {
		return false, err
	}
	end := func() bool { return false }
	if cut {
		end = watch(ctx, func() { s.fail(fmt.Errorf("xmpp: write interrupted: %w", ctx.Err())) })
	}
	w := s.xs.TokenWriter()
	ask := false
	if sm := s.sm.Load(); sm != nil {
		kept, ask = sm.sent(o)
	}
	err = copyRaw(w, o.raw)
	if err == nil && ask {
		err = copyRaw(w, smRequest)
	}
	if err == nil {
		err = w.Flush()
	}
	_ = w.Close()
	if end() {
		return kept, ctx.Err()
	}
	if err != nil {
		s.fail(err)
	}
	return kept, err
}

// encode marshals v (a stanza with an id) and writes it like write, cutting the session when ctx ends
// during the write.
func (s *session) encode(ctx context.Context, v interface{}, kind outKind, id, to string) error {
	o, err := newOutStanza(v, kind, id, to)
	if err != nil {
		return err
	}
	_, err = s.write(ctx, o, true)
	return err
}

// handlerWriter is the writer a stanza handler gets: what it writes goes out through mellium's handler
// writer (so that mellium sees an IQ answered), and each top-level stanza in it is counted and kept
// for stream management like those of session.write. mellium's writer lock is taken at the first
// token and held until the handler returns, so counting at the stanza's end keeps the wire order.
type handlerWriter struct {
	xmlstream.TokenReadEncoder
	s     *session
	iqID  string // id of the IQ being handled ("" for other stanzas)
	depth int
	buf   bytes.Buffer // the stanza being written, re-encoded
	enc   *xml.Encoder
	// replied is set when an IQ result or error with iqID was written.
	replied bool
}

func newHandlerWriter(t xmlstream.TokenReadEncoder, s *session, start *xml.StartElement) *handlerWriter {
	w := &handlerWriter{TokenReadEncoder: t, s: s}
	if start.Name.Local == "iq" {
		w.iqID = attr(start, "id")
	}
	return w
}

// isStanzaName reports whether a top-level element written by a handler is a stanza (raw tokens carry
// no namespace, encoded ones jabber:client).
func isStanzaName(n xml.Name) bool {
	return (n.Space == "" || n.Space == stanza.NSClient) && (n.Local == "message" || n.Local == "presence" || n.Local == "iq")
}

// EncodeToken writes t and keeps track of top-level stanzas.
func (w *handlerWriter) EncodeToken(t xml.Token) error {
	if err := w.TokenReadEncoder.EncodeToken(t); err != nil {
		return err
	}
	switch tok := t.(type) {
	case xml.StartElement:
		if w.depth == 0 {
			if !isStanzaName(tok.Name) {
				w.depth++
				return nil
			}
			w.buf.Reset()
			w.enc = xml.NewEncoder(&w.buf)
			if tok.Name.Local == "iq" && attr(&tok, "id") == w.iqID && w.iqID != "" {
				typ := attr(&tok, "type")
				w.replied = w.replied || typ == "result" || typ == "error"
			}
		}
		w.depth++
	case xml.EndElement:
		w.depth--
	}
	if w.enc == nil {
		return nil
	}
	if err := w.enc.EncodeToken(xml.CopyToken(t)); err != nil {
		return err
	}
	if w.depth > 0 {
		return nil
	}
	err := w.enc.Flush()
	w.enc = nil
	if err != nil {
		return err
	}
	o := &outStanza{raw: bytes.Clone(w.buf.Bytes())}
	if sm := w.s.sm.Load(); sm != nil {
		if _, ask := sm.sent(o); ask {
			return copyRaw(w.TokenReadEncoder, smRequest)
		}
	}
	return nil
}

// Encode marshals v and writes it through EncodeToken.
func (w *handlerWriter) Encode(v interface{}) error {
	raw, err := xml.Marshal(v)
	if err != nil {
		return err
	}
	return copyRaw(w, raw)
}

// EncodeElement marshals v with start as its outer element and writes it through EncodeToken.
func (w *handlerWriter) EncodeElement(v interface{}, start xml.StartElement) error {
	var b bytes.Buffer
	e := xml.NewEncoder(&b)
	if err := e.EncodeElement(v, start); err != nil {
		return err
	}
	if err := e.Flush(); err != nil {
		return err
	}
	return copyRaw(w, b.Bytes())
}
