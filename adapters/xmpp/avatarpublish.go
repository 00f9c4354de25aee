package xmpp

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"net/http"
)

// Publishing the account's own avatar (XEP-0084, and the vCard photo of XEP-0153). The bridge does not
// publish the Matrix user's avatar yet; the test buddies use these to stand for contacts' clients.

// pubsubPublish is an XEP-0060 publish of one item.
type pubsubPublish struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/pubsub pubsub"`
	Publish struct {
		Node string `xml:"node,attr"`
		Item struct {
			ID      string `xml:"id,attr,omitempty"`
			Payload any
		} `xml:"item"`
	} `xml:"publish"`
}

type avatarDataOut struct {
	XMLName xml.Name `xml:"urn:xmpp:avatar:data data"`
	Text    string   `xml:",chardata"`
}

type avatarInfoOut struct {
	ID     string `xml:"id,attr"`
	Bytes  int64  `xml:"bytes,attr"`
	Type   string `xml:"type,attr"`
	Width  int    `xml:"width,attr,omitempty"`
	Height int    `xml:"height,attr,omitempty"`
	URL    string `xml:"url,attr,omitempty"`
}

type avatarMetadataOut struct {
	XMLName xml.Name        `xml:"urn:xmpp:avatar:metadata metadata"`
	Info    []avatarInfoOut `xml:"info"`
}

type vcardOut struct {
	XMLName xml.Name `xml:"vcard-temp vCard"`
	Photo   *struct {
		Type   string `xml:"TYPE"`
		BinVal string `xml:"BINVAL"`
	} `xml:"PHOTO,omitempty"`
}

// publish publishes one item to a node of the account's own PEP service.
func (c *Client) publish(ctx context.Context, node, id string, payload any) error {
	s, err := c.current()
	if err != nil {
		return err
	}
	var p pubsubPublish
	p.Publish.Node = node
	p.Publish.Item.ID = id
	p.Publish.Item.Payload = payload
	return iqSet(ctx, s, p)
}

// PublishAvatarData stores data in the account's urn:xmpp:avatar:data node, as is (nothing is checked,
// so that tests can stand for a contact sending bad input), and returns its id, the SHA-1 in hex.
func (c *Client) PublishAvatarData(ctx context.Context, data []byte) (string, error) {
	id := sha1Hex(data)
	return id, c.publish(ctx, NSAvatarData, id, avatarDataOut{Text: base64.StdEncoding.EncodeToString(data)})
}

// PublishAvatarMetadata announces the account's avatar (XEP-0084 §4.2) by its infos, as given; no info
// disables the avatar (§4.8).
func (c *Client) PublishAvatarMetadata(ctx context.Context, infos ...AvatarInfo) error {
	m := avatarMetadataOut{}
	id := "current"
	for i, in := range infos {
		if i == 0 {
			id = in.ID
		}
		m.Info = append(m.Info, avatarInfoOut(in))
	}
	return c.publish(ctx, NSAvatarMetadata, id, m)
}

// PublishAvatar publishes an image as the account's avatar: its data, then its metadata (XEP-0084
// §4.1-4.2). It returns the avatar's id.
func (c *Client) PublishAvatar(ctx context.Context, data []byte) (string, error) {
	if len(data) == 0 {
		return "", errors.New("xmpp: an avatar needs an image")
	}
	id, err := c.PublishAvatarData(ctx, data)
	if err != nil {
		return "", err
	}
	return id, c.PublishAvatarMetadata(ctx, AvatarInfo{ID: id, Bytes: int64(len(data)), Type: http.DetectContentType(data)})
}

// SetVCardPhoto replaces the account's vCard (XEP-0054) by one holding only the photo, as a client of
// XEP-0153 does; nil data removes the photo. Servers with a PEP bridge (prosody's mod_vcard_legacy)
// publish it as the XEP-0084 avatar too.
func (c *Client) SetVCardPhoto(ctx context.Context, data []byte) error {
	s, err := c.current()
	if err != nil {
		return err
	}
	v := vcardOut{}
	if data != nil {
		v.Photo = &struct {
			Type   string `xml:"TYPE"`
			BinVal string `xml:"BINVAL"`
		}{Type: http.DetectContentType(data), BinVal: base64.StdEncoding.EncodeToString(data)}
	}
	return iqSet(ctx, s, v)
}
