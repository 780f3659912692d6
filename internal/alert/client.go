package alert

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ClientConfig tunes NewClient.
type ClientConfig struct {
	// AllowPrivate permits loopback, private (RFC 1918, ULA), link-local,
	// CGNAT and other non-public destinations (SECURITY_ALERT_ALLOW_PRIVATE),
	// for receivers on the same host or network. Cloud metadata addresses
	// stay refused.
	AllowPrivate bool
	// Timeout bounds a whole request, body included (default 10s).
	Timeout time.Duration
	// Resolver resolves host names (default net.DefaultResolver); tests
	// substitute one that answers with chosen addresses.
	Resolver *net.Resolver
	// TLS is the TLS configuration (default: system roots, TLS 1.2+).
	TLS *tls.Config
}

// NewClient returns an HTTP client for webhook delivery that:
//   - checks every address it connects to, after DNS resolution, inside
//     net.Dialer.Control, so a name that resolves (or re-resolves, DNS
//     rebinding) to a refused address is never connected to;
//   - ignores HTTP_PROXY and friends (a proxy would make the checked address
//     the proxy's, not the receiver's);
//   - follows no redirects (the 3xx response is returned, and delivery
//     treats it as a failure);
//   - bounds dialing, the TLS handshake, waiting for headers and the whole
//     request.
func NewClient(c ClientConfig) *http.Client {
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	tlsCfg := c.TLS
	if tlsCfg == nil {
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	allow := c.AllowPrivate
	dialer := &net.Dialer{
		Timeout:  min(5*time.Second, c.Timeout),
		Resolver: c.Resolver,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: unparsable address", ErrRefused)
			}
			return CheckAddr(ap.Addr(), allow)
		},
	}
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        tlsCfg,
		TLSHandshakeTimeout:    min(5*time.Second, c.Timeout),
		ResponseHeaderTimeout:  c.Timeout,
		ExpectContinueTimeout:  time.Second,
		MaxIdleConns:           4,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        30 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		ForceAttemptHTTP2:      true,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   c.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// refusedPrefixes are ranges refused unless allowPrivate, beyond what netip
// classifies.
func refusedPrefixes() []struct {
	p    netip.Prefix
	name string
} {
	return []struct {
		p    netip.Prefix
		name string
	}{
		{netip.MustParsePrefix("0.0.0.0/8"), "this-network"},
		{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT"},
		{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
		{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
		{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
		{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
		{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
		{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
		{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
		{netip.MustParsePrefix("100::/64"), "discard-only"},
	}
}

// metadataAddrs are cloud instance-metadata endpoints, refused always.
func metadataAddrs() [4]netip.Addr {
	return [...]netip.Addr{
		netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack
		netip.MustParseAddr("169.254.170.2"),   // AWS ECS task metadata
		netip.MustParseAddr("fd00:ec2::254"),   // AWS IMDS over IPv6
		netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	}
}

// CheckAddr returns nil when a webhook may connect to ip, or an error
// wrapping ErrRefused that names the address class. Metadata endpoints are
// refused even when allowPrivate is set. IPv4-mapped, NAT64 (64:ff9b::/96)
// and 6to4 (2002::/16) addresses are judged by the IPv4 address they embed.
func CheckAddr(ip netip.Addr, allowPrivate bool) error {
	if !ip.IsValid() {
		return fmt.Errorf("%w: invalid address", ErrRefused)
	}
	ip = ip.Unmap().WithZone("")
	for _, m := range metadataAddrs() {
		if ip == m {
			return fmt.Errorf("%w: %s is a cloud metadata endpoint", ErrRefused, ip)
		}
	}
	if v4, ok := embeddedV4(ip); ok {
		if err := CheckAddr(v4, allowPrivate); err != nil {
			return fmt.Errorf("%w (embedded in %s)", err, ip)
		}
	}
	if allowPrivate {
		return nil
	}
	class := ""
	switch {
	case ip.IsUnspecified():
		class = "unspecified"
	case ip.IsLoopback():
		class = "loopback"
	case ip.IsPrivate():
		class = "private"
	case ip.IsLinkLocalUnicast():
		class = "link-local"
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		class = "multicast"
	case ip.Is4() && ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		class = "broadcast"
	case ip.Is6() && !netip.MustParsePrefix("2000::/3").Contains(ip):
		class = "not global unicast"
	}
	if class == "" {
		for _, r := range refusedPrefixes() {
			if r.p.Contains(ip) {
				class = r.name
				break
			}
		}
	}
	if class != "" {
		return fmt.Errorf("%w: %s is %s (set SECURITY_ALERT_ALLOW_PRIVATE=true for receivers on this host or network)", ErrRefused, ip, class)
	}
	return nil
}

// embeddedV4 returns the IPv4 address inside a NAT64 or 6to4 address.
func embeddedV4(ip netip.Addr) (netip.Addr, bool) {
	if !ip.Is6() {
		return netip.Addr{}, false
	}
	b := ip.As16()
	switch {
	case netip.MustParsePrefix("64:ff9b::/96").Contains(ip):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case netip.MustParsePrefix("2002::/16").Contains(ip):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	}
	return netip.Addr{}, false
}
