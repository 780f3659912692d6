package ids

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func mustPrefixes(t testing.TB, s string) []netip.Prefix {
	t.Helper()
	ps, err := ParsePrefixes(s)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestClientIP(t *testing.T) {
	t.Parallel()
	trusted := mustPrefixes(t, "10.0.0.0/8, 192.168.1.1, fd00::/8")
	cases := []struct {
		name   string
		remote string
		xff    []string
		want   string // "" means the zero Addr
	}{
		{"untrusted peer, no header", "203.0.113.7:5555", nil, "203.0.113.7"},
		{"spoofed XFF from untrusted peer is ignored", "203.0.113.7:5555", []string{"1.1.1.1"}, "203.0.113.7"},
		{"spoofed XFF naming a trusted proxy is ignored", "203.0.113.7:5555", []string{"10.0.0.1, 192.168.1.1"}, "203.0.113.7"},
		{"trusted peer, one hop", "10.0.0.2:80", []string{"198.51.100.4"}, "198.51.100.4"},
		{"rightmost untrusted wins over a forged left part", "10.0.0.2:80", []string{"6.6.6.6, 198.51.100.4"}, "198.51.100.4"},
		{"trusted hops are skipped", "10.0.0.2:80", []string{"6.6.6.6, 198.51.100.4, 10.1.1.1, 192.168.1.1"}, "198.51.100.4"},
		{"multiple header lines, last line is rightmost", "10.0.0.2:80", []string{"6.6.6.6, 198.51.100.4", "10.1.1.1"}, "198.51.100.4"},
		{"multiple header lines, answer in last line", "10.0.0.2:80", []string{"6.6.6.6", "198.51.100.9, 10.1.1.1"}, "198.51.100.9"},
		{"trusted peer without header is the client", "10.0.0.2:80", nil, "10.0.0.2"},
		{"all-trusted chain returns leftmost trusted hop", "10.0.0.2:80", []string{"10.9.9.9, 10.1.1.1"}, "10.9.9.9"},
		{"garbage stops the walk at the last trusted hop", "10.0.0.2:80", []string{"198.51.100.4, garbage, 10.1.1.1"}, "10.1.1.1"},
		{"garbage right after the peer", "10.0.0.2:80", []string{"198.51.100.4, not-an-ip"}, "10.0.0.2"},
		{"unknown keyword stops the walk", "10.0.0.2:80", []string{"unknown"}, "10.0.0.2"},
		{"empty entry (trailing comma) stops the walk", "10.0.0.2:80", []string{"198.51.100.4,"}, "10.0.0.2"},
		{"empty header line stops the walk", "10.0.0.2:80", []string{"198.51.100.4", ""}, "10.0.0.2"},
		{"spaces and tabs around entries", "10.0.0.2:80", []string{" \t198.51.100.4 \t,\t10.1.1.1 "}, "198.51.100.4"},
		{"unspecified address is garbage", "10.0.0.2:80", []string{"0.0.0.0"}, "10.0.0.2"},
		{"entry with port", "10.0.0.2:80", []string{"198.51.100.4:4711"}, "198.51.100.4"},
		{"IPv6 peer with brackets and port", "[2001:db8::1]:443", []string{"1.1.1.1"}, "2001:db8::1"},
		{"IPv6 peer with zone", "[fe80::1%eth0]:443", nil, "fe80::1"},
		{"trusted IPv6 peer", "[fd00::1]:443", []string{"2001:db8::7"}, "2001:db8::7"},
		{"IPv6 entry bracketed with port", "[fd00::1]:443", []string{"[2001:db8::7]:8080"}, "2001:db8::7"},
		{"IPv6 entry bracketed without port", "[fd00::1]:443", []string{"[2001:db8::7]"}, "2001:db8::7"},
		{"IPv6 entry with zone", "[fd00::1]:443", []string{"fe80::9%en0"}, "fe80::9"},
		{"bracketed IPv4 is garbage", "[fd00::1]:443", []string{"[198.51.100.4]"}, "fd00::1"},
		{"unterminated bracket is garbage", "[fd00::1]:443", []string{"[2001:db8::7"}, "fd00::1"},
		{"IPv4-mapped peer matches IPv4 trust", "[::ffff:10.0.0.2]:80", []string{"198.51.100.4"}, "198.51.100.4"},
		{"IPv4-mapped entry is unmapped", "10.0.0.2:80", []string{"::ffff:198.51.100.4"}, "198.51.100.4"},
		{"IPv4-mapped trusted entry is skipped", "10.0.0.2:80", []string{"198.51.100.4, ::ffff:10.1.1.1"}, "198.51.100.4"},
		{"over-long entry is garbage", "10.0.0.2:80", []string{strings.Repeat("1", 100)}, "10.0.0.2"},
		{"bare peer without port", "203.0.113.7", nil, "203.0.113.7"},
		{"unparsable peer", "@", []string{"198.51.100.4"}, ""},
		{"empty peer", "", nil, ""},
		{"peer with bad port", "203.0.113.7:http", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ClientIP(c.remote, c.xff, trusted)
			var want netip.Addr
			if c.want != "" {
				want = netip.MustParseAddr(c.want)
			}
			if got != want {
				t.Errorf("ClientIP(%q, %q) = %v, want %v", c.remote, c.xff, got, want)
			}
		})
	}
}

func TestClientIPHopLimit(t *testing.T) {
	t.Parallel()
	trusted := mustPrefixes(t, "10.0.0.0/8")
	hops := make([]string, 40)
	for i := range hops {
		hops[i] = "10.0.0.9"
	}
	hops[0] = "198.51.100.4" // beyond the 32-hop limit
	got := ClientIP("10.0.0.2:1", []string{strings.Join(hops, ",")}, trusted)
	if want := netip.MustParseAddr("10.0.0.9"); got != want {
		t.Errorf("40-hop chain: got %v, want %v (walk stops at the hop limit)", got, want)
	}
}

// The hop limit includes the 32nd entry: a client 32 entries from the
// right, behind 31 trusted proxies, is still found.
func TestClientIPHopLimitIncluded(t *testing.T) {
	t.Parallel()
	trusted := mustPrefixes(t, "10.0.0.0/8")
	hops := make([]string, maxHops)
	for i := range hops {
		hops[i] = "10.0.0.9"
	}
	hops[0] = "198.51.100.4"
	if got, want := ClientIP("10.0.0.2:1", []string{strings.Join(hops, ",")}, trusted), netip.MustParseAddr("198.51.100.4"); got != want {
		t.Errorf("%d-hop chain: got %v, want %v", maxHops, got, want)
	}
}

// An X-Forwarded-For entry of up to maxEntryLen bytes is read (here an
// IPv6 address with a long zone, which is dropped); a longer one is
// malformed and ends the walk.
func TestClientIPEntryLength(t *testing.T) {
	t.Parallel()
	trusted := mustPrefixes(t, "10.0.0.0/8")
	entry := "2001:db8::7%" + strings.Repeat("z", maxEntryLen-len("2001:db8::7%"))
	if got, want := ClientIP("10.0.0.2:1", []string{entry}, trusted), netip.MustParseAddr("2001:db8::7"); got != want {
		t.Errorf("a %d-byte entry: got %v, want %v", len(entry), got, want)
	}
	if got, want := ClientIP("10.0.0.2:1", []string{entry + "z"}, trusted), netip.MustParseAddr("10.0.0.2"); got != want {
		t.Errorf("a %d-byte entry: got %v, want the peer %v", len(entry)+1, got, want)
	}
}

func TestParsePrefixes(t *testing.T) {
	t.Parallel()
	got, err := ParsePrefixes(" 10.0.0.0/8,192.168.1.7\n2001:db8::1/32\t::ffff:172.16.0.0/108 fd00::1 ")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("192.168.1.7/32"),
		netip.MustParsePrefix("2001:db8::/32"),
		netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("fd00::1/128"),
	}
	if !slices.Equal(got, want) {
		t.Errorf("ParsePrefixes = %v, want %v", got, want)
	}
	if got, err := ParsePrefixes(""); err != nil || len(got) != 0 {
		t.Errorf("ParsePrefixes(\"\") = %v, %v; want empty, nil", got, err)
	}

	// An IPv4-mapped prefix of /96 is the whole IPv4 space (/0); shorter
	// ones reach outside it and are refused.
	if got, err := ParsePrefixes("::ffff:0.0.0.0/96"); err != nil || len(got) != 1 || got[0] != netip.MustParsePrefix("0.0.0.0/0") {
		t.Errorf("ParsePrefixes(::ffff:0.0.0.0/96) = %v, %v; want 0.0.0.0/0", got, err)
	}
	bad := []string{"10.0.0.0/33", "300.1.1.1", "fe80::1%eth0", "::ffff:1.2.3.4/90", "::ffff:0.0.0.0/95", "10.0.0.0/", "example.com", "1.2.3.4/8/8"}
	for _, b := range bad {
		_, err := ParsePrefixes("10.0.0.0/8, " + b)
		if !errors.Is(err, ErrInvalidPrefix) {
			t.Errorf("ParsePrefixes(%q): err = %v, want ErrInvalidPrefix", b, err)
		}
	}
	_, err = ParsePrefixes("bad1, 10.0.0.0/8, bad2")
	if err == nil || !strings.Contains(err.Error(), "bad1") || !strings.Contains(err.Error(), "bad2") {
		t.Errorf("ParsePrefixes with two bad entries: err = %v, want both reported", err)
	}
}

func TestSubject(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		bits int
		want string
	}{
		{"198.51.100.4", 64, "198.51.100.4"},
		{"::ffff:198.51.100.4", 64, "198.51.100.4"},
		{"2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::"},
		{"2001:db8:1:2:ffff::1", 64, "2001:db8:1:2::"},
		{"2001:db8:1:2:3:4:5:6", 48, "2001:db8:1::"},
		{"2001:db8:1:2:3:4:5:6", 128, "2001:db8:1:2:3:4:5:6"},
		{"2001:db8:1:2:3:4:5:6", 0, "2001:db8:1:2:3:4:5:6"},
		{"fe80::1%eth0", 128, "fe80::1"},
	}
	for _, c := range cases {
		if got := Subject(netip.MustParseAddr(c.in), c.bits); got != netip.MustParseAddr(c.want) {
			t.Errorf("Subject(%s, %d) = %v, want %s", c.in, c.bits, got, c.want)
		}
	}
}

// FuzzClientIP checks the invariants that make ClientIP safe whatever the
// header says: an untrusted peer is always the answer, the answer is always
// the peer or an address written in the header, and it never has a zone or
// an IPv4-mapped form.
func FuzzClientIP(f *testing.F) {
	seeds := []struct{ remote, xff string }{
		{"10.0.0.2:80", "198.51.100.4, 10.1.1.1"},
		{"203.0.113.7:1", "1.1.1.1"},
		{"[fd00::1]:443", "[2001:db8::7]:8080, fe80::1%en0"},
		{"10.0.0.2:80", ",,, ,garbage"},
		{"[::ffff:10.0.0.2]:80", "::ffff:198.51.100.4"},
		{"@", "1.2.3.4"},
	}
	for _, s := range seeds {
		f.Add(s.remote, s.xff, s.xff)
	}
	trusted := mustPrefixes(f, "10.0.0.0/8, fd00::/8")
	f.Fuzz(func(t *testing.T, remote, xff1, xff2 string) {
		got := ClientIP(remote, []string{xff1, xff2}, trusted)
		peer, ok := parseHost(remote)
		if !ok {
			if got.IsValid() {
				t.Fatalf("unparsable peer %q gave %v", remote, got)
			}
			return
		}
		if !contains(trusted, peer) && got != peer {
			t.Fatalf("untrusted peer %v: got %v, want the peer", peer, got)
		}
		if got.Zone() != "" || got.Is4In6() {
			t.Fatalf("result %v not normalized", got)
		}
		if got != peer && !headerHas(xff1+","+xff2, got) {
			t.Fatalf("result %v is neither the peer %v nor in the header", got, peer)
		}
	})
}

// headerHas reports whether any comma-separated entry parses to a.
func headerHas(h string, a netip.Addr) bool {
	for e := range strings.SplitSeq(h, ",") {
		if b, ok := parseHost(strings.Trim(e, " \t")); ok && b == a {
			return true
		}
	}
	return false
}

func FuzzParsePrefixes(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8, 192.168.1.1", "2001:db8::/32 ::ffff:1.2.3.4", "fe80::1%eth0", "/", ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParsePrefixes(s)
		if err != nil && !errors.Is(err, ErrInvalidPrefix) {
			t.Fatalf("error %v does not wrap ErrInvalidPrefix", err)
		}
		for _, p := range ps {
			if !p.IsValid() || p != p.Masked() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
				t.Fatalf("ParsePrefixes(%q) returned unnormalized prefix %v", s, p)
			}
		}
	})
}

// TestForwardedHTTPS: X-Forwarded-Proto is read from the hop that gave the
// client address, never from the client's own (leftmost) claim.
func TestForwardedHTTPS(t *testing.T) {
	t.Parallel()
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	cases := []struct {
		name   string
		remote string
		xff    []string
		xfp    []string
		want   bool
	}{
		{"untrusted peer", "192.0.2.1:1", nil, []string{"https"}, false},
		{"untrusted peer with chain", "192.0.2.1:1", []string{"198.51.100.1"}, []string{"https"}, false},
		{"one proxy over TLS", "10.0.0.1:1", []string{"198.51.100.1"}, []string{"https"}, true},
		{"one proxy over HTTP", "10.0.0.1:1", []string{"198.51.100.1"}, []string{"http"}, false},
		{"trusted peer without XFF", "10.0.0.1:1", nil, []string{"HTTPS"}, true},
		{"no XFP", "10.0.0.1:1", []string{"198.51.100.1"}, nil, false},
		// The client forges "https"; the appending proxy adds the truth.
		{"comma list: client forgery then proxy's http", "10.0.0.1:1", []string{"198.51.100.1"}, []string{"https, http"}, false},
		{"two lines: client forgery then proxy's http", "10.0.0.1:1", []string{"198.51.100.1"}, []string{"https", "http"}, false},
		{"comma list: forged http then proxy's https", "10.0.0.1:1", []string{"198.51.100.1"}, []string{"http,https"}, true},
		{"two lines: forged http then proxy's https", "10.0.0.1:1", []string{"198.51.100.1"}, []string{"http", "https"}, true},
		// Two trusted proxies: client → 10.0.0.2 → 10.0.0.1 → SAMO. The
		// client's hop is the second entry from the right in both headers.
		{"two proxies, client on TLS", "10.0.0.1:1", []string{"198.51.100.1, 10.0.0.2"}, []string{"https, http"}, true},
		{"two proxies, client on HTTP", "10.0.0.1:1", []string{"198.51.100.1", "10.0.0.2"}, []string{"http", "https"}, false},
		{"two proxies, forged leading https", "10.0.0.1:1", []string{"198.51.100.1, 10.0.0.2"}, []string{"https, http, https"}, false},
		{"two proxies, list too short", "10.0.0.1:1", []string{"198.51.100.1, 10.0.0.2"}, []string{"https"}, false},
		{"forged XFF hop behind one proxy", "10.0.0.1:1", []string{"10.9.9.9, 198.51.100.1"}, []string{"https, http"}, false},
		{"two proxies, two lines, client on TLS", "10.0.0.1:1", []string{"198.51.100.1", "10.0.0.2"}, []string{"https", "http"}, true},
		// Every XFF entry trusted: the nearest party is the leftmost entry
		// (hop 0 here), whose proxy's XFP entry is read.
		{"all entries trusted", "10.0.0.1:1", []string{"10.0.0.3"}, []string{"https"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ForwardedHTTPS(c.remote, c.xff, c.xfp, trusted); got != c.want {
				t.Errorf("ForwardedHTTPS(%q, %q, %q) = %v, want %v", c.remote, c.xff, c.xfp, got, c.want)
			}
		})
	}
}

// TestTruncate: error messages quote at most n bytes of a bad value.
func TestTruncate(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{{"abc", 3, "abc"}, {"abcd", 3, "abc…"}, {"", 3, ""}} {
		if got := truncate(c.s, c.n); got != c.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}
