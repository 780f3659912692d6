package ids

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ErrInvalidPrefix reports a malformed entry in a CIDR list such as
// TRUSTED_PROXIES or IP_ALLOWLIST.
var ErrInvalidPrefix = errors.New("ids: invalid address or CIDR")

const (
	// maxHops bounds how many X-Forwarded-For entries ClientIP walks.
	maxHops = 32
	// maxEntryLen bounds one X-Forwarded-For entry ("[v6%zone]:port").
	maxEntryLen = 64
)

// ClientIP returns the address of the client that sent a request.
//
// remoteAddr is the direct peer (http.Request.RemoteAddr) and xff the
// X-Forwarded-For header lines in the order received
// (r.Header.Values("X-Forwarded-For")). When the peer is not in trusted, the
// peer is the answer and xff is ignored: a forged header from anyone else
// changes nothing. When the peer is a trusted proxy, the entries are walked
// right to left (the last line's last entry first), skipping trusted hops,
// and the first untrusted address is returned. If every hop is trusted, or
// an entry is malformed or the walk passes 32 hops, the walk stops and the
// last trusted address reached is returned: it is the nearest party whose
// identity a trusted proxy vouched for.
//
// Entries may be bare IPv4 or IPv6 addresses, "ip:port", "[ipv6]" or
// "[ipv6]:port"; zones are dropped and IPv4-mapped IPv6 addresses unmapped,
// so one host has one spelling. The zero Addr means the peer address itself
// could not be parsed (for example a Unix socket); callers treat it as an
// unknown client.
func ClientIP(remoteAddr string, xff []string, trusted []netip.Prefix) netip.Addr {
	a, _ := clientHop(remoteAddr, xff, trusted)
	return a
}

// ForwardedHTTPS reports whether the client's own connection was TLS
// according to X-Forwarded-Proto (xfp, the header lines in the order
// received), read from the same hop as the address ClientIP returns: when
// the client address is the k-th X-Forwarded-For entry from the right, the
// answer is the k-th X-Forwarded-Proto entry from the right (entries split
// on commas across lines, as for X-Forwarded-For), which is the value the
// proxy that accepted the client's connection appended. Everything else is
// false (fail closed): a peer that is not a trusted proxy, a list too short
// to have that entry, or an entry other than "https" (any case). A trusted
// peer that sent no X-Forwarded-For is the client address itself; its last
// X-Forwarded-Proto entry is read. A proxy that overwrites
// X-Forwarded-Proto instead of appending works with one trusted hop, the
// usual setup.
func ForwardedHTTPS(remoteAddr string, xff, xfp []string, trusted []netip.Prefix) bool {
	if peer, ok := parseHost(remoteAddr); !ok || !contains(trusted, peer) {
		return false
	}
	_, hop := clientHop(remoteAddr, xff, trusted)
	hop = max(hop, 0) // no X-Forwarded-For: the trusted peer's own, last, value
	n := 0
	for i := len(xfp) - 1; i >= 0; i-- {
		line := xfp[i]
		end := len(line)
		for {
			start := strings.LastIndexByte(line[:end], ',') + 1
			if n == hop {
				return strings.EqualFold(strings.Trim(line[start:end], " \t"), "https")
			}
			n++
			if n > maxHops || start == 0 {
				break
			}
			end = start - 1
		}
		if n > maxHops {
			break
		}
	}
	return false
}

// clientHop is ClientIP, also returning which X-Forwarded-For entry the
// address came from, counted from the right from 0 (-1: the peer itself).
func clientHop(remoteAddr string, xff []string, trusted []netip.Prefix) (netip.Addr, int) {
	peer, ok := parseHost(remoteAddr)
	if !ok {
		return netip.Addr{}, -1
	}
	if !contains(trusted, peer) {
		return peer, -1
	}
	cur, curHop, hops := peer, -1, 0
	for i := len(xff) - 1; i >= 0; i-- {
		line := xff[i]
		end := len(line)
		for {
			start := strings.LastIndexByte(line[:end], ',') + 1
			hops++
			if hops > maxHops {
				return cur, curHop
			}
			a, ok := parseHost(strings.Trim(line[start:end], " \t"))
			if !ok {
				return cur, curHop
			}
			if !contains(trusted, a) {
				return a, hops - 1
			}
			cur, curHop = a, hops-1
			if start == 0 {
				break
			}
			end = start - 1
		}
	}
	return cur, curHop
}

// parseHost parses one address as it appears in RemoteAddr or an
// X-Forwarded-For entry, normalized (no zone, IPv4-mapped unmapped).
func parseHost(s string) (netip.Addr, bool) {
	if s == "" || len(s) > maxEntryLen {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		if s[0] == '[' && s[len(s)-1] == ']' {
			a, err = netip.ParseAddr(s[1 : len(s)-1])
			if err == nil && !a.Is6() {
				return netip.Addr{}, false // "[1.2.3.4]" is not a valid spelling
			}
		} else {
			var ap netip.AddrPort
			ap, err = netip.ParseAddrPort(s)
			a = ap.Addr()
		}
		if err != nil {
			return netip.Addr{}, false
		}
	}
	a = Normalize(a)
	if a.IsUnspecified() {
		return netip.Addr{}, false
	}
	return a, true
}

// Normalize drops a zone and unmaps an IPv4-mapped IPv6 address, so that
// prefix matching and map keys see one spelling per host.
func Normalize(a netip.Addr) netip.Addr {
	return a.WithZone("").Unmap()
}

func contains(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Subject returns the unit that the detector tracks and blocks for a client
// address: the address itself for IPv4, and its enclosing /ipv6Bits prefix
// (as the prefix's first address) for IPv6, because one IPv6 subscriber
// usually holds a whole /64 and could otherwise rotate through 2^64
// addresses. ipv6Bits of 0 or 128 tracks single IPv6 addresses.
func Subject(a netip.Addr, ipv6Bits int) netip.Addr {
	return subjectOf(Normalize(a), ipv6Bits)
}

// subjectOf is Subject for an already normalized address.
func subjectOf(a netip.Addr, ipv6Bits int) netip.Addr {
	if a.Is6() && ipv6Bits > 0 && ipv6Bits < 128 {
		if p, err := a.Prefix(ipv6Bits); err == nil {
			return p.Addr()
		}
	}
	return a
}

// ParsePrefixes parses a list of addresses and CIDRs separated by commas or
// white space, as in TRUSTED_PROXIES and IP_ALLOWLIST. A bare address means a
// single host (/32 or /128). Prefixes are masked to their network address and
// IPv4-mapped IPv6 prefixes are turned into IPv4 ones. Zones are refused.
// Every bad entry is reported, joined, each wrapping ErrInvalidPrefix.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var (
		out  []netip.Prefix
		errs []error
	)
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	for _, f := range fields {
		p, err := parsePrefix(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %q", ErrInvalidPrefix, truncate(f, 64)))
			continue
		}
		out = append(out, p)
	}
	return out, errors.Join(errs...)
}

func parsePrefix(s string) (netip.Prefix, error) {
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return netip.Prefix{}, err
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if a.Zone() != "" {
			return netip.Prefix{}, errors.New("zone not allowed")
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if a := p.Addr(); a.Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, errors.New("IPv4-mapped prefix shorter than /96")
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
