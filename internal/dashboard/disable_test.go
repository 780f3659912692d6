package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestDisabledUserSessionEnds: disabling a user ends their open dashboard
// session on its next request, and they cannot sign in again until enabled.
func TestDisabledUserSessionEnds(t *testing.T) {
	e := newEnv(t, nil)
	c := e.signIn(e.analyst)
	if rec := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: c}); rec.Code != http.StatusOK {
		t.Fatalf("overview before: %d", rec.Code)
	}
	u, err := e.app.Store.UserByName(context.Background(), "ana")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Users.SetDisabled(context.Background(), u.ID, true); err != nil {
		t.Fatal(err)
	}
	rec := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: c})
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/dashboard/login") {
		t.Errorf("overview of a disabled user: %d Location %q, want a redirect to sign-in", rec.Code, rec.Header().Get("Location"))
	}
	rec = e.do(req{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"key": {e.analyst}}})
	if rec.Code == http.StatusSeeOther {
		t.Error("a disabled user signed in")
	}
	if _, err := e.app.Users.SetDisabled(context.Background(), u.ID, false); err != nil {
		t.Fatal(err)
	}
	e.signIn(e.analyst) // the key works again
}

// TestRotatedKeyLeavesTheDashboard: a key in its rotation grace period
// cannot sign in, and a session opened with it ends.
func TestRotatedKeyLeavesTheDashboard(t *testing.T) {
	e := newEnv(t, nil)
	c := e.signIn(e.admin)
	newKey, _, err := e.app.Keys.Rotate(context.Background(), e.adminID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	rec := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: c})
	if rec.Code != http.StatusSeeOther {
		t.Errorf("session of a rotated key: %d, want a redirect to sign-in", rec.Code)
	}
	rec = e.do(req{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"key": {e.admin}}})
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "replaced by rotation") {
		t.Errorf("sign-in with the old key: %d, want 403 naming the rotation", rec.Code)
	}
	e.signIn(newKey)
}
