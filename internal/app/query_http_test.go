package app

import (
	"net/http"
	"strings"
	"testing"

	"github.com/samo-brain/samo/internal/rbac"
)

// A repeated query parameter is refused, not resolved by guessing which
// value counts (HTTP parameter pollution).
func TestRepeatedQueryParametersRefused(t *testing.T) {
	ta := newTestApp(t, nil)
	user := ta.key("rita", rbac.RoleUser)
	admin := ta.key("sec", rbac.RoleAdmin)
	for _, c := range []struct{ key, path, field string }{
		{user, "/v1/predictions?q=calm&q=storm", "q"},
		{user, "/v1/predictions?limit=1&limit=100", "limit"},
		{admin, "/v1/admin/security/events?severity=high&severity=low", "severity"},
	} {
		rec := ta.do(http.MethodGet, c.path, c.key, nil)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"repeated"`) || !strings.Contains(rec.Body.String(), `"`+c.field+`"`) {
			t.Errorf("%s: %d %s; want 400 naming %s as repeated", c.path, rec.Code, rec.Body, c.field)
		}
	}
	if rec := ta.do(http.MethodGet, "/v1/predictions?q=calm", user, nil); rec.Code != 200 {
		t.Errorf("a single q: %d %s", rec.Code, rec.Body)
	}
}

// A method a route does not declare (TRACE included) is 405, never served.
func TestUndeclaredMethodsRefused(t *testing.T) {
	ta := newTestApp(t, nil)
	key := ta.key("tom", rbac.RoleUser)
	for _, m := range []string{"TRACE", http.MethodPut, "PATCH"} {
		if rec := ta.do(m, "/v1/predictions", key, nil); rec.Code != 405 {
			t.Errorf("%s /v1/predictions: %d, want 405", m, rec.Code)
		}
	}
}
