package xmpp

import (
	"bytes"
	"context"
	"crypto/sha1" // #nosec G505 -- XEP-0084 and XEP-0153 name images by their SHA-1; not used for security
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // image.DecodeConfig for avatars
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"strings"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// Bounds on avatars.
const (
	// DefaultAvatarMaxSize is the largest avatar image taken when AvatarPolicy names no limit.
	DefaultAvatarMaxSize = 1 << 20
	// maxAvatarSide is the largest width or height taken, against decompression bombs.
	maxAvatarSide = 4096
)

// AvatarPolicy bounds FetchAvatar.
type AvatarPolicy struct {
	MaxSize  int64          // largest image in bytes; 0 means DefaultAvatarMaxSize
	Download DownloadPolicy // for images announced by URL; its MaxSize is replaced by MaxSize
	NoLinks  bool           // images announced by URL are refused, not fetched
}

// withDefaults fills in the default size limit.
func (p AvatarPolicy) withDefaults() AvatarPolicy {
	if p.MaxSize <= 0 {
		p.MaxSize = DefaultAvatarMaxSize
	}
	return p
}

// pubsubItemsQuery asks for items of a node: the last max of them, or those with the given ids.
type pubsubItemsQuery struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/pubsub pubsub"`
	Items   struct {
		Node     string `xml:"node,attr"`
		MaxItems int    `xml:"max_items,attr,omitempty"`
		Item     []struct {
			ID string `xml:"id,attr"`
		} `xml:"item"`
	} `xml:"items"`
}

// pubsubItemsResult is the answer to pubsubItemsQuery.
type pubsubItemsResult struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/pubsub pubsub"`
	Items   struct {
		Item []pubsubItem `xml:"item"`
	} `xml:"items"`
}

type vcardQuery struct {
	XMLName xml.Name `xml:"vcard-temp vCard"`
}

type vcardPhoto struct {
	Type   string `xml:"TYPE"`
	BinVal string `xml:"BINVAL"`
	ExtVal string `xml:"EXTVAL"`
}

type vcardResult struct {
	XMLName xml.Name    `xml:"vcard-temp vCard"`
	Photo   *vcardPhoto `xml:"PHOTO"`
}

// pubsubItems fetches pubsub items of a contact's node (XEP-0060 §6.5). mellium's pubsub.Fetch is not used:
// it asks for one item with an attribute on <items/> that servers ignore, instead of an <item/> child.
func (c *Client) pubsubItems(ctx context.Context, contact jid.JID, node string, id string) ([]pubsubItem, error) {
	s, err := c.current()
	if err != nil {
		return nil, err
	}
	var q pubsubItemsQuery
	q.Items.Node = node
	if id == "" {
		q.Items.MaxItems = 1
	} else {
		q.Items.Item = append(q.Items.Item, struct {
			ID string `xml:"id,attr"`
		}{id})
	}
	var res pubsubItemsResult
	if err := iqDo(ctx, s, stanza.IQ{Type: stanza.GetIQ, To: contact.Bare()}, q, &res); err != nil {
		return nil, err
	}
	return res.Items.Item, nil
}

// vcard fetches a contact's vCard photo (XEP-0054), nil when there is none.
func (c *Client) vcard(ctx context.Context, contact jid.JID) (*vcardPhoto, error) {
	s, err := c.current()
	if err != nil {
		return nil, err
	}
	var res vcardResult
	if err := iqDo(ctx, s, stanza.IQ{Type: stanza.GetIQ, To: contact.Bare()}, vcardQuery{}, &res); err != nil {
		return nil, err
	}
	return res.Photo, nil
}

// isStanzaErr reports whether err is an error answer (as opposed to a broken connection or timeout).
func isStanzaErr(err error) bool {
	var se stanza.Error
	return errors.As(err, &se)
}

// LookupAvatar asks for a contact's current avatar: their XEP-0084 metadata, or when they have no PEP
// avatar (an error answer, no item or empty metadata), their vCard photo. ID "" means neither names one. The photo a
// vCard lookup read is kept in the result, so FetchAvatar does not ask again.
func (c *Client) LookupAvatar(ctx context.Context, contact jid.JID, p AvatarPolicy) (AvatarRef, error) {
	p = p.withDefaults()
	items, err := c.pubsubItems(ctx, contact, NSAvatarMetadata, "")
	if err != nil && !isStanzaErr(err) {
		return AvatarRef{}, err
	}
	if err == nil && len(items) > 0 {
		if in := items[len(items)-1].Metadata.pick(); in.ID != "" {
			return AvatarRef{AvatarInfo: in, Source: AvatarPEP}, nil
		}
	}
	photo, err := c.vcard(ctx, contact)
	switch {
	case err != nil && !isStanzaErr(err):
		return AvatarRef{}, err
	case err != nil || photo == nil || (photo.BinVal == "" && photo.ExtVal == ""):
		return AvatarRef{Source: AvatarVCard}, nil
	}
	data, err := c.photoData(ctx, photo, p)
	if err != nil {
		return AvatarRef{}, err
	}
	return AvatarRef{AvatarInfo: AvatarInfo{ID: sha1Hex(data), Bytes: int64(len(data)), Type: photo.Type}, Source: AvatarVCard, data: data}, nil
}

// FetchAvatar gets the image an announcement names and checks it: at most p.MaxSize bytes (announced
// and actual), a PNG, JPEG or GIF that decodes (or a WebP by its signature) of at most 4096 pixels a
// side, and its SHA-1 equal to the announced id. PEP images come from the contact's data node or the
// announced URL (fetched like attachments, under p.Download); vCard images from the vCard. Anything
// wrong with the image itself, or an error answer, is ErrAvatarRefused, with the reason; a broken
// connection or timeout is returned as is, for a later retry.
func (c *Client) FetchAvatar(ctx context.Context, contact jid.JID, ref AvatarRef, p AvatarPolicy) ([]byte, error) {
	p = p.withDefaults()
	if !isSHA1Hex(ref.ID) {
		return nil, refuse("its id is not a SHA-1 hash")
	}
	if ref.Bytes > p.MaxSize {
		return nil, refuse(fmt.Sprintf("it is announced as %d bytes, more than the %d allowed", ref.Bytes, p.MaxSize))
	}
	data := ref.data
	var err error
	switch {
	case data != nil:
	case ref.Source == AvatarVCard:
		var photo *vcardPhoto
		if photo, err = c.vcard(ctx, contact); err == nil {
			if photo == nil {
				return nil, refuse("the vCard has no photo")
			}
			data, err = c.photoData(ctx, photo, p)
		}
	case ref.URL != "":
		data, err = c.avatarDownload(ctx, ref.URL, p)
	default:
		var items []pubsubItem
		if items, err = c.pubsubItems(ctx, contact, NSAvatarData, ref.ID); err == nil {
			data, err = itemData(items, ref.ID, p.MaxSize)
		}
	}
	if err != nil {
		if isStanzaErr(err) {
			return nil, fmt.Errorf("%w: the contact's server answered %v", ErrAvatarRefused, err)
		}
		return nil, err
	}
	if err := checkImage(data, p.MaxSize); err != nil {
		return nil, err
	}
	if got := sha1Hex(data); got != strings.ToLower(ref.ID) {
		return nil, refuse("its data does not match the announced SHA-1")
	}
	return data, nil
}

// photoData returns a vCard photo's image: the inline BINVAL, else the EXTVAL link.
func (c *Client) photoData(ctx context.Context, photo *vcardPhoto, p AvatarPolicy) ([]byte, error) {
	if photo.BinVal == "" && photo.ExtVal != "" {
		return c.avatarDownload(ctx, photo.ExtVal, p)
	}
	return decodeBase64(photo.BinVal, p.MaxSize)
}

// avatarDownload fetches an avatar URL under the download policy with the avatar size limit.
func (c *Client) avatarDownload(ctx context.Context, url string, p AvatarPolicy) ([]byte, error) {
	if p.NoLinks {
		return nil, refuse("it is a link, and links of contacts not in the roster are not fetched")
	}
	dp := p.Download
	dp.MaxSize = p.MaxSize
	data, _, err := c.DownloadWith(ctx, url, dp)
	switch {
	case err == nil:
		return data, nil
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrLinkRefused):
		return nil, fmt.Errorf("%w: %v", ErrAvatarRefused, err)
	case ctx.Err() != nil:
		return nil, err
	}
	return nil, fmt.Errorf("%w: %v", ErrAvatarRefused, err)
}

// itemData returns the image of the data item with the id.
func itemData(items []pubsubItem, id string, maxSize int64) ([]byte, error) {
	for _, it := range items {
		if strings.EqualFold(it.ID, id) && it.Data != nil {
			return decodeBase64(it.Data.Text, maxSize)
		}
	}
	return nil, refuse("the contact's data node has no such image")
}

// decodeBase64 decodes base64 text (whitespace allowed, as vCards wrap lines) of at most maxSize bytes.
func decodeBase64(text string, maxSize int64) ([]byte, error) {
	limit := int64(base64.StdEncoding.EncodedLen(int(maxSize)))
	if int64(len(text)) > 2*limit+1024 {
		return nil, refuse(fmt.Sprintf("it is more than the %d bytes allowed", maxSize))
	}
	compact := strings.Join(strings.Fields(text), "")
	if int64(len(compact)) > limit {
		return nil, refuse(fmt.Sprintf("it is more than the %d bytes allowed", maxSize))
	}
	data, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		return nil, refuse("its data is not valid base64")
	}
	return data, nil
}

// checkImage accepts PNG, JPEG and GIF images that decode, of at most maxAvatarSide pixels a side,
// and WebP by signature (the standard library has no WebP decoder).
func checkImage(data []byte, maxSize int64) error {
	if len(data) == 0 {
		return refuse("it is empty")
	}
	if int64(len(data)) > maxSize {
		return refuse(fmt.Sprintf("it is %d bytes, more than the %d allowed", len(data), maxSize))
	}
	mime := http.DetectContentType(data)
	switch mime {
	case "image/webp":
		return nil
	case "image/png", "image/jpeg", "image/gif":
	default:
		return refuse(fmt.Sprintf("it is not a PNG, JPEG, GIF or WebP image (%s)", mime))
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return refuse(fmt.Sprintf("it is not a valid %s image", mime))
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxAvatarSide || cfg.Height > maxAvatarSide {
		return refuse(fmt.Sprintf("it is %dx%d pixels, more than %d a side", cfg.Width, cfg.Height, maxAvatarSide))
	}
	return nil
}

func refuse(reason string) error { return fmt.Errorf("%w: %s", ErrAvatarRefused, reason) }

func sha1Hex(data []byte) string {
	sum := sha1.Sum(data) // #nosec G401 -- the id XEP-0084/0153 define, not a security check
	return hex.EncodeToString(sum[:])
}

func isSHA1Hex(s string) bool {
	if len(s) != 2*sha1.Size {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
