package bridge

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/event"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
	"github.com/offrecord/offrecord/config"
)

// maxFileSize is the largest file bridged either way.
func (c *Client) maxFileSize() int64 {
	limit := c.conn.Config.XMPP.MaxFileSize
	if m := c.conn.maxMatrixFileSize; m > 0 && (limit <= 0 || m < limit) {
		limit = m
	}
	if limit <= 0 {
		limit = 50 << 20
	}
	return limit
}

// reuploadAttachment downloads a XEP-0066 / XEP-0363 link and uploads it to
// Matrix. With xmpp.download_from: contacts, a stranger's link is fetched only
// when it lies on the user's own server's upload service; the adapter refuses
// non-public addresses (other than that service and the trusted hosts). On an
// error the caller leaves the link in the message as text.
func (c *Client) reuploadAttachment(ctx context.Context, portal *bridgev2.Portal, intent bridgev2.MatrixAPI, oob xmppad.OOB) (*bridgev2.ConvertedMessagePart, error) {
	xc := c.xmpp()
	if xc == nil {
		return nil, xmppad.ErrNotConnected
	}
	x := c.conn.Config.XMPP
	if x.DownloadFrom != config.DownloadFromEveryone {
		contact, err := parsePortalID(portal.ID)
		if err != nil || !c.inRoster(contact) && !xc.IsOwnUpload(ctx, oob.URL) {
			return nil, errLinkFromStranger
		}
	}
	data, contentType, err := xc.DownloadWith(ctx, oob.URL, xmppad.DownloadPolicy{
		MaxSize:      c.maxFileSize(),
		Timeout:      x.DownloadTimeout,
		TrustedHosts: x.DownloadTrustedHosts,
	})
	if err != nil {
		return nil, err
	}
	if contentType == "" || contentType == "application/octet-stream" {
		contentType = http.DetectContentType(data)
	}
	name := fileNameFromURL(oob.URL)
	mxc, file, err := intent.UploadMedia(ctx, portal.MXID, data, name, contentType)
	if err != nil {
		return nil, fmt.Errorf("uploading to Matrix: %w", err)
	}
	content := &event.MessageEventContent{
		MsgType:  msgTypeFor(contentType),
		Body:     name,
		FileName: name,
		URL:      mxc,
		File:     file,
		Info:     &event.FileInfo{MimeType: contentType, Size: len(data)},
	}
	if oob.Desc != "" && oob.Desc != name {
		content.Body = oob.Desc
	}
	return &bridgev2.ConvertedMessagePart{Type: event.EventMessage, Content: content}, nil
}

// msgTypeFor picks the Matrix message type for a MIME type.
func msgTypeFor(contentType string) event.MessageType {
	switch strings.SplitN(contentType, "/", 2)[0] {
	case "image":
		return event.MsgImage
	case "video":
		return event.MsgVideo
	case "audio":
		return event.MsgAudio
	}
	return event.MsgFile
}

// fileNameFromURL returns the last path element of a URL, or "file".
func fileNameFromURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "file"
	}
	name := path.Base(u.Path)
	if name == "." || name == "/" || name == "" {
		return "file"
	}
	if unescaped, err := url.PathUnescape(name); err == nil {
		name = unescaped
	}
	return name
}

// uploadMatrixMedia downloads a Matrix file and uploads it with XEP-0363, returning the link.
func (c *Client) uploadMatrixMedia(ctx context.Context, xc *xmppad.Client, content *event.MessageEventContent) (string, error) {
	uri := content.URL
	if content.File != nil {
		uri = content.File.URL
	}
	data, err := c.conn.Bridge.Bot.DownloadMedia(ctx, uri, content.File)
	if err != nil {
		return "", fmt.Errorf("downloading the file from Matrix: %w", err)
	}
	if int64(len(data)) > c.maxFileSize() {
		return "", fmt.Errorf("the file is larger than the %d byte limit", c.maxFileSize())
	}
	name := content.FileName
	if name == "" {
		name = content.Body
	}
	if name == "" {
		name = "file"
	}
	mime := ""
	if content.Info != nil {
		mime = content.Info.MimeType
	}
	if mime == "" {
		mime = http.DetectContentType(data)
	}
	return xc.Upload(ctx, name, int64(len(data)), mime, bytes.NewReader(data))
}
