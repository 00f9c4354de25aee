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
	maxSize int64       // 0 when the service announces no limit
	get     *linkPrefix // where its files are downloaded from, nil until learned; guarded by Client.mu
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

// getSlot asks the upload service at svc for a slot for f (XEP-0363 §4).
func getSlot(ctx context.Context, s *session, svc jid.JID, f upload.File) (upload.Slot, error) {
	var slot upload.Slot
	err := iqDo(ctx, s, stanza.IQ{Type: stanza.GetIQ, To: svc}, f, &slot)
	return slot, err
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
	slot, err := getSlot(ctx, s, svc.addr, upload.File{Name: filename, Size: int(size), Type: contentType})
	if err != nil {
		return "", fmt.Errorf("xmpp: the upload service refused the file: %w", err)
	}
	if slot.PutURL == nil || slot.GetURL == nil {
		return "", errors.New("xmpp: the upload service gave no URL")
	}
	c.learnUploadPrefix(svc, slot.GetURL)
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

// DownloadPolicy says which links Download fetches and how.
type DownloadPolicy struct {
	MaxSize int64         // largest body accepted; 0 means no limit
	Timeout time.Duration // for the whole download, redirects included; 0 means 60 s
	// TrustedHosts are hosts (or host:port) that may be fetched even on a loopback, private or other
	// non-public address, e.g. a file server on the deployment's LAN. The account's own XEP-0363
	// upload service is trusted without being listed.
	TrustedHosts []string
}

// maxRedirects bounds the redirects one download follows.
const maxRedirects = 5

// defaultDownloadTimeout bounds a download when the policy names no timeout.
const defaultDownloadTimeout = 60 * time.Second

// Download fetches an http(s) link with DownloadWith and only the size limit set.
func (c *Client) Download(ctx context.Context, rawURL string, maxSize int64) (data []byte, contentType string, err error) {
	return c.DownloadWith(ctx, rawURL, DownloadPolicy{MaxSize: maxSize})
}

// DownloadWith fetches an http(s) link (an OOB or upload link), following at most 5 redirects, and
// returns the data with its content type. Every hop must be http(s) and reach a public address (checked
// on the address actually dialed), unless it lies under the account's own upload service or on one of
// p.TrustedHosts; otherwise the error is ErrLinkRefused and nothing is requested. More than p.MaxSize
// bytes is ErrTooLarge. Certificates are checked against the system roots plus CAFile; proxies from the
// environment are not used.
func (c *Client) DownloadWith(ctx context.Context, rawURL string, p DownloadPolicy) (data []byte, contentType string, err error) {
	u, err := parseLink(rawURL)
	if err != nil {
		return nil, "", err
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = defaultDownloadTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	base, _ := c.http.Transport.(*http.Transport)
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	public := &http.Client{Transport: linkTransport(base, true), CheckRedirect: noRedirect}
	trusted := &http.Client{Transport: linkTransport(base, false), CheckRedirect: noRedirect}
	defer public.CloseIdleConnections()
	defer trusted.CloseIdleConnections()
	for hop := 0; ; hop++ {
		hc := public
		if hostAllowed(u, p.TrustedHosts) || c.ownUpload(ctx, u, false) {
			hc = trusted
		}
		resp, err := get(ctx, hc, u)
		if err != nil {
			switch {
			case errors.Is(err, ErrLinkRefused):
				return nil, "", err
			case ctx.Err() != nil:
				return nil, "", fmt.Errorf("xmpp: the file server did not answer within %v", timeout)
			}
			return nil, "", fmt.Errorf("xmpp: downloading the file failed: %w", err)
		}
		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			loc := resp.Header.Get("Location")
			resp.Body.Close()
			if hop == maxRedirects {
				return nil, "", errors.New("xmpp: the file server redirected too often")
			}
			next, err := u.Parse(loc)
			if err != nil || (next.Scheme != "https" && next.Scheme != "http") || next.Host == "" {
				return nil, "", errors.New("xmpp: the file server redirected to something that is not an http(s) link")
			}
			u = next
			continue
		}
		defer resp.Body.Close()
		return readBody(resp, p.MaxSize)
	}
}

// parseLink accepts only absolute http(s) URLs without user info.
func parseLink(rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("xmpp: %q is not an http(s) link", rawURL)
	}
	return u, nil
}

func get(ctx context.Context, hc *http.Client, u *url.URL) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	return hc.Do(req)
}

// readBody reads a 200 answer of at most maxSize bytes (0: no limit).
func readBody(resp *http.Response, maxSize int64) ([]byte, string, error) {
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
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, "", fmt.Errorf("xmpp: downloading the file failed: %w", err)
	}
	if maxSize > 0 && int64(len(data)) > maxSize {
		return nil, "", fmt.Errorf("%w (more than %d bytes)", ErrTooLarge, maxSize)
	}
	return data, resp.Header.Get("Content-Type"), nil
}

// IsOwnUpload reports whether rawURL lies under the account's own XEP-0363 upload service (learning
// where that is if need be), i.e. whether the file is stored on the user's own server.
func (c *Client) IsOwnUpload(ctx context.Context, rawURL string) bool {
	u, err := parseLink(rawURL)
	return err == nil && c.ownUpload(ctx, u, true)
}

// ownUpload reports whether u lies under the own upload service. Where that service keeps its files
// is learned from the first slot we get: from an Upload, or else from a slot asked for (and never
// used) here. Without always, it is only looked for when u's host resolves to a non-public address,
// the one case where the answer matters.
func (c *Client) ownUpload(ctx context.Context, u *url.URL, always bool) bool {
	c.mu.Lock()
	svc := c.upload
	c.mu.Unlock()
	if svc != nil {
		c.mu.Lock()
		get := svc.get
		c.mu.Unlock()
		if get != nil {
			return get.contains(u)
		}
	}
	if !always && resolvesPublic(ctx, u.Hostname()) {
		return false
	}
	s, err := c.current()
	if err != nil {
		return false
	}
	if svc, err = c.discoverUpload(ctx, s); err != nil {
		return false
	}
	slot, err := getSlot(ctx, s, svc.addr, upload.File{Name: "offrecord-probe.txt", Size: 1, Type: "text/plain"})
	if err != nil || slot.GetURL == nil {
		c.log.Debug().Err(err).Msg("Could not learn where the upload service keeps its files")
		return false
	}
	get := c.learnUploadPrefix(svc, slot.GetURL)
	return get.contains(u)
}

// learnUploadPrefix records where svc keeps its files, from one of its download URLs (first one wins).
func (c *Client) learnUploadPrefix(svc *uploadService, getURL *url.URL) linkPrefix {
	p := uploadPrefix(getURL)
	c.mu.Lock()
	defer c.mu.Unlock()
	if svc.get == nil {
		svc.get = &p
		c.log.Debug().Str("prefix", p.scheme+"://"+p.hostport+p.path).Msg("Learned where the upload service keeps its files")
	}
	return *svc.get
}

// newHTTPClient makes the client for uploads and downloads with our TLS roots.
func newHTTPClient(tc *tls.Config) *http.Client {
	hc := tc.Clone()
	hc.ServerName = "" // taken from each URL
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = hc
	return &http.Client{Transport: tr, Timeout: 10 * time.Minute}
}
