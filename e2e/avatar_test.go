package e2e

import (
	"bytes"
	"crypto/sha1" // #nosec G505 -- XEP-0084 names avatars by SHA-1
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"os"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
	"mellium.im/xmpp/stanza"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/internal/xmppbuddy"
)

// solidPNG is a 64×64 PNG of one colour.
func solidPNG(t *testing.T, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// befriend makes the user and the buddy subscribed to each other's
// presence (PEP avatars go to subscribers only): the user adds the buddy
// from another client of hers, the buddy approves and asks back, and the
// bridge approves at once, since the user asked first.
func befriend(t *testing.T, alice *matrixUser, b *buddy) {
	t.Helper()
	ctx := ctxFor(t)
	phone := connectBuddy(t, alice.jid, alice.pass, "phone")
	mark := b.Mark()
	presenceFromAlice := func(typ stanza.PresenceType) func(xmppbuddy.Event) bool {
		return func(ev xmppbuddy.Event) bool {
			return ev.Kind == xmppbuddy.Presence && ev.Presence.Type == typ && ev.From.Bare().Equal(alice.jid)
		}
	}
	if err := phone.client.AddContact(ctx, b.jid, "Bob"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Wait(ctx, mark, presenceFromAlice(stanza.SubscribePresence)); err != nil {
		t.Fatal(err)
	}
	if err := b.client.ApproveSubscription(ctx, alice.jid, true); err != nil {
		t.Fatal(err)
	}
	if err := b.client.AddContact(ctx, alice.jid, "Alice"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Wait(ctx, mark, presenceFromAlice(stanza.SubscribedPresence)); err != nil {
		t.Fatalf("the bridge did not approve the buddy's request: %v", err)
	}
}

// waitGhostAvatar waits, after cursor, for a member event of the ghost in
// the portal whose avatar is none of the URLs in not, downloads that avatar
// and checks it is want (nil: the avatar was removed). It returns the URL.
func (mu *matrixUser) waitGhostAvatar(t *testing.T, cursor int, portal id.RoomID, ghost id.UserID, want []byte, not ...id.ContentURIString) id.ContentURIString {
	t.Helper()
	ctx := ctxFor(t)
	evt, err := mu.WaitEventFrom(ctx, cursor, portal, func(e *event.Event) bool {
		if e.Type != event.StateMember || e.GetStateKey() != ghost.String() {
			return false
		}
		got := e.Content.AsMember().AvatarURL
		if (got == "") != (want == nil) {
			return false
		}
		for _, n := range not {
			if got == n {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatalf("the ghost's avatar did not change as expected: %v", err)
	}
	url := evt.Content.AsMember().AvatarURL
	if want == nil {
		return url
	}
	data, err := mu.DownloadBytes(ctx, url.ParseOrIgnore())
	if err != nil {
		t.Fatalf("downloading the ghost's avatar %s: %v", url, err)
	}
	if !bytes.Equal(data, want) {
		t.Fatalf("the ghost's avatar %s is %d bytes, not the %d-byte image the contact published", url, len(data), len(want))
	}
	return url
}

// waitAvatarRefused waits for the bridge's log line refusing avatar id
// for reason, after offset; it returns the log's length then. It polls the
// file, as waitLogLine does: the log line is the event.
func waitAvatarRefused(t *testing.T, offset int64, avatarID, reason string) int64 {
	t.Helper()
	deadline := time.Now().Add(otrWait)
	for {
		data, err := os.ReadFile(st.bridge.LogPath())
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(data)) > offset {
			for _, line := range strings.Split(string(data[offset:]), "\n") {
				if strings.Contains(line, `"avatar_id":"`+avatarID+`"`) && strings.Contains(line, "not shown on their ghost") {
					if !strings.Contains(line, reason) {
						t.Errorf("avatar %s refused, but not for %q: %s", avatarID, reason, line)
					}
					return int64(len(data))
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no refusal of avatar %s in the bridge log within %s", avatarID, otrWait)
		}
		time.Sleep(200 * time.Millisecond) // polling a file: the log line is the event
	}
}

func sha1Hex(data []byte) string {
	sum := sha1.Sum(data) // #nosec G401 -- the avatar id, not a security check
	return hex.EncodeToString(sum[:])
}

// TestContactAvatar: a contact's XEP-0084 avatar, published before the
// chat, is on their ghost once the chat starts; a new one replaces it (a
// PEP notification: the contact sends no new presence). An avatar announced
// as 50 MB and one that is not an image are refused with a log line, the
// ghost keeps its avatar and messages still flow; a photo set the XEP-0153
// way (vCard) then shows, and disabling the avatar removes it.
func TestContactAvatar(t *testing.T) {
	alice := newMatrixUser(t, false)
	bob := newBuddy(t, "avatar")
	ctx := ctxFor(t)
	ghost := ghostOf(bob.jid)

	red := solidPNG(t, color.RGBA{220, 30, 30, 255})
	if _, err := bob.client.PublishAvatar(ctx, red); err != nil {
		t.Fatalf("publishing the avatar: %v", err)
	}
	befriend(t, alice, bob)
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "look at my face"})
	portal := alice.waitFrom(t, ghost, "look at my face").RoomID
	redURL := alice.waitGhostAvatar(t, 0, portal, ghost, red)

	// A change reaches the ghost by PEP notification alone.
	cursor := alice.Cursor()
	blue := solidPNG(t, color.RGBA{30, 30, 220, 255})
	if _, err := bob.client.PublishAvatar(ctx, blue); err != nil {
		t.Fatal(err)
	}
	blueURL := alice.waitGhostAvatar(t, cursor, portal, ghost, blue, redURL)

	// Bad input: 50 MB announced (never fetched), then something that is not an image.
	logAt := fileSize(st.bridge.LogPath())
	fakeID := sha1Hex([]byte("fifty megabytes of avatar"))
	if err := bob.client.PublishAvatarMetadata(ctx, xmppad.AvatarInfo{ID: fakeID, Bytes: 50 << 20, Type: "image/png"}); err != nil {
		t.Fatal(err)
	}
	logAt = waitAvatarRefused(t, logAt, fakeID, "announced as 52428800 bytes")
	junk := []byte("<html><body>certainly not an image</body></html>")
	junkID, err := bob.client.PublishAvatarData(ctx, junk)
	if err != nil {
		t.Fatal(err)
	}
	if err := bob.client.PublishAvatarMetadata(ctx, xmppad.AvatarInfo{ID: junkID, Bytes: int64(len(junk)), Type: "image/png"}); err != nil {
		t.Fatal(err)
	}
	waitAvatarRefused(t, logAt, junkID, "not a PNG, JPEG, GIF or WebP image")
	if url, err := alice.GetAvatarURL(ctx, ghost); err != nil || url.CUString() != blueURL {
		t.Fatalf("after refused avatars the ghost shows %v (%v), want the previous %s", url, err, blueURL)
	}
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "still here"})
	alice.waitFrom(t, ghost, "still here")

	// A XEP-0153 client sets its vCard photo (prosody publishes it to PEP as well).
	cursor = alice.Cursor()
	green := solidPNG(t, color.RGBA{30, 200, 30, 255})
	if err := bob.client.SetVCardPhoto(ctx, green); err != nil {
		t.Fatal(err)
	}
	alice.waitGhostAvatar(t, cursor, portal, ghost, green, redURL, blueURL)

	// Empty metadata disables the avatar (XEP-0084 §4.8): the ghost's goes.
	cursor = alice.Cursor()
	if err := bob.client.PublishAvatarMetadata(ctx); err != nil {
		t.Fatal(err)
	}
	alice.waitGhostAvatar(t, cursor, portal, ghost, nil)
}

// TestContactAvatarLookupAndHash: the user is subscribed to the contact
// but not the other way round, so the contact's server never learns that
// the bridge wants PEP notifications. A ghost made then gets the avatar by
// lookup, and a later change arrives as a XEP-0153 hash in the contact's
// presence, which makes the bridge look again.
func TestContactAvatarLookupAndHash(t *testing.T) {
	alice := newMatrixUser(t, false)
	bob := newBuddy(t, "avhash")
	ctx := ctxFor(t)
	ghost := ghostOf(bob.jid)

	orange := solidPNG(t, color.RGBA{240, 150, 20, 255})
	if _, err := bob.client.PublishAvatar(ctx, orange); err != nil {
		t.Fatal(err)
	}
	phone := connectBuddy(t, alice.jid, alice.pass, "phone")
	mark := bob.Mark()
	if err := phone.client.AddContact(ctx, bob.jid, "Bob"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := bob.Wait(ctx, mark, func(ev xmppbuddy.Event) bool {
		return ev.Kind == xmppbuddy.Presence && ev.Presence.Type == stanza.SubscribePresence && ev.From.Bare().Equal(alice.jid)
	}); err != nil {
		t.Fatal(err)
	}
	if err := bob.client.ApproveSubscription(ctx, alice.jid, true); err != nil {
		t.Fatal(err)
	}
	bob.send(t, alice.jid, xmppad.Outgoing{Body: "hello from one side"})
	portal := alice.waitFrom(t, ghost, "hello from one side").RoomID
	orangeURL := alice.waitGhostAvatar(t, 0, portal, ghost, orange)

	// A new photo, then a presence (as XEP-0153 clients send after a change): prosody puts the hash in it.
	cursor := alice.Cursor()
	purple := solidPNG(t, color.RGBA{140, 30, 200, 255})
	if err := bob.client.SetVCardPhoto(ctx, purple); err != nil {
		t.Fatal(err)
	}
	if err := bob.client.SetPresence(ctx, "", "new face"); err != nil {
		t.Fatal(err)
	}
	alice.waitGhostAvatar(t, cursor, portal, ghost, purple, orangeURL)
}
