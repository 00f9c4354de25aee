package xmpp

import (
	"strings"
	"testing"
)

// TestPipeBlocklistPush reads XEP-0191 pushes: a block with a bad item
// among good ones (skipped alone), an unblock, an unblock of everything, and
// a push from someone else than our account (refused, not posted).
func TestPipeBlocklistPush(t *testing.T) {
	_, rec, f := pipeClient(t, nil)
	f.inject(`<iq type='set' id='push1' to='alice@localhost/offrecord'><block xmlns='urn:xmpp:blocking'>
<item jid='bob@localhost'/><item jid='@@bad'/><item/><item jid='spam.example/res'/></block></iq>`)
	ch := await(t, rec.blocks, "block push")
	if !ch.Blocked || len(ch.JIDs) != 2 || ch.JIDs[0].String() != "bob@localhost" || ch.JIDs[1].String() != "spam.example/res" {
		t.Errorf("block push = %+v", ch)
	}
	if got := f.next(func(s string) bool { return strings.Contains(s, "push1") }); !strings.Contains(got, `type="result"`) {
		t.Errorf("push not answered with a result: %s", got)
	}

	f.inject(`<iq type='set' id='push2'><unblock xmlns='urn:xmpp:blocking'><item jid='bob@localhost'/></unblock></iq>`)
	ch = await(t, rec.blocks, "unblock push")
	if ch.Blocked || len(ch.JIDs) != 1 || ch.JIDs[0].String() != "bob@localhost" {
		t.Errorf("unblock push = %+v", ch)
	}

	// From another entity: refused (mellium answers the IQ with an error), never posted.
	f.inject(`<iq type='set' id='push3' from='mallory@localhost/x'><block xmlns='urn:xmpp:blocking'><item jid='carol@localhost'/></block></iq>`)
	f.inject(`<iq type='set' id='push4'><unblock xmlns='urn:xmpp:blocking'/></iq>`)
	ch = await(t, rec.blocks, "unblock-all push")
	if ch.Blocked || len(ch.JIDs) != 0 {
		t.Errorf("after a foreign push, got %+v instead of the unblock of everything", ch)
	}
	if e := await(t, rec.errs, "malformed foreign push"); !strings.Contains(e.Error(), "not our account") {
		t.Errorf("foreign push error = %v", e)
	}
}

// TestPipeBlockRequests checks the wire form of block, spam report and
// unblock, and that nothing is sent without a JID (an empty unblock would
// clear the whole list).
func TestPipeBlockRequests(t *testing.T) {
	c, _, f := pipeClient(t, nil)
	ctx := ctxT(t)
	bob := mustJID(t, "bob@localhost")
	if err := c.Block(ctx, bob); err != nil {
		t.Fatal(err)
	}
	got := f.next(func(s string) bool { return strings.Contains(s, "<block") })
	if !strings.Contains(got, `<block xmlns="urn:xmpp:blocking"><item xmlns="urn:xmpp:blocking" jid="bob@localhost"></item></block>`) || !strings.Contains(got, `type="set"`) {
		t.Errorf("block request %s", got)
	}
	if err := c.ReportSpam(ctx, bob); err != nil {
		t.Fatal(err)
	}
	got = f.next(func(s string) bool { return strings.Contains(s, "<block") })
	if !strings.Contains(got, `<report xmlns="urn:xmpp:reporting:1" reason="urn:xmpp:reporting:spam">`) {
		t.Errorf("spam report %s", got)
	}
	if err := c.Unblock(ctx, bob); err != nil {
		t.Fatal(err)
	}
	got = f.next(func(s string) bool { return strings.Contains(s, "<unblock") })
	if !strings.Contains(got, `<unblock xmlns="urn:xmpp:blocking"><item xmlns="urn:xmpp:blocking" jid="bob@localhost"></item></unblock>`) {
		t.Errorf("unblock request %s", got)
	}
	wantErr(t, c.Unblock(ctx), ErrBlockNoJID)
	wantErr(t, c.Block(ctx), ErrBlockNoJID)
}
