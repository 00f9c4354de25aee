package xmpp

import (
	"strings"
	"testing"
)

// TestPipeRelationsIn reads XEP-0444 reactions (no body), a XEP-0461 reply
// with its XEP-0428 fallback, and a XEP-0424 retraction.
func TestPipeRelationsIn(t *testing.T) {
	_, rec, f := pipeClient(t, nil)
	f.inject(`<message from='bob@localhost/pc' type='chat' id='r1'>
<reactions xmlns='urn:xmpp:reactions:0' id='m1'><reaction>👍</reaction><reaction>🎉</reaction><reaction>👍</reaction></reactions>
<store xmlns='urn:xmpp:hints'/></message>`)
	m := await(t, rec.msgs, "reactions")
	if m.Reactions == nil || m.Reactions.ID != "m1" || strings.Join(m.Reactions.Emoji, ",") != "👍,🎉" || m.Body != "" {
		t.Errorf("reactions %+v body %q", m.Reactions, m.Body)
	}

	f.inject(`<message from='bob@localhost/pc' type='chat' id='r2'><reactions xmlns='urn:xmpp:reactions:0' id='m1'/></message>`)
	m = await(t, rec.msgs, "empty reactions")
	if m.Reactions == nil || m.Reactions.ID != "m1" || len(m.Reactions.Emoji) != 0 {
		t.Errorf("empty set %+v", m.Reactions)
	}

	f.inject(`<message from='bob@localhost/pc' type='chat' id='p1'><body>&gt; héllo
yes</body>
<reply xmlns='urn:xmpp:reply:0' to='alice@localhost/offrecord' id='m1'/>
<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='8'/></fallback></message>`)
	m = await(t, rec.msgs, "reply")
	switch {
	case m.Reply == nil || m.Reply.ID != "m1" || m.Reply.To.String() != "alice@localhost/offrecord":
		t.Errorf("reply %+v", m.Reply)
	case m.BodyWithout(NSReply) != "yes" || !m.HasFallback(NSReply):
		t.Errorf("body without fallback %q", m.BodyWithout(NSReply))
	}

	// A range beyond the body is ignored: nothing is lost to a bad offset.
	f.inject(`<message from='bob@localhost/pc' type='chat' id='p2'><body>short</body>
<reply xmlns='urn:xmpp:reply:0' id='m1'/>
<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='99'/></fallback></message>`)
	m = await(t, rec.msgs, "bad reply")
	if m.BodyWithout(NSReply) != "short" || m.Reply == nil || m.Reply.To.String() != "" {
		t.Errorf("bad range: %q", m.BodyWithout(NSReply))
	}

	f.inject(`<message from='bob@localhost/pc' type='chat' id='x1'><body>This person attempted to retract</body>
<retract xmlns='urn:xmpp:message-retract:1' id='m2'/>
<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/><store xmlns='urn:xmpp:hints'/></message>`)
	m = await(t, rec.msgs, "retract")
	if m.Retract != "m2" || m.BodyWithout(NSRetract) != "" {
		t.Errorf("retract %q, body without fallback %q", m.Retract, m.BodyWithout(NSRetract))
	}
}

// TestPipeRelationsOut checks the stanzas built for a reaction set, a reply
// with its quote and a retraction.
func TestPipeRelationsOut(t *testing.T) {
	cl, _, f := pipeClient(t, nil)
	bob := mustJID(t, "bob@localhost")
	isMsg := func(s string) bool { return strings.HasPrefix(s, "<message") }

	if _, err := cl.Send(ctxT(t), Outgoing{To: bob, Reactions: &Reactions{ID: "m1", Emoji: []string{"👍", "🎉"}}}); err != nil {
		t.Fatal(err)
	}
	got := f.next(isMsg)
	for _, want := range []string{`<reactions xmlns="urn:xmpp:reactions:0" id="m1"><reaction xmlns="urn:xmpp:reactions:0">👍</reaction><reaction xmlns="urn:xmpp:reactions:0">🎉</reaction></reactions>`, `<store xmlns="urn:xmpp:hints">`} {
		if !strings.Contains(got, want) {
			t.Errorf("reactions stanza %s lacks %s", got, want)
		}
	}
	if strings.Contains(got, "<body") {
		t.Errorf("reactions stanza has a body: %s", got)
	}
	if _, err := cl.Send(ctxT(t), Outgoing{To: bob, Reactions: &Reactions{ID: "m1"}}); err != nil {
		t.Fatal(err)
	}
	if got := f.next(isMsg); !strings.Contains(got, `<reactions xmlns="urn:xmpp:reactions:0" id="m1"></reactions>`) {
		t.Errorf("empty set stanza %s", got)
	}

	if _, err := cl.Send(ctxT(t), Outgoing{To: bob, Body: "yes", Reply: &Reply{To: bob, ID: "m1"}, ReplyQuote: "héllo\nthere"}); err != nil {
		t.Fatal(err)
	}
	got = f.next(isMsg)
	for _, want := range []string{`<body xmlns="jabber:client">&gt; héllo` + "\n&gt; there\nyes</body>", `<reply xmlns="urn:xmpp:reply:0" to="bob@localhost" id="m1">`,
		`<fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:reply:0"><body xmlns="urn:xmpp:fallback:0" start="0" end="16"></body></fallback>`} {
		if !strings.Contains(got, want) {
			t.Errorf("reply stanza %s lacks %s", got, want)
		}
	}

	if _, err := cl.Send(ctxT(t), Outgoing{To: bob, Retract: "m2"}); err != nil {
		t.Fatal(err)
	}
	got = f.next(isMsg)
	for _, want := range []string{`<retract xmlns="urn:xmpp:message-retract:1" id="m2">`, `<body xmlns="jabber:client">` + RetractFallbackBody,
		`<fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:message-retract:1">`, `<store xmlns="urn:xmpp:hints">`} {
		if !strings.Contains(got, strings.ReplaceAll(want, "'", "&#39;")) {
			t.Errorf("retract stanza %s lacks %s", got, want)
		}
	}

	if _, err := cl.Send(ctxT(t), Outgoing{To: bob, Body: "x", Retract: "m2", Reply: &Reply{ID: "m1"}}); err == nil {
		t.Error("a reply that is also a retraction was sent")
	}
	if _, err := cl.Send(ctxT(t), Outgoing{To: bob, Reactions: &Reactions{}}); err == nil {
		t.Error("reactions without a message id were sent")
	}
}
