package xmpp

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
)

// XEP-0198 Stream Management, version 3 (urn:xmpp:sm:3).
//
// After binding, the client asks for stream management with resumption. From then on both sides count
// the stanzas they handle; each side asks the other (<r/>) how many it has handled and gets the count
// back (<a h/>). The client keeps every stanza it wrote until the server's count covers it. When the
// connection drops, the client reconnects and, instead of binding, resumes the session (<resume
// previd h/>): the server answers with its count, the client writes again what the server did not get,
// and the server writes again what the client did not handle. Nothing is lost or doubled either way.
//
// If resumption fails (the server forgot the session: it expired or the server restarted), the client
// binds a new session and sends again the messages, receipts and markers the server had not
// acknowledged; the server may have received some of them before the connection dropped, so those can
// arrive twice. A server without XEP-0198 gets no stream management at all.
//
// Counting inbound stanzas: a stanza counts as handled once the stanza handler has read it whole and
// posted its events; the count is only read for <a/> (from the same goroutine), for the last <a/> of a
// graceful close (under the handling lock, see ackFinal) and for <resume/> (after that connection's
// Serve has returned), so it is exact. Outbound: see write.go.

const nsSM = "urn:xmpp:sm:3"

// smRequest is an ack request, written after the stanzas it asks about.
var smRequest = []byte(`<r xmlns="` + nsSM + `"/>`)

// smStatus is how far stream management got on a session.
type smStatus uint8

const (
	smRequested smStatus = iota // <enable/> written; outbound stanzas are counted
	smEnabled                   // <enabled/> received; inbound stanzas are counted too
	smFailed                    // <failed/> received: no stream management on this session
)

// smState is the stream management state of one server-side session, which outlives a connection when
// it is resumed. Its methods are safe for concurrent use.
type smState struct {
	mu     sync.Mutex // guards all fields below
	status smStatus
	id     string        // resumption id from <enabled/>; "" when the server allows no resumption
	max    time.Duration // how long the server keeps the session after a drop (0: unknown)
	jid    jid.JID       // the bound full JID, taken over by a resumed session
	in     uint32        // stanzas received and handled since <enabled/>: the h we report
	acked  uint32        // the server's last h: how many of our stanzas it handled
	// unacked are the stanzas written since <enable/> that the server has not acknowledged yet, in
	// the order they were written: unacked[i] is our stanza number acked+1+i.
	unacked []*outStanza
	asked   bool          // an <r/> is written and its <a/> not yet received
	room    chan struct{} // closed (and replaced) when an <a/> arrives, for writers waiting for room
	limit   int           // bound on len(unacked) before writers wait for an ack
	// broken is set when the server's count exceeded ours: some stanza was written around our
	// count, so the count cannot be trusted for resumption.
	broken bool
}

func newSMState(j jid.JID, limit int) *smState {
	return &smState{jid: j, limit: limit, room: make(chan struct{})}
}

// sent records o as written. kept is false when stream management failed on the session; ask says
// that an <r/> should follow it.
func (m *smState) sent(o *outStanza) (kept, ask bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.status == smFailed {
		return false, false
	}
	m.unacked = append(m.unacked, o)
	if !m.asked {
		m.asked, ask = true, true
	}
	return true, ask
}

// ack applies the server's count h. more says that stanzas remain unacknowledged and that a new <r/>
// should be written (it is then recorded as asked). trimmed is how many were acknowledged.
func (m *smState) ack(h uint32) (trimmed int, more bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := h - m.acked // wraps like the counter (XEP-0198 §4: modulo 2^32)
	if uint64(n) > uint64(len(m.unacked)) {
		err = fmt.Errorf("%w (server h=%d, we sent %d)", errSMCount, h, uint64(m.acked)+uint64(len(m.unacked)))
		m.broken = true
		n = uint32(len(m.unacked))
	}
	for i := range int(n) {
		m.unacked[i] = nil
	}
	m.unacked = m.unacked[n:]
	m.acked += n
	m.asked = false
	close(m.room)
	m.room = make(chan struct{})
	if len(m.unacked) > 0 && m.status != smFailed {
		m.asked, more = true, true
	}
	return int(n), more, err
}

// handled counts an inbound stanza (once <enabled/> was received).
func (m *smState) handled() {
	m.mu.Lock()
	if m.status == smEnabled {
		m.in++
	}
	m.mu.Unlock()
}

// count returns the h we report.
func (m *smState) count() uint32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.in
}

// resumable reports whether the session may be resumed after a drop.
func (m *smState) resumable() bool {
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.status == smEnabled && m.id != "" && !m.broken
}

// full reports whether writers must wait for an ack, and the channel closed by the next one.
func (m *smState) full() (bool, <-chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.status != smFailed && len(m.unacked) >= m.limit, m.room
}

// takeUnacked empties the unacknowledged list and returns what was in it.
func (m *smState) takeUnacked() []*outStanza {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.unacked
	m.unacked = nil
	return out
}

// pending returns how many stanzas wait for the server's acknowledgement.
func (m *smState) pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.unacked)
}

// waitRoom waits, before a write, while the unacknowledged list is full. A server that does not
// acknowledge within KeepaliveTimeout is treated like one that stopped answering pings.
func (s *session) waitRoom(ctx context.Context) error {
	sm := s.sm.Load()
	if sm == nil {
		return nil
	}
	for {
		full, room := sm.full()
		if !full {
			return nil
		}
		t := time.NewTimer(s.ackTimeout)
		select {
		case <-room:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-s.done:
			t.Stop()
			return classify(ErrNotConnected, s.cause())
		case <-t.C:
			err := classify(ErrKeepalive, errNoAck)
			s.fail(err)
			return err
		}
	}
}

// Stream management elements.
type (
	smEnable struct {
		XMLName xml.Name `xml:"urn:xmpp:sm:3 enable"`
		Resume  bool     `xml:"resume,attr"`
	}
	smResume struct {
		XMLName xml.Name `xml:"urn:xmpp:sm:3 resume"`
		H       uint32   `xml:"h,attr"`
		PrevID  string   `xml:"previd,attr"`
	}
	smAck struct {
		XMLName xml.Name `xml:"urn:xmpp:sm:3 a"`
		H       uint32   `xml:"h,attr"`
	}
	// smAnswer is any of enabled, failed, resumed, a (and r).
	smAnswer struct {
		XMLName xml.Name
		ID      string `xml:"id,attr"`
		Resume  string `xml:"resume,attr"`
		Max     string `xml:"max,attr"`
		H       string `xml:"h,attr"`
		PrevID  string `xml:"previd,attr"`
		Cond    []struct {
			XMLName xml.Name
		} `xml:",any"`
	}
)

// condition names the error condition of a <failed/>.
func (a *smAnswer) condition() string {
	for _, c := range a.Cond {
		if c.XMLName.Local != "text" {
			return c.XMLName.Local
		}
	}
	return "no condition given"
}

// counter parses h; ok is false when there is none.
func (a *smAnswer) counter() (h uint32, ok bool, err error) {
	if a.H == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseUint(a.H, 10, 32)
	if err != nil {
		return 0, false, fmt.Errorf("xmpp: bad stream management count %q", a.H)
	}
	return uint32(n), true, nil
}

// enableSM asks the server for stream management with resumption (XEP-0198 §3). From the <enable/>
// on, our stanzas are counted; the answer arrives in the stanza handler (handleSM).
func (c *Client) enableSM(ctx context.Context, s *session) error {
	raw, err := xml.Marshal(smEnable{Resume: true})
	if err != nil {
		return err
	}
	sm := newSMState(s.xs.LocalAddr(), c.cfg.QueueLimit)
	end := watch(ctx, func() { s.fail(fmt.Errorf("xmpp: write interrupted: %w", ctx.Err())) })
	w := s.xs.TokenWriter()
	s.sm.Store(sm)
	err = copyRaw(w, raw)
	if err == nil {
		err = w.Flush()
	}
	_ = w.Close()
	if end() {
		return ctx.Err()
	}
	if err != nil {
		s.fail(err)
		return err
	}
	c.mu.Lock()
	c.sm = sm
	c.mu.Unlock()
	return nil
}

// handleSM handles a stream management element in Serve: an ack request, an ack, or the answer to
// <enable/>. Writes go through w, mellium's handler writer.
func (c *Client) handleSM(s *session, w xmlstream.TokenWriter, t xml.TokenReader, start *xml.StartElement) {
	sm := s.sm.Load()
	var a smAnswer
	if err := decodeStanza(t, start, &a); err != nil {
		c.log.Warn().Err(err).Str("element", start.Name.Local).Msg("Skipped a malformed stream management element")
		return
	}
	if sm == nil {
		c.log.Debug().Str("element", start.Name.Local).Msg("Stream management element without stream management")
		return
	}
	switch start.Name.Local {
	case "r":
		raw, _ := xml.Marshal(smAck{H: sm.count()})
		if err := copyRaw(w, raw); err != nil {
			c.log.Debug().Err(err).Msg("Answering an ack request failed")
		}
	case "a":
		h, ok, err := a.counter()
		if err != nil || !ok {
			c.log.Warn().Err(err).Msg("Skipped an ack without a valid count")
			return
		}
		_, more, err := sm.ack(h)
		if err != nil {
			c.log.Error().Err(err).Msg("The server acknowledged more stanzas than we counted; this session will not be resumed")
		}
		if c.ackHook != nil {
			c.ackHook(sm.pending())
		}
		if more {
			if err := copyRaw(w, smRequest); err != nil {
				c.log.Debug().Err(err).Msg("Requesting an ack failed")
			}
		}
	case "enabled":
		max, _ := strconv.Atoi(a.Max)
		sm.mu.Lock()
		sm.status = smEnabled
		if a.Resume == "true" || a.Resume == "1" {
			sm.id = a.ID
		}
		sm.max = time.Duration(max) * time.Second
		sm.mu.Unlock()
		c.log.Info().Bool("resumable", a.ID != "").Int("max_s", max).Msg("Stream management enabled")
	case "failed":
		sm.mu.Lock()
		sm.status = smFailed
		sm.unacked = nil
		sm.mu.Unlock()
		c.log.Warn().Str("condition", a.condition()).Msg("Server refused stream management")
	}
}

// resume tries to resume prev on a new stream, in place of binding (XEP-0198 §5), and reports whether
// it was resumed. On <resumed/>, what the server did not get is written again at once, before any
// other stanza. On <failed/>, prev is marked not resumable and trimmed by the server's count if it sent
// one; the caller then binds.
func resume(s *xmpp.Session, prev *smState, st *negState) (bool, error) {
	prev.mu.Lock()
	req := smResume{H: prev.in, PrevID: prev.id}
	prev.mu.Unlock()
	raw, err := xml.Marshal(req)
	if err != nil {
		return false, err
	}
	w := s.TokenWriter()
	defer w.Close()
	r := s.TokenReader()
	defer r.Close()
	if err := copyRaw(w, raw); err != nil {
		return false, err
	}
	if err := w.Flush(); err != nil {
		return false, err
	}
	d := xml.NewTokenDecoder(r)
	var a smAnswer
	for {
		tok, err := d.Token()
		if err != nil {
			return false, err
		}
		if start, ok := tok.(xml.StartElement); ok {
			if err := d.DecodeElement(&a, &start); err != nil {
				return false, err
			}
			break
		}
	}
	if a.XMLName.Space != nsSM || (a.XMLName.Local != "resumed" && a.XMLName.Local != "failed") {
		return false, fmt.Errorf("xmpp: expected the answer to <resume/>, got <%s xmlns=%q>", a.XMLName.Local, a.XMLName.Space)
	}
	h, hasH, err := a.counter()
	if err != nil {
		return false, err
	}
	if a.XMLName.Local == "failed" {
		if hasH {
			if _, _, err := prev.ack(h); err != nil {
				st.resumeNote = err.Error()
			}
		}
		prev.mu.Lock()
		prev.id = ""
		prev.asked = false
		prev.mu.Unlock()
		st.resumeFailed = a.condition()
		return false, nil
	}
	if !hasH {
		return false, errors.New("xmpp: <resumed/> without the server's count")
	}
	if _, _, err := prev.ack(h); err != nil {
		// Our count is off: resuming would lose or double stanzas. Give the stream up; the next
		// attempt binds a new session.
		prev.mu.Lock()
		prev.broken = true
		prev.mu.Unlock()
		return false, err
	}
	prev.mu.Lock()
	resend := append([]*outStanza(nil), prev.unacked...)
	prev.asked = len(resend) > 0
	prev.mu.Unlock()
	for _, o := range resend {
		if err := copyRaw(w, o.raw); err != nil {
			return false, err
		}
	}
	if len(resend) > 0 {
		if err := copyRaw(w, smRequest); err != nil {
			return false, err
		}
	}
	if err := w.Flush(); err != nil {
		return false, err
	}
	st.resent = len(resend)
	return true, nil
}

// ackFinal tells the server, before a graceful close, how many stanzas we
// handled, so it neither resends nor stores them elsewhere. It waits for a
// stanza being handled to be counted (its events may already be with the
// Handler), and from then on the session handles no more stanzas: the server
// keeps those for our next session, as they are not in the count.
func (s *session) ackFinal() {
	s.handling.Lock()
	defer s.handling.Unlock()
	s.closing = true
	sm := s.sm.Load()
	if sm == nil {
		return
	}
	sm.mu.Lock()
	enabled := sm.status == smEnabled
	sm.mu.Unlock()
	if !enabled {
		return
	}
	raw, err := xml.Marshal(smAck{H: sm.count()})
	if err != nil {
		return
	}
	w := s.xs.TokenWriter()
	defer w.Close()
	if copyRaw(w, raw) == nil {
		_ = w.Flush()
	}
}
