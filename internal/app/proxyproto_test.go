package app

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/samo-brain/samo/internal/rbac"
)

// TestHTTPSRequiredReadsTheClientsHop: behind an appending proxy, the
// client's own X-Forwarded-Proto claim (leftmost) is ignored; the value the
// nearest trusted proxy appended decides, in a comma list or on separate
// header lines.
func TestHTTPSRequiredReadsTheClientsHop(t *testing.T) {
	ta := newTestApp(t, map[string]string{"HTTPS_REQUIRED": "true", "TRUSTED_PROXIES": "10.0.0.0/8"})
	key := ta.key("proxied", rbac.RoleUser)
	cases := []struct {
		name  string
		xfp   []string // header lines
		https bool
	}{
		{"comma list, client forged https", []string{"https, http"}, false},
		{"two lines, client forged https", []string{"https", "http"}, false},
		{"comma list, proxy saw TLS", []string{"http, https"}, true},
		{"two lines, proxy saw TLS", []string{"http", "https"}, true},
		{"single value https", []string{"https"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/v1/predictions", nil)
			req.RemoteAddr = "10.0.0.1:44000"
			req.Header.Set("X-API-Key", key)
			req.Header.Set("X-Forwarded-For", "198.51.100.20")
			for _, v := range c.xfp {
				req.Header.Add("X-Forwarded-Proto", v)
			}
			rec := httptest.NewRecorder()
			ta.h.ServeHTTP(rec, req)
			refused := rec.Code == 403 && strings.Contains(rec.Body.String(), "https_required")
			if refused == c.https || (c.https && rec.Code != 200) {
				t.Errorf("X-Forwarded-Proto %q: %d %s, want https=%v", c.xfp, rec.Code, rec.Body, c.https)
			}
		})
	}
}
