package xmpp

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/stanza"
)

func TestPipeMessageFields(t *testing.T) {
	_, rec, f := pipeClient(t, nil)
	f.inject(`<message from='bob@localhost/pc' to='alice@localhost/offrecord' type='chat' id='s1'>
<body>hello</body><subject>topic</subject>
<replace xmlns='urn:xmpp:message-correct:0' id='old1'/>
<x xmlns='jabber:x:oob'><url>https://e.org/a.png</url><desc>pic</desc></x>
<x xmlns='jabber:x:oob'><url>https://e.org/b.png</url></x>
<request xmlns='urn:xmpp:receipts'/><markable xmlns='urn:xmpp:chat-markers:0'/>
<composing xmlns='http://jabber.org/protocol/chatstates'/>
<delay xmlns='urn:xmpp:delay' stamp='2024-05-06T07:08:09Z'/>
<origin-id xmlns='urn:xmpp:sid:0' id='o1'/>
<encryption xmlns='urn:xmpp:eme:0' namespace='urn:xmpp:otr:0'/></message>`)
	m := await(t, rec.msgs, "message")
	want := Message{ID: "o1", Type: stanza.ChatMessage, Body: "hello", Subject: "topic", Replace: "old1",
		ReceiptRequested: true, Markable: true, ChatState: ChatComposing, EME: "urn:xmpp:otr:0",
		Delay: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}
	switch {
	case m.From.String() != "bob@localhost/pc" || m.To.String() != "alice@localhost/offrecord":
		t.Errorf("from %v to %v", m.From, m.To)
	case m.ID != want.ID || m.Type != want.Type || m.Body != want.Body || m.Subject != want.Subject ||
		m.Replace != want.Replace || m.ReceiptRequested != want.ReceiptRequested || m.Markable != want.Markable ||
		m.ChatState != want.ChatState || m.EME != want.EME || !m.Delay.Equal(want.Delay) || m.Carbon != CarbonNone:
		t.Errorf("got %+v\nwant %+v", *m, want)
	case len(m.OOB) != 2 || m.OOB[0] != (OOB{"https://e.org/a.png", "pic"}) || m.OOB[1].URL != "https://e.org/b.png":
		t.Errorf("oob %+v", m.OOB)
	}
}

func TestPipeNoAutoReceipt(t *testing.T) {
	cl, rec, f := pipeClient(t, nil)
	f.inject(`<message from='bob@localhost/pc' type='chat' id='r1'><body>ack me</body><request xmlns='urn:xmpp:receipts'/></message>`)
	m := await(t, rec.msgs, "message")
	if !m.ReceiptRequested {
		t.Fatal("request not seen")
	}
	if _, err := cl.Send(ctxT(t), Outgoing{To: m.From, Body: "after"}); err != nil {
		t.Fatal(err)
	}
	got := f.next(func(s string) bool { return strings.HasPrefix(s, "<message") })
	if !strings.Contains(got, "after") || strings.Contains(got, "received") {
		t.Fatalf("first message from the client is %s; want our 'after', not an automatic receipt", got)
	}
	if err := cl.SendReceipt(ctxT(t), m.From, m.ID); err != nil {
		t.Fatal(err)
	}
	got = f.next(func(s string) bool { return strings.HasPrefix(s, "<message") })
	if !strings.Contains(got, `<received xmlns="urn:xmpp:receipts" id="r1">`) || !strings.Contains(got, `to="bob@localhost/pc"`) {
		t.Fatalf("receipt stanza %s", got)
	}
}

func TestPipeCarbons(t *testing.T) {
	_, rec, f := pipeClient(t, nil)
	// Sent carbon from our own bare JID.
	f.inject(`<message from='alice@localhost' to='alice@localhost/offrecord'><sent xmlns='urn:xmpp:carbons:2'>
<forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' from='alice@localhost/phone' to='bob@localhost' type='chat' id='c1'><body>mine</body></message></forwarded></sent></message>`)
	m := await(t, rec.msgs, "sent carbon")
	if m.Carbon != CarbonSent || m.Body != "mine" || m.ID != "c1" || m.From.String() != "alice@localhost/phone" || m.To.String() != "bob@localhost" {
		t.Fatalf("sent carbon %+v", m)
	}
	// Received carbon (no from: also our account) with a displayed marker and a delay on the forward.
	f.inject(`<message to='alice@localhost/offrecord'><received xmlns='urn:xmpp:carbons:2'>
<forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2020-01-01T00:00:00Z'/><message xmlns='jabber:client' from='bob@localhost/pc' to='alice@localhost/phone' type='chat' id='c2'><body>theirs</body><displayed xmlns='urn:xmpp:chat-markers:0' id='x9'/></message></forwarded></received></message>`)
	d := await(t, rec.displayed, "carbon displayed")
	if d.carbon != CarbonReceived || d.id != "x9" {
		t.Fatalf("displayed %+v", d)
	}
	m = await(t, rec.msgs, "received carbon")
	if m.Carbon != CarbonReceived || m.Body != "theirs" || m.Delay.Year() != 2020 {
		t.Fatalf("received carbon %+v", m)
	}
	// A forged carbon from someone else is refused and reported, and the stream goes on.
	f.inject(`<message from='mallory@evil.example/x' to='alice@localhost/offrecord'><sent xmlns='urn:xmpp:carbons:2'>
<forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' from='alice@localhost/phone' to='bob@localhost' type='chat' id='f1'><body>forged</body></message></forwarded></sent></message>`)
	var me *MalformedError
	if err := await(t, rec.errs, "forged carbon report"); !errors.As(err, &me) || !errors.Is(err, errForgedCarbon) {
		t.Fatalf("error %v, want forged carbon", err)
	}
	f.inject(`<message from='bob@localhost/pc' type='chat' id='n1'><body>next</body></message>`)
	if m := await(t, rec.msgs, "message after forged carbon"); m.Body != "next" {
		t.Fatalf("got %q after the forged carbon, want next", m.Body)
	}
}

func TestPipeReceiptsMarkersStatesErrors(t *testing.T) {
	_, rec, f := pipeClient(t, nil)
	f.inject(`<message from='bob@localhost/pc' id='a'><received xmlns='urn:xmpp:receipts' id='m1'/></message>`)
	if r := await(t, rec.receipts, "receipt"); r.id != "m1" || r.from.String() != "bob@localhost/pc" {
		t.Fatalf("receipt %+v", r)
	}
	f.inject(`<message from='bob@localhost/pc' type='chat' id='b'><displayed xmlns='urn:xmpp:chat-markers:0' id='m2'/></message>`)
	if d := await(t, rec.displayed, "displayed"); d.id != "m2" || d.carbon != CarbonNone {
		t.Fatalf("displayed %+v", d)
	}
	f.inject(`<message from='bob@localhost/pc' type='chat' id='c'><paused xmlns='http://jabber.org/protocol/chatstates'/></message>`)
	if s := await(t, rec.chat, "chat state"); s.s != ChatPaused || s.from.String() != "bob@localhost/pc" {
		t.Fatalf("chat state %+v", s)
	}
	f.inject(`<message from='bob@localhost/pc' type='error' id='m3'><body>x</body><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	var se *StanzaError
	if err := await(t, rec.errs, "error"); !errors.As(err, &se) || se.ID != "m3" || se.Err.Condition != stanza.ServiceUnavailable {
		t.Fatalf("error %v", err)
	}
	select {
	case m := <-rec.msgs:
		t.Fatalf("an error stanza became a message: %+v", m)
	default:
	}
}

func TestPipeMalformedSkipped(t *testing.T) {
	_, rec, f := pipeClient(t, nil)
	for _, bad := range []string{
		`<message from='@@bad@@/x' type='chat' id='bad1'><body>secret body</body></message>`,
		`<message from='bob@localhost/pc' type='chat' id='bad2'><body>secret body</body><delay xmlns='urn:xmpp:delay' stamp='yesterday'/></message>`,
		`<message from='bob@localhost/pc' type='error' id='bad3'><body>secret body</body></message>`,
		`<presence from='@@bad@@'/>`,
	} {
		f.inject(bad)
		var me *MalformedError
		if err := await(t, rec.errs, "malformed report"); !errors.As(err, &me) || strings.Contains(err.Error(), "secret body") {
			t.Fatalf("report %v for %s", err, bad)
		}
	}
	f.inject(`<message from='bob@localhost/pc' type='chat' id='good'><body>still here</body></message>`)
	if m := await(t, rec.msgs, "message after malformed ones"); m.Body != "still here" {
		t.Fatalf("got %q", m.Body)
	}
}

// outgoing decodes a message stanza the client sent, including the parts wireIn does not read.
type outgoing struct {
	NoStore          *empty `xml:"urn:xmpp:hints no-store"`
	NoPermanentStore *empty `xml:"urn:xmpp:hints no-permanent-store"`
	NoCopy           *empty `xml:"urn:xmpp:hints no-copy"`
	Private          *empty `xml:"urn:xmpp:carbons:2 private"`
	EMEName          *struct {
		Name string `xml:"name,attr"`
	} `xml:"urn:xmpp:eme:0 encryption"`
}

func TestPipeSendEncoding(t *testing.T) {
	cl, _, f := pipeClient(t, nil)
	id, err := cl.Send(ctxT(t), Outgoing{To: mustJID(t, "bob@localhost"), Body: "", Replace: "old",
		OOB: &OOB{URL: "https://e.org/f.bin", Desc: "file"}, RequestReceipt: true, Markable: true, ChatState: ChatActive,
		NoStore: true, NoPermanentStore: true, NoCopy: true, Private: true, EME: "urn:xmpp:otr:0"})
	if err != nil || id == "" {
		t.Fatalf("Send: %q %v", id, err)
	}
	raw := f.next(func(s string) bool { return strings.HasPrefix(s, "<message") })
	var o wireIn
	var ox outgoing
	if err := xml.Unmarshal([]byte(raw), &o); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal([]byte(raw), &ox); err != nil {
		t.Fatal(err)
	}
	switch {
	case o.XMLName.Space != "jabber:client" || o.Type != "chat" || o.ID != id || o.To != "bob@localhost":
		t.Errorf("header wrong: %s", raw)
	case pickText(o.Bodies) != "https://e.org/f.bin":
		t.Errorf("body fallback is %q, want the URL", pickText(o.Bodies))
	case o.Replace == nil || o.Replace.ID != "old" || len(o.OOB) != 1 || o.OOB[0].Desc != "file":
		t.Errorf("replace/oob wrong: %s", raw)
	case o.Request == nil || o.Markable == nil || o.Active == nil:
		t.Errorf("request/markable/active missing: %s", raw)
	case ox.NoStore == nil || ox.NoPermanentStore == nil || ox.NoCopy == nil || ox.Private == nil:
		t.Errorf("hints/private missing: %s", raw)
	case o.EME == nil || o.EME.Namespace != "urn:xmpp:otr:0" || ox.EMEName.Name != "OTR":
		t.Errorf("eme wrong: %s", raw)
	case o.OriginID == nil || o.OriginID.ID != id:
		t.Errorf("origin-id wrong: %s", raw)
	}

	if err := cl.SendChatState(ctxT(t), mustJID(t, "bob@localhost"), ChatGone); err != nil {
		t.Fatal(err)
	}
	raw = f.next(func(s string) bool { return strings.HasPrefix(s, "<message") })
	if !strings.Contains(raw, `<gone xmlns="http://jabber.org/protocol/chatstates">`) || strings.Contains(raw, "<body") {
		t.Fatalf("chat state stanza %s", raw)
	}
	if err := cl.SendDisplayed(ctxT(t), mustJID(t, "bob@localhost/pc"), "m7"); err != nil {
		t.Fatal(err)
	}
	raw = f.next(func(s string) bool { return strings.HasPrefix(s, "<message") })
	if !strings.Contains(raw, `<displayed xmlns="urn:xmpp:chat-markers:0" id="m7">`) {
		t.Fatalf("displayed stanza %s", raw)
	}
}

func TestPipeIQs(t *testing.T) {
	_, rec, f := pipeClient(t, nil)
	f.inject(`<iq from='localhost' type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>`)
	if got := f.next(func(s string) bool { return strings.Contains(s, `id="p1"`) }); !strings.Contains(got, `type="result"`) {
		t.Fatalf("ping answer %s", got)
	}
	f.inject(`<iq from='bob@localhost/pc' type='get' id='d1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`)
	got := f.next(func(s string) bool { return strings.Contains(s, `id="d1"`) })
	for _, feat := range []string{nsChatStates, nsReceipts, nsMarkers, nsCorrect, nsOOB, nsCarbons} {
		if !strings.Contains(got, `var="`+feat+`"`) {
			t.Errorf("disco#info lacks %s: %s", feat, got)
		}
	}
	f.inject(`<iq from='bob@localhost/pc' type='get' id='u1'><unknown xmlns='urn:example'/></iq>`)
	if got := f.next(func(s string) bool { return strings.Contains(s, `id="u1"`) }); !strings.Contains(got, "service-unavailable") {
		t.Fatalf("unknown IQ answer %s", got)
	}
	// A roster push from a stranger is refused; one from our server is applied.
	f.inject(`<iq from='mallory@evil.example' type='set' id='rp0'><query xmlns='jabber:iq:roster'><item jid='mallory@evil.example' subscription='both'/></query></iq>`)
	var me *MalformedError
	if err := await(t, rec.errs, "forged roster push"); !errors.As(err, &me) {
		t.Fatalf("got %v", err)
	}
	f.inject(`<iq type='set' id='rp1'><query xmlns='jabber:iq:roster'><item jid='carol@localhost' name='Carol' subscription='none' ask='subscribe'><group>Friends</group></item></query></iq>`)
	for {
		e := await(t, rec.rosters, "roster push")
		if !e.push {
			continue
		}
		if len(e.items) != 1 || e.items[0].Ask != "subscribe" || e.items[0].Groups[0] != "Friends" {
			t.Fatalf("push %+v", e)
		}
		break
	}
	if got := f.next(func(s string) bool { return strings.Contains(s, `id="rp1"`) }); !strings.Contains(got, `type="result"`) {
		t.Fatalf("push answer %s", got)
	}
}
