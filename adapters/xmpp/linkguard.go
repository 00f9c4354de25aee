package xmpp

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// nonPublic lists the address ranges a link from XMPP must not reach (RFC 6890 special-purpose registries
// and friends): the bridge's own machine, its LAN, the provider's CGNAT, documentation and reserved space.
var nonPublic = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",          // "this network", unspecified
		"10.0.0.0/8",         // private
		"100.64.0.0/10",      // CGNAT shared address space
		"127.0.0.0/8",        // loopback
		"169.254.0.0/16",     // link-local (cloud metadata services)
		"172.16.0.0/12",      // private
		"192.0.0.0/24",       // IETF protocol assignments
		"192.0.2.0/24",       // TEST-NET-1
		"192.88.99.0/24",     // 6to4 relay anycast (deprecated)
		"192.168.0.0/16",     // private
		"198.18.0.0/15",      // benchmarking
		"198.51.100.0/24",    // TEST-NET-2
		"203.0.113.0/24",     // TEST-NET-3
		"224.0.0.0/4",        // multicast
		"240.0.0.0/4",        // reserved, broadcast
		"::/128",             // unspecified
		"::1/128",            // loopback
		"::/96",              // IPv4-compatible (deprecated)
		"64:ff9b:1::/48",     // local-use NAT64
		"100::/64",           // discard-only
		"2001::/23",          // IETF protocol assignments (Teredo, ORCHID, …)
		"2001:db8::/32",      // documentation
		"fc00::/7",           // unique local
		"fe80::/10",          // link-local
		"fec0::/10",          // site-local (deprecated)
		"ff00::/8",           // multicast
		"3fff::/20",          // documentation (RFC 9637)
		"5f00::/16",          // segment routing SIDs
		"2620:4f:8000::/48",  // AS112 (DNS sinks; never a file server)
		"255.255.255.255/32", // limited broadcast
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// publicAddr reports whether ip is an ordinary public unicast address that a link may point to.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() {
		return false
	}
	if ip.Is6() {
		b := ip.As16()
		switch {
		case b[0] == 0x20 && b[1] == 0x02: // 6to4 embeds the IPv4 address it leads to
			return publicAddr(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		case nat64.Contains(ip): // the NAT64 well-known prefix embeds the IPv4 address it leads to
			return publicAddr(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		}
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return ip.IsGlobalUnicast()
}

// refuseNonPublic is a net.Dialer Control function: it runs for every address actually dialed (after
// DNS resolution, for each Happy Eyeballs attempt), so a name that resolves differently on a second
// lookup (DNS rebinding) cannot get past it.
func refuseNonPublic(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !publicAddr(ap.Addr()) {
		return fmt.Errorf("%w (%s)", ErrLinkRefused, address)
	}
	return nil
}

// linkTransport makes an HTTP transport for downloads: no proxy from the environment (the proxy would
// dial for us, unchecked), our TLS roots, and with public set, a dialer that refuses non-public addresses.
func linkTransport(base *http.Transport, public bool) *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if public {
		d.Control = refuseNonPublic
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	if base != nil && base.TLSClientConfig != nil {
		tr.TLSClientConfig = base.TLSClientConfig.Clone()
	}
	return tr
}

// linkPrefix is the part of a URL a trusted location is matched on: scheme, host:port and a path prefix.
type linkPrefix struct {
	scheme, hostport, path string
}

// hostPort returns u's lower-case host with the scheme's default port filled in.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// uploadPrefix derives the location of an upload service's files from one of its download URLs: the
// origin and the first path segment (prosody: /file_share/, ejabberd: /upload/, Openfire:
// /httpfileupload/), or the origin alone when the URL has no folder.
func uploadPrefix(get *url.URL) linkPrefix {
	p := linkPrefix{scheme: get.Scheme, hostport: hostPort(get), path: "/"}
	segs := strings.Split(strings.TrimPrefix(get.EscapedPath(), "/"), "/")
	if len(segs) >= 2 && segs[0] != "" {
		p.path = "/" + segs[0] + "/"
	}
	return p
}

// contains reports whether u lies under the prefix. Paths with dot segments or encoded dots or slashes
// never match, so that a server normalising them cannot be led outside the prefix.
func (p linkPrefix) contains(u *url.URL) bool {
	if u.Scheme != p.scheme || hostPort(u) != p.hostport {
		return false
	}
	ep := u.EscapedPath()
	lower := strings.ToLower(ep)
	if strings.Contains(lower, "%2e") || strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") ||
		strings.Contains(ep, "\\") {
		return false
	}
	for _, seg := range strings.Split(ep, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return strings.HasPrefix(ep, p.path)
}

// hostAllowed reports whether u's host (or host:port) is in the admin's list of trusted hosts.
func hostAllowed(u *url.URL, hosts []string) bool {
	host, hp := strings.ToLower(u.Hostname()), hostPort(u)
	for _, h := range hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == host || h == hp || h == "["+host+"]" {
			return true
		}
	}
	return false
}

// resolvesPublic reports whether every address host resolves to now is public. It only decides whether
// to look for the own upload service; the dialer checks the address actually used.
func resolvesPublic(ctx context.Context, host string) bool {
	if ip, err := netip.ParseAddr(host); err == nil {
		return publicAddr(ip)
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return true // the dial will fail on its own
	}
	for _, ip := range ips {
		if !publicAddr(ip) {
			return false
		}
	}
	return true
}
