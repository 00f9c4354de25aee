package xmpp

import (
	"strings"
	"testing"
)

// TestPipeUnstyled reads XEP-0393's <unstyled/> and checks the feature is
// advertised.
func TestPipeUnstyled(t *testing.T) {
	_, rec, f := pipeClient(t, nil)
	f.inject(`<message from='bob@localhost/pc' type='chat' id='u1'><body>*as is*</body><unstyled xmlns='urn:xmpp:styling:0'/></message>`)
	if m := await(t, rec.msgs, "unstyled message"); !m.Unstyled || m.Body != "*as is*" {
		t.Errorf("unstyled message: Unstyled=%v body %q", m.Unstyled, m.Body)
	}
	f.inject(`<message from='bob@localhost/pc' type='chat' id='u2'><body>*styled*</body></message>`)
	if m := await(t, rec.msgs, "styled message"); m.Unstyled {
		t.Error("a message without <unstyled/> marked unstyled")
	}
	f.inject(`<iq type='get' id='d1' from='bob@localhost/pc'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`)
	if got := f.next(func(s string) bool { return strings.Contains(s, `id="d1"`) }); !strings.Contains(got, `var="urn:xmpp:styling:0"`) {
		t.Errorf("disco#info without the styling feature: %s", got)
	}
}
