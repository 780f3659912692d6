package alert

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func TestCheckAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ip           string
		allowPrivate bool
		refused      bool
	}{
		{"93.184.215.14", false, false},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", false, false},
		{"127.0.0.1", false, true},
		{"127.8.9.10", false, true},
		{"::1", false, true},
		{"0.0.0.0", false, true},
		{"::", false, true},
		{"10.1.2.3", false, true},
		{"172.16.0.1", false, true},
		{"192.168.1.1", false, true},
		{"fd12:3456::1", false, true},
		{"169.254.1.1", false, true},
		{"fe80::1", false, true},
		{"100.64.0.1", false, true}, // CGNAT
		{"224.0.0.1", false, true},
		{"ff02::1", false, true},
		{"255.255.255.255", false, true},
		{"240.0.0.1", false, true},
		{"::ffff:127.0.0.1", false, true},      // IPv4-mapped loopback
		{"64:ff9b::7f00:1", false, true},       // NAT64 of 127.0.0.1
		{"2002:7f00:1::1", false, true},        // 6to4 of 127.0.0.1
		{"2002:5db8:d70e::1", false, false},    // 6to4 of a public address
		{"169.254.169.254", false, true},       // metadata
		{"169.254.169.254", true, true},        // metadata, even when private is allowed
		{"fd00:ec2::254", true, true},          // AWS IMDS over IPv6
		{"::ffff:169.254.169.254", true, true}, // mapped metadata
		{"64:ff9b::a9fe:a9fe", true, true},     // NAT64 metadata
		{"127.0.0.1", true, false},
		{"10.0.0.7", true, false},
		{"fd12:3456::1", true, false},
	}
	for _, tt := range tests {
		err := CheckAddr(netip.MustParseAddr(tt.ip), tt.allowPrivate)
		if got := err != nil; got != tt.refused {
			t.Errorf("CheckAddr(%s, allowPrivate=%v) = %v, want refused=%v", tt.ip, tt.allowPrivate, err, tt.refused)
		}
		if err != nil && !errors.Is(err, ErrRefused) {
			t.Errorf("CheckAddr(%s) error %v does not wrap ErrRefused", tt.ip, err)
		}
	}
}

// receiver counts hits on a loopback test server.
func receiver(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// fakeDNS answers every A query with ip, as an attacker's DNS server would
// for a rebinding name, and returns a resolver that asks it.
func fakeDNS(t *testing.T, ip netip.Addr) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			hdr, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: hdr.ID, Response: true, Authoritative: true})
			_ = b.StartQuestions()
			_ = b.Question(q)
			_ = b.StartAnswers()
			if q.Type == dnsmessage.TypeA {
				_ = b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0},
					dnsmessage.AResource{A: ip.As4()})
			}
			msg, err := b.Finish()
			if err == nil {
				_, _ = pc.WriteTo(msg, addr)
			}
		}
	}()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", pc.LocalAddr().String())
	}}
}

func TestClientRefusesLoopbackDestinations(t *testing.T) {
	t.Parallel()
	srv, hits := receiver(t)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	portStr := ":" + strconv.Itoa(port)
	tests := []struct {
		name     string
		url      string
		resolver *net.Resolver
	}{
		{"IP literal", "http://127.0.0.1" + portStr + "/hook", nil},
		{"localhost resolves to loopback", "http://localhost" + portStr + "/hook", nil},
		{"public-looking name rebinding to 127.0.0.1", "http://alerts.rebind.test" + portStr + "/hook", fakeDNS(t, netip.MustParseAddr("127.0.0.1"))},
		{"IPv4-mapped literal", "http://[::ffff:127.0.0.1]" + portStr + "/hook", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClient(ClientConfig{Timeout: 3 * time.Second, Resolver: tt.resolver})
			resp, err := c.Post(tt.url, "application/json", strings.NewReader("{}"))
			if err == nil {
				resp.Body.Close()
				t.Fatalf("POST %s succeeded (%d), want refusal", tt.url, resp.StatusCode)
			}
			if !errors.Is(err, ErrRefused) {
				t.Errorf("POST %s error = %v, want ErrRefused", tt.url, err)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("receiver was reached %d times, want 0", n)
	}
	// The same rebinding name is allowed when private destinations are.
	c := NewClient(ClientConfig{AllowPrivate: true, Timeout: 3 * time.Second, Resolver: fakeDNS(t, netip.MustParseAddr("127.0.0.1"))})
	resp, err := c.Post("http://alerts.rebind.test"+portStr+"/hook", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("allow-private POST: %v", err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Errorf("allow-private POST reached the receiver %d times, want 1", hits.Load())
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	var followed atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) { followed.Add(1) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := NewClient(ClientConfig{AllowPrivate: true, Timeout: 3 * time.Second})
	resp, err := c.Post(srv.URL+"/hook", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || followed.Load() != 0 {
		t.Errorf("status %d, redirect target hit %d times; want 307 and 0", resp.StatusCode, followed.Load())
	}
}

func TestClientIgnoresProxyEnvironment(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:1")
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:1")
	tr := NewClient(ClientConfig{}).Transport.(*http.Transport)
	if tr.Proxy != nil {
		t.Error("client transport uses a proxy function; the SSRF check would judge the proxy's address")
	}
}
