package xmpp

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

func TestPublicAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "1.1.1.1": true, "2a00:1450:4001:80b::200e": true, "2606:4700::1111": true,
		"127.0.0.1": false, "127.8.9.10": false, "::1": false, "0.0.0.0": false, "::": false,
		"10.1.2.3": false, "172.16.0.1": false, "172.31.255.255": false, "192.168.1.1": false,
		"169.254.169.254": false, "fe80::1": false, "fc00::1": false, "fd12:3456::1": false,
		"100.64.0.1": false, "100.127.255.254": false, "224.0.0.1": false, "ff02::1": false,
		"255.255.255.255": false, "240.0.0.1": false, "192.0.2.1": false, "198.18.0.1": false,
		"::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "::ffff:8.8.8.8": true,
		"2002:7f00:0001::1": false, "2002:0808:0808::1": true, // 6to4 embedding 127.0.0.1 / 8.8.8.8
		"64:ff9b::a00:1": false, "64:ff9b::808:808": true, // NAT64 embedding 10.0.0.1 / 8.8.8.8
		"2001:db8::1": false, "::127.0.0.1": false, "fec0::1": false,
	} {
		if got := publicAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("publicAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}

// recordingServer is a loopback HTTP server that counts the requests it sees.
func recordingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func offlineClient(t *testing.T) *Client {
	t.Helper()
	c, err := New(Config{JID: "alice@localhost", Logger: testLogger(t)}, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestDownloadRefusesLoopback(t *testing.T) {
	srv, hits := recordingServer(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("secret")) })
	c := offlineClient(t)
	u, _ := url.Parse(srv.URL)
	for _, link := range []string{
		srv.URL + "/admin",
		"http://localhost:" + u.Port() + "/admin", // a name resolving to loopback
		"http://[::ffff:127.0.0.1]:" + u.Port() + "/",
	} {
		_, _, err := c.DownloadWith(ctxT(t), link, DownloadPolicy{MaxSize: 1 << 20})
		if !errors.Is(err, ErrLinkRefused) {
			t.Errorf("Download(%s) = %v, want ErrLinkRefused", link, err)
		}
	}
	for _, link := range []string{"file:///etc/passwd", "gopher://127.0.0.1/", "http://user:pw@example.org/x", "/relative"} {
		if _, _, err := c.DownloadWith(ctxT(t), link, DownloadPolicy{}); err == nil || !strings.Contains(err.Error(), "not an http(s) link") {
			t.Errorf("Download(%s) = %v, want not an http(s) link", link, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the loopback server saw %d requests, want 0", n)
	}

	// Listed by the admin, the same server is fetched.
	data, _, err := c.DownloadWith(ctxT(t), srv.URL+"/file", DownloadPolicy{TrustedHosts: []string{u.Host}})
	if err != nil || string(data) != "secret" {
		t.Fatalf("trusted host: %q, %v", data, err)
	}
}

func TestDownloadRedirectChecked(t *testing.T) {
	inner, innerHits := recordingServer(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("inner")) })
	outer, _ := recordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inner.URL+"/metadata", http.StatusFound)
	})
	c := offlineClient(t)
	ou, _ := url.Parse(outer.URL)
	_, _, err := c.DownloadWith(ctxT(t), outer.URL+"/f", DownloadPolicy{TrustedHosts: []string{ou.Host}})
	if !errors.Is(err, ErrLinkRefused) {
		t.Fatalf("redirect to an untrusted loopback server: %v, want ErrLinkRefused", err)
	}
	if n := innerHits.Load(); n != 0 {
		t.Fatalf("the redirect target saw %d requests, want 0", n)
	}
	iu, _ := url.Parse(inner.URL)
	data, _, err := c.DownloadWith(ctxT(t), outer.URL+"/f", DownloadPolicy{TrustedHosts: []string{ou.Host, iu.Host}})
	if err != nil || string(data) != "inner" {
		t.Fatalf("redirect between trusted hosts: %q, %v", data, err)
	}
}

func TestUploadPrefix(t *testing.T) {
	get, _ := url.Parse("http://127.0.0.1:5280/file_share/0f4b-slot/pic.png")
	p := uploadPrefix(get)
	for link, want := range map[string]bool{
		"http://127.0.0.1:5280/file_share/other/doc.pdf": true,
		"http://127.0.0.1:5280/file_share/../metrics":    false,
		"http://127.0.0.1:5280/file_share/%2e%2e/x":      false,
		"http://127.0.0.1:5280/file_share/a%2f..%2fb":    false,
		"http://127.0.0.1:5280/metrics":                  false,
		"http://127.0.0.1:5281/file_share/a/b":           false,
		"https://127.0.0.1:5280/file_share/a/b":          false,
		"http://127.0.0.2:5280/file_share/a/b":           false,
	} {
		u, _ := url.Parse(link)
		if got := p.contains(u); got != want {
			t.Errorf("%s under %+v = %v, want %v", link, p, got, want)
		}
	}
	bare, _ := url.Parse("https://Upload.Example.org/pic.png")
	if p := uploadPrefix(bare); p.path != "/" || p.hostport != "upload.example.org:443" {
		t.Errorf("prefix of a folderless URL = %+v", p)
	}
}
