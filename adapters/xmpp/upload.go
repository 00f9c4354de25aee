package xmpp

import (
	"context"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
	"mellium.im/xmpp/upload"
)

const nsDiscoItems = "http://jabber.org/protocol/disco#items"

// uploadService is the discovered XEP-0363 component.
type uploadService struct {
	addr    jid.JID
	maxSize int64 // 0 when the service announces no limit
}

type discoItems struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/disco#items query"`
	Items   []struct {
		JID string `xml:"jid,attr"`
	} `xml:"item"`
}

type discoInfoResult struct {
	XMLName  xml.Name       `xml:"http://jabber.org/protocol/disco#info query"`
	Features []discoFeature `xml:"feature"`
	Forms    []struct {
		Fields []struct {
			Var    string   `xml:"var,attr"`
			Values []string `xml:"value"`
		} `xml:"field"`
	} `xml:"jabber:x:data x"`
}

func (r *discoInfoResult) has(feature string) bool {
	for _, f := range r.Features {
		if f.Var == feature {
			return true
		}
	}
	return false
}

// uploadMaxSize reads the max-file-size field of the XEP-0363 form, 0 if absent.
func (r *discoInfoResult) uploadMaxSize() int64 {
	for _, f := range r.Forms {
		for _, fl := range f.Fields {
			if fl.Var == "max-file-size" && len(fl.Values) > 0 {
				n, _ := strconv.ParseInt(fl.Values[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// discoverUpload finds the upload service among the server's items (or the server itself), once.
func (c *Client) discoverUpload(ctx context.Context, s *session) (*uploadService, error) {
	c.mu.Lock()
	svc := c.upload
	c.mu.Unlock()
	if svc != nil {
		return svc, nil
	}
	domain := c.bare.Domain()
	candidates := []jid.JID{domain}
	var items discoItems
	err := iqDo(ctx, s, stanza.IQ{Type: stanza.GetIQ, To: domain},
		&discoQuery{XMLName: xml.Name{Space: nsDiscoItems, Local: "query"}}, &items)
	if err != nil && !errors.As(err, new(stanza.Error)) {
		return nil, err
	}
	for _, it := range items.Items {
		if j, err := jid.Parse(it.JID); err == nil {
			candidates = append(candidates, j)
		}
	}
	for _, j := range candidates {
		var info discoInfoResult
		err := iqDo(ctx, s, stanza.IQ{Type: stanza.GetIQ, To: j},
			&discoQuery{XMLName: xml.Name{Space: nsDiscoInfo, Local: "query"}}, &info)
		if err != nil {
			if errors.As(err, new(stanza.Error)) {
				continue
			}
			return nil, err
		}
		if info.has(upload.NS) {
			svc = &uploadService{addr: j, maxSize: info.uploadMaxSize()}
			c.mu.Lock()
			c.upload = svc
			c.mu.Unlock()
			c.log.Info().Str("service", j.String()).Int64("max_size", svc.maxSize).Msg("Found upload service")
			return svc, nil
		}
	}
	return nil, ErrNoUpload
}

type discoQuery struct {
	XMLName xml.Name
}

// Upload stores a file via XEP-0363: it asks the server's upload service for a slot, PUTs body there
// (size bytes, with the slot's headers) and returns the URL to fetch it from.
func (c *Client) Upload(ctx context.Context, filename string, size int64, contentType string, body io.Reader) (getURL string, err error) {
	s, err := c.current()
	if err != nil {
		return "", err
	}
	svc, err := c.discoverUpload(ctx, s)
	if err != nil {
		return "", err
	}
	if svc.maxSize > 0 && size > svc.maxSize {
		return "", fmt.Errorf("%w (%d bytes, the server takes at most %d)", ErrTooLarge, size, svc.maxSize)
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	slot, err := upload.GetSlot(ctx, upload.File{Name: filename, Size: int(size), Type: contentType}, svc.addr, s.s)
	if err != nil {
		return "", fmt.Errorf("xmpp: the upload service refused the file: %w", err)
	}
	if slot.PutURL == nil || slot.GetURL == nil {
		return "", errors.New("xmpp: the upload service gave no URL")
	}
	req, err := slot.Put(ctx, io.LimitReader(body, size))
	if err != nil {
		return "", err
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", contentType)
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("xmpp: uploading the file failed: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("xmpp: the upload server answered %s", resp.Status)
	}
	c.log.Debug().Int64("size", size).Str("content_type", contentType).Msg("Uploaded file")
	return slot.GetURL.String(), nil
}

// Download fetches an http(s) URL (an OOB or upload link), refusing more than maxSize bytes, and returns
// the data with its content type. Certificates are checked against the system roots plus CAFile.
func (c *Client) Download(ctx context.Context, rawURL string, maxSize int64) (data []byte, contentType string, err error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, "", fmt.Errorf("xmpp: %q is not an http(s) link", rawURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("xmpp: downloading the file failed: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("xmpp: the file server answered %s", resp.Status)
	}
	if maxSize > 0 && resp.ContentLength > maxSize {
		return nil, "", fmt.Errorf("%w (%d bytes, at most %d)", ErrTooLarge, resp.ContentLength, maxSize)
	}
	r := io.Reader(resp.Body)
	if maxSize > 0 {
		r = io.LimitReader(resp.Body, maxSize+1)
	}
	data, err = io.ReadAll(r)
	if err != nil {
		return nil, "", fmt.Errorf("xmpp: downloading the file failed: %w", err)
	}
	if maxSize > 0 && int64(len(data)) > maxSize {
		return nil, "", fmt.Errorf("%w (more than %d bytes)", ErrTooLarge, maxSize)
	}
	return data, resp.Header.Get("Content-Type"), nil
}

// newHTTPClient makes the client for uploads and downloads with our TLS roots.
func newHTTPClient(tc *tls.Config) *http.Client {
	hc := tc.Clone()
	hc.ServerName = "" // taken from each URL
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = hc
	return &http.Client{Transport: tr, Timeout: 10 * time.Minute}
}
