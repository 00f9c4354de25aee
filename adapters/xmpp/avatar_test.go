package xmpp

import (
	"bytes"
	"context"
	"crypto/sha1" // #nosec G505 -- the ids under test are SHA-1 by definition
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mellium.im/xmpp/disco"
	"mellium.im/xmpp/disco/info"
	"mellium.im/xmpp/jid"
)

// avatarEvent is one HandleAvatar call.
type avatarEvent struct {
	contact jid.JID
	ref     AvatarRef
}

// avatarRecorder is the tests' recorder with avatar announcements.
type avatarRecorder struct {
	*recorder
	avatars chan avatarEvent
}

func (r *avatarRecorder) HandleAvatar(contact jid.JID, ref AvatarRef) {
	r.avatars <- avatarEvent{contact, ref}
}

// iqReplies are the answers a test has the fake server give, each to the next IQ containing its text.
type iqReplies struct {
	mu   sync.Mutex // guards next
	next []pendingReply
}

type pendingReply struct {
	sub   string
	reply func(id string) string
}

func (r *iqReplies) answer(id, stanza string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, p := range r.next {
		if strings.Contains(stanza, p.sub) {
			r.next = append(r.next[:i:i], r.next[i+1:]...)
			return p.reply(id)
		}
	}
	return ""
}

// expect has the fake server answer the next IQ containing sub with reply(id).
func (r *iqReplies) expect(sub string, reply func(id string) string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next = append(r.next, pendingReply{sub, reply})
}

// avatarPipe connects a client whose avatar announcements are recorded and whose IQs the test answers.
func avatarPipe(t *testing.T) (*Client, *avatarRecorder, *fakeServer, *iqReplies) {
	t.Helper()
	c, rec, f, connect := newPipeClient(t, nil, nil)
	ar := &avatarRecorder{recorder: rec, avatars: make(chan avatarEvent, 100)}
	c.h = ar
	replies := &iqReplies{}
	f.reply = replies.answer
	connect()
	return c, ar, f, replies
}

// sentIQ returns the next IQ the client sent that contains sub.
func sentIQ(t *testing.T, f *fakeServer, sub string) string {
	t.Helper()
	return f.next(func(s string) bool { return strings.HasPrefix(s, "<iq") && strings.Contains(s, sub) })
}

func dataReply(hash, b64 string) func(string) string {
	return func(id string) string {
		return fmt.Sprintf(`<iq type='result' id='%s' from='bob@localhost'><pubsub xmlns='%s'><items node='%s'>`+
			`<item id='%s'><data xmlns='%s'>%s</data></item></items></pubsub></iq>`, id, nsPubSub, NSAvatarData, hash, NSAvatarData, b64)
	}
}

func errorReply(condition string) func(string) string {
	return func(id string) string {
		return fmt.Sprintf(`<iq type='error' id='%s' from='bob@localhost'><error type='cancel'><%s xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`, id, condition)
	}
}

func vcardReply(b64 string) func(string) string {
	return func(id string) string {
		return fmt.Sprintf(`<iq type='result' id='%s' from='bob@localhost'><vCard xmlns='vcard-temp'><FN>Bob</FN>`+
			`<PHOTO><TYPE>image/png</TYPE><BINVAL>%s</BINVAL></PHOTO></vCard></iq>`, id, b64)
	}
}

// testPNG is a w×h PNG of noise-free colour c (different c, different hash).
func testPNG(t testing.TB, w, h int, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// wrap breaks base64 into 76-character lines, as vCards do.
func wrap(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}

type fetched struct {
	data []byte
	err  error
}

// fetchAsync runs FetchAvatar in the background, for the test to answer its IQs.
func fetchAsync(ctx context.Context, c *Client, ref AvatarRef, p AvatarPolicy) <-chan fetched {
	ch := make(chan fetched, 1)
	go func() {
		d, err := c.FetchAvatar(ctx, jid.MustParse("bob@localhost"), ref, p)
		ch <- fetched{d, err}
	}()
	return ch
}

// TestAvatarCaps: our presence carries XEP-0115 caps whose ver is the hash of the disco#info we answer
// at node#ver, and that disco#info asks for avatar metadata notifications.
func TestAvatarCaps(t *testing.T) {
	_, _, f, _ := avatarPipe(t)
	pres := f.next(func(s string) bool { return strings.HasPrefix(s, "<presence") })
	var p struct {
		Caps capsElem `xml:"http://jabber.org/protocol/caps c"`
	}
	if err := xml.Unmarshal([]byte(pres), &p); err != nil || p.Caps.Ver == "" || p.Caps.Hash != "sha-1" || p.Caps.Node != capsNode {
		t.Fatalf("presence without caps (%v): %s", err, pres)
	}
	node := p.Caps.Node + "#" + p.Caps.Ver
	f.inject(`<iq from='bob@localhost' type='get' id='disco'><query xmlns='http://jabber.org/protocol/disco#info' node='` + node + `'/></iq>`)
	got := f.next(func(s string) bool { return strings.Contains(s, `id="disco"`) })
	if !strings.Contains(got, `var="urn:xmpp:avatar:metadata+notify"`) || !strings.Contains(got, `node="`+node+`"`) {
		t.Fatalf("disco#info answer %s", got)
	}
	var q struct {
		Identity []info.Identity `xml:"query>identity"`
		Features []info.Feature  `xml:"query>feature"`
	}
	if err := xml.Unmarshal([]byte(got), &q); err != nil {
		t.Fatal(err)
	}
	if ver := (disco.Info{Identity: q.Identity, Features: q.Features}).Hash(sha1.New()); ver != p.Caps.Ver {
		t.Errorf("caps ver %s, but the disco#info answered hashes to %s", p.Caps.Ver, ver)
	}
}

// TestAvatarAnnouncements: PEP metadata notifications and XEP-0153 presence hashes reach the handler;
// an empty metadata item and an empty photo say "no avatar"; a presence without the element says
// nothing, and neither does a carbon-looking or full-JID event.
func TestAvatarAnnouncements(t *testing.T) {
	_, rec, f, _ := avatarPipe(t)
	h := strings.Repeat("ab", 20)
	f.inject(`<message from='bob@localhost' type='headline'><event xmlns='http://jabber.org/protocol/pubsub#event'>` +
		`<items node='urn:xmpp:avatar:metadata'><item id='` + h + `'><metadata xmlns='urn:xmpp:avatar:metadata'>` +
		`<info id='ffffffffffffffffffffffffffffffffffffffff' bytes='90000' type='image/jpeg' url='https://example.org/a.jpg'/>` +
		`<info id='` + strings.ToUpper(h) + `' bytes='1234' type='image/png' width='64' height='64'/>` +
		`</metadata></item></items></event></message>`)
	e := await(t, rec.avatars, "PEP announcement")
	if e.contact.String() != "bob@localhost" || e.ref.Source != AvatarPEP || e.ref.ID != h || e.ref.Bytes != 1234 || e.ref.URL != "" {
		t.Fatalf("got %+v", e)
	}
	// A full-JID sender is no PEP service; it is ignored, the next event counts.
	f.inject(`<message from='bob@localhost/pc'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:avatar:metadata'>` +
		`<item id='x'><metadata xmlns='urn:xmpp:avatar:metadata'><info id='` + h + `' bytes='1' type='image/png'/></metadata></item></items></event></message>`)
	f.inject(`<message from='bob@localhost'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:avatar:metadata'>` +
		`<item id='current'><metadata xmlns='urn:xmpp:avatar:metadata'/></item></items></event></message>`)
	if e := await(t, rec.avatars, "PEP disable"); e.ref.ID != "" || e.ref.Source != AvatarPEP {
		t.Fatalf("got %+v", e)
	}
	f.inject(`<presence from='carol@localhost/pc'><show>away</show></presence>`)
	f.inject(`<presence from='carol@localhost/pc'><x xmlns='vcard-temp:x:update'><photo> ` + strings.ToUpper(h) + ` </photo></x></presence>`)
	e = await(t, rec.avatars, "presence hash")
	if e.contact.String() != "carol@localhost" || e.ref.Source != AvatarVCard || e.ref.ID != h {
		t.Fatalf("got %+v", e)
	}
	f.inject(`<presence from='carol@localhost/pc'><x xmlns='vcard-temp:x:update'><photo/></x></presence>`)
	if e := await(t, rec.avatars, "empty photo"); e.ref.ID != "" || e.ref.Source != AvatarVCard {
		t.Fatalf("got %+v", e)
	}
}

// TestFetchAvatar: a PEP image is fetched by its id and checked; bad input is ErrAvatarRefused with
// the reason, and an image announced as too large is refused without asking.
func TestFetchAvatar(t *testing.T) {
	c, _, f, replies := avatarPipe(t)
	img := testPNG(t, 32, 32, color.RGBA{200, 10, 10, 255})
	id := sha1Hex(img)
	b64 := base64.StdEncoding.EncodeToString(img)
	ref := AvatarRef{AvatarInfo: AvatarInfo{ID: id, Bytes: int64(len(img)), Type: "image/png"}, Source: AvatarPEP}
	unsized := ref
	unsized.Bytes = 0 // announced without a size

	replies.expect(NSAvatarData, dataReply(id, b64))
	ch := fetchAsync(ctxT(t), c, ref, AvatarPolicy{})
	raw := sentIQ(t, f, NSAvatarData)
	if !strings.Contains(raw, `to="bob@localhost"`) || !strings.Contains(raw, `node="urn:xmpp:avatar:data"`) || !strings.Contains(raw, ` id="`+id+`"></item>`) {
		t.Errorf("data request %s", raw)
	}
	if r := <-ch; r.err != nil || !bytes.Equal(r.data, img) {
		t.Fatalf("good image: %v", r.err)
	}

	notImage := []byte("GIF? no, just words that are not an image at all")
	big := testPNG(t, 5000, 1, color.Black)
	for _, tc := range []struct {
		name   string
		ref    AvatarRef
		policy AvatarPolicy
		reply  func(string) string
		reason string
	}{
		{"hash mismatch", AvatarRef{AvatarInfo: AvatarInfo{ID: sha1Hex([]byte("other"))}, Source: AvatarPEP}, AvatarPolicy{},
			dataReply(sha1Hex([]byte("other")), b64), "does not match"},
		{"not an image", AvatarRef{AvatarInfo: AvatarInfo{ID: sha1Hex(notImage)}, Source: AvatarPEP}, AvatarPolicy{},
			dataReply(sha1Hex(notImage), base64.StdEncoding.EncodeToString(notImage)), "not a PNG"},
		{"too many pixels", AvatarRef{AvatarInfo: AvatarInfo{ID: sha1Hex(big)}, Source: AvatarPEP}, AvatarPolicy{},
			dataReply(sha1Hex(big), base64.StdEncoding.EncodeToString(big)), "5000x1 pixels"},
		{"larger than allowed", unsized, AvatarPolicy{MaxSize: 100}, dataReply(id, b64), "more than the 100 bytes"},
		{"error answer", ref, AvatarPolicy{}, errorReply("item-not-found"), "answered"},
		{"bad base64", ref, AvatarPolicy{}, dataReply(id, "%%%"), "not valid base64"},
		{"no such item", ref, AvatarPolicy{}, dataReply(sha1Hex([]byte("x")), b64), "no such image"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			replies.expect(NSAvatarData, tc.reply)
			r := <-fetchAsync(ctxT(t), c, tc.ref, tc.policy)
			if !errors.Is(r.err, ErrAvatarRefused) || !strings.Contains(r.err.Error(), tc.reason) {
				t.Fatalf("got %v, want ErrAvatarRefused with %q", r.err, tc.reason)
			}
		})
	}

	// 50 MB announced: refused before asking (an empty answer would give another reason).
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	huge := ref
	huge.Bytes = 50 << 20
	if _, err := c.FetchAvatar(ctx, jid.MustParse("bob@localhost"), huge, AvatarPolicy{}); !errors.Is(err, ErrAvatarRefused) ||
		!strings.Contains(err.Error(), "52428800 bytes") {
		t.Fatalf("50 MB announced: %v", err)
	}
	if _, err := c.FetchAvatar(ctx, jid.MustParse("bob@localhost"), AvatarRef{AvatarInfo: AvatarInfo{ID: "../etc"}, Source: AvatarPEP}, AvatarPolicy{}); !errors.Is(err, ErrAvatarRefused) {
		t.Fatalf("bad id: %v", err)
	}
}

// TestFetchAvatarVCard: a XEP-0153 hash is fetched from the vCard (base64 in wrapped lines).
func TestFetchAvatarVCard(t *testing.T) {
	c, _, f, replies := avatarPipe(t)
	img := testPNG(t, 48, 48, color.RGBA{10, 200, 10, 255})
	ref := AvatarRef{AvatarInfo: AvatarInfo{ID: sha1Hex(img)}, Source: AvatarVCard}
	replies.expect(`xmlns="vcard-temp"`, vcardReply(wrap(base64.StdEncoding.EncodeToString(img))))
	ch := fetchAsync(ctxT(t), c, ref, AvatarPolicy{})
	if raw := sentIQ(t, f, "vCard"); !strings.Contains(raw, `type="get"`) || !strings.Contains(raw, `to="bob@localhost"`) {
		t.Errorf("vCard request %s", raw)
	}
	if r := <-ch; r.err != nil || !bytes.Equal(r.data, img) {
		t.Fatalf("vCard image: %v", r.err)
	}
}

// TestLookupAvatar: PEP metadata first; without a PEP avatar, the vCard photo, whose data the lookup
// keeps so that the fetch asks nothing more.
func TestLookupAvatar(t *testing.T) {
	c, _, f, replies := avatarPipe(t)
	bob := jid.MustParse("bob@localhost")
	h := strings.Repeat("12", 20)
	type looked struct {
		ref AvatarRef
		err error
	}
	lookup := func() <-chan looked {
		ch := make(chan looked, 1)
		go func() {
			r, err := c.LookupAvatar(ctxT(t), bob, AvatarPolicy{})
			ch <- looked{r, err}
		}()
		return ch
	}
	replies.expect(NSAvatarMetadata, func(id string) string {
		return fmt.Sprintf(`<iq type='result' id='%s'><pubsub xmlns='%s'><items node='%s'><item id='%s'>`+
			`<metadata xmlns='%s'><info id='%s' bytes='10' type='image/png'/></metadata></item></items></pubsub></iq>`,
			id, nsPubSub, NSAvatarMetadata, h, NSAvatarMetadata, h)
	})
	ch := lookup()
	if raw := sentIQ(t, f, NSAvatarMetadata); !strings.Contains(raw, `max_items="1"`) {
		t.Errorf("metadata request %s", raw)
	}
	if r := <-ch; r.err != nil || r.ref.ID != h || r.ref.Source != AvatarPEP {
		t.Fatalf("PEP lookup: %+v", r)
	}

	img := testPNG(t, 16, 16, color.RGBA{1, 2, 3, 255})
	replies.expect(NSAvatarMetadata, errorReply("item-not-found"))
	replies.expect(`xmlns="vcard-temp"`, vcardReply(base64.StdEncoding.EncodeToString(img)))
	r := <-lookup()
	if r.err != nil || r.ref.ID != sha1Hex(img) || r.ref.Source != AvatarVCard {
		t.Fatalf("vCard lookup: %+v (%v)", r, r.err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if data, err := c.FetchAvatar(ctx, bob, r.ref, AvatarPolicy{}); err != nil || !bytes.Equal(data, img) {
		t.Fatalf("fetch after the vCard lookup: %v", err)
	}

	// Disabled PEP avatar (empty metadata) and a vCard without photo: none.
	replies.expect(NSAvatarMetadata, func(id string) string {
		return fmt.Sprintf(`<iq type='result' id='%s'><pubsub xmlns='%s'><items node='%s'><item id='current'>`+
			`<metadata xmlns='%s'/></item></items></pubsub></iq>`, id, nsPubSub, NSAvatarMetadata, NSAvatarMetadata)
	})
	replies.expect(`xmlns="vcard-temp"`, func(id string) string {
		return fmt.Sprintf(`<iq type='result' id='%s'><vCard xmlns='vcard-temp'><FN>Bob</FN></vCard></iq>`, id)
	})
	if r := <-lookup(); r.err != nil || r.ref.ID != "" {
		t.Fatalf("no avatar anywhere: %+v (%v)", r, r.err)
	}
}

// TestFetchAvatarByURL: an image announced by URL is downloaded like an attachment, and a 50 MB answer
// is cut off at the avatar limit.
func TestFetchAvatarByURL(t *testing.T) {
	c, _, _, _ := avatarPipe(t)
	var written atomic.Int64
	done := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		defer func() { done <- struct{}{} }()
		w.Header().Set("Content-Type", "image/png")
		chunk := make([]byte, 32<<10)
		for written.Load() < 50<<20 {
			n, err := w.Write(chunk) // no Content-Length: chunked, the size shows only while reading
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	ref := AvatarRef{AvatarInfo: AvatarInfo{ID: strings.Repeat("cd", 20), URL: srv.URL + "/avatar.png"}, Source: AvatarPEP}
	_, err := c.FetchAvatar(ctxT(t), jid.MustParse("bob@localhost"), ref,
		AvatarPolicy{Download: DownloadPolicy{TrustedHosts: []string{u.Host}}})
	if !errors.Is(err, ErrAvatarRefused) || !strings.Contains(err.Error(), "larger than allowed") {
		t.Fatalf("50 MB by URL: %v", err)
	}
	srv.CloseClientConnections()
	select {
	case <-done:
	case <-time.After(waitFor):
		t.Fatal("the file server did not notice the client went away")
	}
	if n := written.Load(); n >= 50<<20 {
		t.Errorf("the bridge read the whole 50 MB (%d bytes written)", n)
	}
	t.Logf("the server got %d bytes out before the client hung up (limit %d)", written.Load(), DefaultAvatarMaxSize)

	// A stranger's link (the bridge's download_from: contacts) is not fetched at all.
	hits := written.Load()
	ref.URL = srv.URL + "/stranger.png"
	if _, err := c.FetchAvatar(ctxT(t), jid.MustParse("bob@localhost"), ref,
		AvatarPolicy{NoLinks: true, Download: DownloadPolicy{TrustedHosts: []string{u.Host}}}); !errors.Is(err, ErrAvatarRefused) ||
		!strings.Contains(err.Error(), "not in the roster") || written.Load() != hits {
		t.Fatalf("stranger's link: %v", err)
	}

	// Without the trusted host, the loopback address is not fetched at all.
	ref.URL = srv.URL + "/other.png"
	if _, err := c.FetchAvatar(ctxT(t), jid.MustParse("bob@localhost"), ref, AvatarPolicy{}); !errors.Is(err, ErrAvatarRefused) ||
		!strings.Contains(err.Error(), "local or private") {
		t.Fatalf("loopback URL: %v", err)
	}
}
