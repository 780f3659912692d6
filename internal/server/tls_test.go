package server

import (
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestTLSPolicyRefusesOldVersions: the listener's TLS policy completes a
// TLS 1.2 or 1.3 handshake and refuses TLS 1.0 and 1.1.
func TestTLSPolicyRefusesOldVersions(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	cfg := TLSConfig()
	srv.TLS = cfg
	srv.StartTLS()
	defer srv.Close()
	if srv.TLS.MinVersion != tls.VersionTLS12 {
		t.Fatalf("MinVersion = %x", srv.TLS.MinVersion)
	}
	for _, c := range []struct {
		name string
		max  uint16
		ok   bool
	}{
		{"TLS 1.0", tls.VersionTLS10, false},
		{"TLS 1.1", tls.VersionTLS11, false},
		{"TLS 1.2", tls.VersionTLS12, true},
		{"TLS 1.3", tls.VersionTLS13, true},
	} {
		client := srv.Client()
		tr := client.Transport.(*http.Transport).Clone()
		tr.TLSClientConfig.MinVersion = tls.VersionTLS10
		tr.TLSClientConfig.MaxVersion = c.max
		client.Transport = tr
		resp, err := client.Get(srv.URL)
		if resp != nil {
			_ = resp.Body.Close()
		}
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v, want success %v", c.name, err, c.ok)
		}
	}
}
