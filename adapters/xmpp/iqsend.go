package xmpp

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"sync"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// Our own IQ requests: written through session.write like any stanza, and their answers read by the
// stanza handler, so that stream management counts both. (mellium's IQ helpers would write around our
// count, and hand answers to the caller without our handler seeing them.)

// iqWaiters are the IQ requests of one session waiting for their answer. The zero value is ready.
type iqWaiters struct {
	mu      sync.Mutex // guards pending and err
	pending map[string]chan []xml.Token
	err     error // set by stop: the session ended
}

// expect registers id and returns the channel its answer (the whole stanza) arrives on.
func (w *iqWaiters) expect(id string) (<-chan []xml.Token, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return nil, w.err
	}
	if w.pending == nil {
		w.pending = map[string]chan []xml.Token{}
	}
	ch := make(chan []xml.Token, 1)
	w.pending[id] = ch
	return ch, nil
}

// forget removes id.
func (w *iqWaiters) forget(id string) {
	w.mu.Lock()
	delete(w.pending, id)
	w.mu.Unlock()
}

// deliver hands an answer to its waiter; it reports false when nobody waits for id.
func (w *iqWaiters) deliver(id string, toks []xml.Token) bool {
	w.mu.Lock()
	ch, ok := w.pending[id]
	delete(w.pending, id)
	w.mu.Unlock()
	if ok {
		ch <- toks
	}
	return ok
}

// stop fails every waiter, now and later, with err (the session is over).
func (w *iqWaiters) stop(err error) {
	if err == nil {
		err = ErrNotConnected
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.err = classify(ErrNotConnected, err)
	for id, ch := range w.pending {
		close(ch)
		delete(w.pending, id)
	}
}

// iqSet sends an IQ set with payload and waits for the result; an error reply is returned as a
// stanza.Error.
func iqSet(ctx context.Context, s *session, payload interface{}) error {
	return iqDo(ctx, s, stanza.IQ{Type: stanza.SetIQ}, payload, nil)
}

// iqDo sends payload (a struct naming its element, or nil) in iq, waits for the answer and decodes its
// payload into v (if not nil). ctx bounds the wait; it does not cut a write under way. An error
// answer is returned as a stanza.Error.
func iqDo(ctx context.Context, s *session, iq stanza.IQ, payload interface{}, v interface{}) error {
	id := iq.ID
	if id == "" {
		id = randomID()
	}
	out := iqStanza{ID: id, Type: string(iq.Type), Payload: payload}
	if !iq.To.Equal(jid.JID{}) {
		out.To = iq.To.String()
	}
	o, err := newOutStanza(out, outOther, id, out.To)
	if err != nil {
		return err
	}
	ch, err := s.iqs.expect(id)
	if err != nil {
		return err
	}
	defer s.iqs.forget(id)
	if _, err := s.write(ctx, o, false); err != nil {
		return err
	}
	var toks []xml.Token
	select {
	case t, ok := <-ch:
		if !ok {
			return classify(ErrNotConnected, s.cause())
		}
		toks = t
	case <-ctx.Done():
		return ctx.Err()
	}
	return decodeIQAnswer(toks, v)
}

// decodeIQAnswer returns the stanza.Error of an error answer, or decodes the first payload element of
// a result into v (if not nil).
func decodeIQAnswer(toks []xml.Token, v interface{}) error {
	r := &tokenSlice{toks: toks}
	tok, err := r.Token()
	if err != nil {
		return err
	}
	start, ok := tok.(xml.StartElement)
	if !ok {
		return fmt.Errorf("xmpp: expected an IQ answer, got %T", tok)
	}
	if _, err := stanza.UnmarshalIQError(r, start); err != nil {
		return err
	}
	if v == nil {
		return nil
	}
	d := xml.NewTokenDecoder(xmlstream.Inner(r))
	for {
		tok, err := d.Token()
		if err != nil {
			return nil // no payload
		}
		if se, ok := tok.(xml.StartElement); ok {
			return d.DecodeElement(v, &se)
		}
	}
}

// tokenSlice reads tokens from a slice.
type tokenSlice struct {
	toks []xml.Token
}

func (r *tokenSlice) Token() (xml.Token, error) {
	if len(r.toks) == 0 {
		return nil, io.EOF
	}
	t := r.toks[0]
	r.toks = r.toks[1:]
	return t, nil
}

// readIQAnswer reads a whole IQ result or error (start already read) and hands it to its waiter.
func (s *session) readIQAnswer(t xml.TokenReader, start *xml.StartElement) error {
	toks, err := xmlstream.ReadAll(xmlstream.MultiReader(xmlstream.Token(start.Copy()), t))
	if err != nil {
		return err
	}
	s.iqs.deliver(attr(start, "id"), toks)
	return nil
}
