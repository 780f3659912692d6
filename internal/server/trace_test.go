package server

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/reqctx"
)

const (
	traceID  = "4bf92f3577b34da6a3ce929d0e0e4736"
	parentID = "00f067aa0ba902b7"
	goodTP   = "00-" + traceID + "-" + parentID + "-01"
)

func TestValidTraceparent(t *testing.T) {
	future := "01-" + traceID + "-" + parentID + "-01"
	cases := []struct {
		s    string
		want bool
	}{
		{goodTP, true},
		{goodTP[:54], false},
		{goodTP + "-", false}, // version 00 has exactly 55 characters
		{future, true},
		{future + "-more", true},
		{future + "-" + strings.Repeat("x", 512-56), true}, // 512: the longest accepted
		{future + "-" + strings.Repeat("x", 513-56), false},
		{future + "xmore", false},
		{"ff" + goodTP[2:], false},
		{"0g" + goodTP[2:], false},
		{"00_" + goodTP[3:], false},
		{goodTP[:35] + "_" + goodTP[36:], false},
		{goodTP[:52] + "_" + goodTP[53:], false},
		{strings.ToUpper(goodTP), false},
		{"00-" + strings.Repeat("0", 32) + "-" + parentID + "-01", false},
		{"00-" + traceID + "-" + strings.Repeat("0", 16) + "-01", false},
		{"00-" + traceID + "-" + parentID + "-0g", false},
		{"00-" + traceID[:31] + "g-" + parentID + "-01", false},
		{"00-" + traceID + "-" + parentID[:15] + "g-01", false},
		{"00-" + "0123456789abcdef0123456789abcdef" + "-" + "f0f0f0f0f0f0f0f0" + "-ff", true},
	}
	for _, c := range cases {
		if got := validTraceparent(c.s); got != c.want {
			t.Errorf("validTraceparent(%q) = %v, want %v", c.s, got, c.want)
		}
	}
	// lowerHex at the edges of its two ranges.
	for _, c := range []struct {
		s    string
		want bool
	}{{"0", true}, {"9", true}, {"a", true}, {"f", true}, {"/", false}, {":", false}, {"`", false}, {"g", false}, {"A", false}} {
		if got := lowerHex(c.s); got != c.want {
			t.Errorf("lowerHex(%q) = %v, want %v", c.s, got, c.want)
		}
	}
}

func TestValidRequestID(t *testing.T) {
	for _, ok := range []string{"a", "z", "A", "Z", "0", "9", ".", "_", ":", "-", strings.Repeat("x", 128),
		"01ARZ3NDEKTSV4RRFFQ69G5FAV", "f47ac10b-58cc-4372-a567-0e02b2c3d479"} {
		if !validRequestID(ok) {
			t.Errorf("validRequestID(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", strings.Repeat("x", 129), "`", "{", "@", "[", "/", ";", " ", "a b", "id\n", "é"} {
		if validRequestID(bad) {
			t.Errorf("validRequestID(%q) = true", bad)
		}
	}
}

func TestFromTrustedProxy(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	for _, c := range []struct {
		remote  string
		proxies []netip.Prefix
		want    bool
	}{
		{"10.1.2.3:443", proxies, true},
		{"[::ffff:10.1.2.3]:443", proxies, true}, // IPv4-mapped peer
		{"[fd00::1]:443", proxies, true},
		{"192.0.2.1:443", proxies, false},
		{"10.1.2.3:443", nil, false},
		{"10.1.2.3", proxies, false}, // no port: unparsable
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = c.remote
		if got := fromTrustedProxy(r, c.proxies); got != c.want {
			t.Errorf("fromTrustedProxy(%s, %v) = %v, want %v", c.remote, c.proxies, got, c.want)
		}
	}
}

func TestRequestInfoTrustsOnlyProxies(t *testing.T) {
	d := ChainDeps{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, Now: func() time.Time { return time.Unix(0, 0) }}
	var seen *reqctx.Info
	h := requestInfo(d.TrustedProxies, d.Now)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen, _ = reqctx.From(r.Context()) }))
	serve := func(remote, id, tp string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/v1/x", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Request-ID", id)
		r.Header.Set("Traceparent", tp)
		r.Header.Set("X-Forwarded-For", "198.51.100.7")
		rec := httptest.NewRecorder()
		seen = nil
		h.ServeHTTP(rec, r)
		return rec
	}
	rec := serve("10.0.0.2:1000", "gw-123", goodTP)
	if seen.RequestID != "gw-123" || seen.TraceParent != goodTP || rec.Header().Get("X-Request-ID") != "gw-123" ||
		rec.Header().Get("Traceparent") != goodTP || seen.ClientIP.String() != "198.51.100.7" {
		t.Errorf("trusted proxy: info %+v, headers %v", seen, rec.Header())
	}
	rec = serve("10.0.0.2:1000", "bad id", "00-bad")
	if seen.RequestID == "bad id" || len(seen.RequestID) != 22 || seen.TraceParent != "" || rec.Header().Get("Traceparent") != "" ||
		rec.Header().Get("X-Request-ID") != seen.RequestID {
		t.Errorf("trusted proxy, invalid values: info %+v, headers %v", seen, rec.Header())
	}
	rec = serve("192.0.2.9:1000", "gw-123", goodTP)
	if seen.RequestID == "gw-123" || seen.TraceParent != "" || rec.Header().Get("Traceparent") != "" || seen.ClientIP.String() != "192.0.2.9" {
		t.Errorf("untrusted peer: info %+v, headers %v", seen, rec.Header())
	}
	first := seen.RequestID
	serve("192.0.2.9:1000", "", "")
	if seen.RequestID == first {
		t.Error("request ids repeat")
	}
}
