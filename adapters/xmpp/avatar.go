package xmpp

import (
	"strings"

	"mellium.im/xmpp/jid"
)

// Contacts' avatars: XEP-0084 (User Avatar, PEP) announcements arrive as pubsub event messages, which
// the server sends because we advertise urn:xmpp:avatar:metadata+notify (caps.go); XEP-0153 (vCard-Based
// Avatars) announcements arrive as a photo hash in presence. Both are posted to an AvatarHandler;
// LookupAvatar and FetchAvatar (avatarfetch.go) get the image itself.

// Namespaces of XEP-0084, XEP-0153 and the parts of XEP-0060 they use.
const (
	NSAvatarData     = "urn:xmpp:avatar:data"
	NSAvatarMetadata = "urn:xmpp:avatar:metadata"
	nsAvatarNotify   = NSAvatarMetadata + "+notify"
	nsVCard          = "vcard-temp"
	nsVCardUpdate    = "vcard-temp:x:update"
	nsPubSub         = "http://jabber.org/protocol/pubsub"
	nsPubSubEvent    = "http://jabber.org/protocol/pubsub#event"
)

// AvatarSource says how a contact announced an avatar.
type AvatarSource int

// Avatar sources.
const (
	AvatarPEP   AvatarSource = iota + 1 // XEP-0084 metadata (notification or fetched)
	AvatarVCard                         // XEP-0153 photo hash in presence, or the vCard itself
)

// String names the source for logs.
func (s AvatarSource) String() string {
	switch s {
	case AvatarPEP:
		return "pep"
	case AvatarVCard:
		return "vcard"
	}
	return "unknown"
}

// AvatarInfo describes one image of a XEP-0084 metadata item.
type AvatarInfo struct {
	ID            string // SHA-1 of the image, hex; also the item id of its data
	Bytes         int64  // size announced; 0 when unknown
	Type          string // MIME type announced
	Width, Height int    // pixels announced; 0 when unknown
	URL           string // where the image is when it is not in the data node
}

// AvatarRef is a contact's avatar as announced: ID "" means the contact has none (XEP-0084 empty
// metadata, XEP-0153 empty photo). It holds no image data except, unexported, what a lookup already
// fetched.
type AvatarRef struct {
	AvatarInfo
	Source AvatarSource
	data   []byte // the image, when LookupAvatar read it already (vCard)
}

// AvatarHandler is an optional extension of Handler: a Handler that also implements it gets contacts'
// avatar announcements, in order with the other events. The same avatar may be announced many times
// (every presence carries its hash).
type AvatarHandler interface {
	HandleAvatar(contact jid.JID, ref AvatarRef)
}

// avatarMetadata is a XEP-0084 metadata payload; no info means the avatar was disabled.
type avatarMetadata struct {
	Info []struct {
		ID     string `xml:"id,attr"`
		Bytes  int64  `xml:"bytes,attr"`
		Type   string `xml:"type,attr"`
		Width  int    `xml:"width,attr"`
		Height int    `xml:"height,attr"`
		URL    string `xml:"url,attr"`
	} `xml:"info"`
}

// avatarTypes are the image types the bridge takes, in order of preference among several infos.
var avatarTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

// pick chooses the info to use: the first in-band image of a known type in avatarTypes' order, else
// the first with a URL, else the first. The zero AvatarInfo means "no avatar".
func (m *avatarMetadata) pick() AvatarInfo {
	if m == nil || len(m.Info) == 0 {
		return AvatarInfo{}
	}
	conv := func(i int) AvatarInfo {
		in := m.Info[i]
		return AvatarInfo{ID: strings.ToLower(in.ID), Bytes: in.Bytes, Type: in.Type, Width: in.Width, Height: in.Height, URL: in.URL}
	}
	for _, typ := range avatarTypes {
		for i, in := range m.Info {
			if in.URL == "" && strings.EqualFold(in.Type, typ) {
				return conv(i)
			}
		}
	}
	for i, in := range m.Info {
		if in.URL != "" {
			return conv(i)
		}
	}
	return conv(0)
}

// pubsubItem is one XEP-0060 item holding avatar metadata or data.
type pubsubItem struct {
	ID       string          `xml:"id,attr"`
	Metadata *avatarMetadata `xml:"urn:xmpp:avatar:metadata metadata"`
	Data     *struct {
		Text string `xml:",chardata"`
	} `xml:"urn:xmpp:avatar:data data"`
}

// pubsubEvent is the event payload of a PEP notification message.
type pubsubEvent struct {
	Items *struct {
		Node string       `xml:"node,attr"`
		Item []pubsubItem `xml:"item"`
	} `xml:"items"`
}

// vcardUpdate is the XEP-0153 presence element: Photo nil means "not ready to say", "" means no avatar.
type vcardUpdate struct {
	Photo *string `xml:"photo"`
}

// postAvatar hands an announcement to the handler, if it takes them.
func (c *Client) postAvatar(contact jid.JID, ref AvatarRef) {
	ah, ok := c.h.(AvatarHandler)
	if !ok || contact.Localpart() == "" || contact.Equal(c.bare) {
		return
	}
	c.log.Debug().Str("contact", contact.String()).Str("avatar_id", ref.ID).Stringer("source", ref.Source).
		Int64("bytes", ref.Bytes).Msg("Contact announced an avatar")
	c.ev.post(func() { ah.HandleAvatar(contact, ref) })
}

// handlePEPEvent reads a XEP-0084 metadata notification. Other nodes, retractions and purges are
// ignored: XEP-0084 disables an avatar with empty metadata, which is read here.
func (c *Client) handlePEPEvent(w *wireIn) {
	ev := w.Event
	if ev.Items == nil || ev.Items.Node != NSAvatarMetadata || len(ev.Items.Item) == 0 {
		return
	}
	from, err := jid.Parse(w.From)
	if err != nil || from.Resourcepart() != "" {
		return // PEP events come from the contact's bare JID, stamped by their server
	}
	item := ev.Items.Item[len(ev.Items.Item)-1]
	if item.Metadata == nil {
		return
	}
	c.postAvatar(from, AvatarRef{AvatarInfo: item.Metadata.pick(), Source: AvatarPEP})
}

// presenceAvatar reads the XEP-0153 hash of an available presence.
func (c *Client) presenceAvatar(from jid.JID, u *vcardUpdate) {
	if u == nil || u.Photo == nil {
		return
	}
	id := strings.ToLower(strings.TrimSpace(*u.Photo))
	c.postAvatar(from.Bare(), AvatarRef{AvatarInfo: AvatarInfo{ID: id}, Source: AvatarVCard})
}
