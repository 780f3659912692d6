package dashboard_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/auth"
	"github.com/samo-brain/samo/internal/dashboard"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/report"
	"github.com/samo-brain/samo/internal/session"
)

func mustAddr(t *testing.T, s string) netip.Addr {
	t.Helper()
	a, err := netip.ParseAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func sessionCookie(rec interface{ Result() *http.Response }) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if strings.HasSuffix(c.Name, "samo_session") {
			return c
		}
	}
	return nil
}

func TestCookieAttributes(t *testing.T) {
	e := newEnv(t, map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8"})
	cases := []struct {
		name       string
		r          req
		wantName   string
		wantSecure bool
	}{
		{"plain http", req{}, "samo_session", false},
		{"tls", req{tls: true}, "__Host-samo_session", true},
		{"trusted proxy says https", req{remote: "10.1.2.3:5000", header: map[string]string{"X-Forwarded-Proto": "https"}}, "__Host-samo_session", true},
		{"untrusted peer says https", req{remote: "192.0.2.200:5000", header: map[string]string{"X-Forwarded-Proto": "https"}}, "samo_session", false},
		// An appending proxy: the client's forged "https" comes first, the
		// proxy's own value (the hop that gave the client address) last.
		{"forged https, comma list", req{remote: "10.1.2.3:5000", header: map[string]string{
			"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https, http"}}, "samo_session", false},
		{"forged https, two header lines", req{remote: "10.1.2.3:5000", header: map[string]string{
			"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https\nhttp"}}, "samo_session", false},
		{"appending proxy says https", req{remote: "10.1.2.3:5000", header: map[string]string{
			"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "http,https"}}, "__Host-samo_session", true},
	}
	for _, c := range cases {
		r := c.r
		r.method, r.path, r.form = http.MethodPost, "/dashboard/login", url.Values{"key": {e.admin}}
		rec := e.do(r)
		ck := sessionCookie(rec)
		if rec.Code != http.StatusSeeOther || ck == nil {
			t.Errorf("%s: status %d, cookie %v; want 303 with a session cookie", c.name, rec.Code, ck)
			continue
		}
		if ck.Name != c.wantName || ck.Secure != c.wantSecure {
			t.Errorf("%s: cookie %s Secure=%v, want %s Secure=%v", c.name, ck.Name, ck.Secure, c.wantName, c.wantSecure)
		}
		wantPath := "/dashboard/" // __Host- requires Path=/ and no Domain
		if c.wantSecure {
			wantPath = "/"
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != wantPath || ck.Domain != "" {
			t.Errorf("%s: cookie HttpOnly=%v SameSite=%v Path=%q Domain=%q, want HttpOnly, Strict, %s, no Domain", c.name, ck.HttpOnly, ck.SameSite, ck.Path, ck.Domain, wantPath)
		}
		if len(ck.Value) != 43 || strings.Contains(ck.Value, e.admin) || ck.MaxAge != 0 {
			t.Errorf("%s: cookie value length %d MaxAge %d, want a 43-character random id and a browser-session cookie", c.name, len(ck.Value), ck.MaxAge)
		}
		// The session is read back under the same scheme.
		back := c.r
		back.method, back.path, back.cookie = http.MethodGet, "/dashboard/", ck
		if got := e.do(back); got.Code != http.StatusOK {
			t.Errorf("%s: overview with the new cookie: status %d, want 200", c.name, got.Code)
		}
	}
}

func TestSessionEndsOnSignOut(t *testing.T) {
	e := newEnv(t, nil)
	c := e.signIn(e.admin)
	rec := e.do(req{method: http.MethodPost, path: "/dashboard/logout", cookie: c, form: url.Values{}, header: sameOrigin})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard/login?m=signedout" {
		t.Fatalf("sign-out: status %d Location %q", rec.Code, rec.Header().Get("Location"))
	}
	if ck := sessionCookie(rec); ck == nil || ck.MaxAge >= 0 || ck.Value != "" {
		t.Errorf("sign-out did not delete the cookie: %v", rec.Header().Values("Set-Cookie"))
	}
	// The old id is dead server-side, even if a browser kept the cookie.
	if rec := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: c}); rec.Code != http.StatusSeeOther {
		t.Errorf("old session after sign-out: status %d, want 303 to sign-in", rec.Code)
	}
}

func TestSessionEndsWithItsKey(t *testing.T) {
	e := newEnv(t, nil)
	cases := []struct {
		name string
		end  func(id string) error
	}{
		{"revoked", func(id string) error { return e.app.Keys.Revoke(context.Background(), id) }},
		{"suspended", func(id string) error { return e.app.Keys.Suspend(context.Background(), id) }},
	}
	for _, c := range cases {
		key, id := e.key("ops-"+c.name, rbac.RoleAdmin)
		ck := e.signIn(key)
		if rec := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: ck}); rec.Code != http.StatusOK {
			t.Fatalf("%s: before: status %d", c.name, rec.Code)
		}
		if err := c.end(id); err != nil {
			t.Fatal(err)
		}
		rec := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: ck})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard/login?m=ended" {
			t.Errorf("%s key: status %d Location %q, want 303 to /dashboard/login?m=ended", c.name, rec.Code, rec.Header().Get("Location"))
		}
	}
	// Revoking one's own key from the dashboard ends the session at once.
	key, id := e.key("self-revoker", rbac.RoleAdmin)
	ck := e.signIn(key)
	rec := e.do(req{method: http.MethodPost, path: "/dashboard/keys/" + id + "/revoke", cookie: ck, form: url.Values{}, header: sameOrigin})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard/login?m=ended" {
		t.Errorf("self-revoke: status %d Location %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: ck}); rec.Code != http.StatusSeeOther {
		t.Errorf("after self-revoke: status %d, want 303", rec.Code)
	}
}

func TestCSPOnEveryDashboardResponse(t *testing.T) {
	e := newEnv(t, map[string]string{"CORS_ENABLED": "true", "ALLOWED_ORIGINS": "https://app.example",
		"IDS_BLOCK_THRESHOLD": "60000"})
	admin := e.signIn(e.admin)
	analyst := e.signIn(e.analyst)
	cors := map[string]string{"Origin": "https://app.example"}
	cases := []struct {
		name string
		r    req
	}{
		{"sign-in page", req{method: http.MethodGet, path: "/dashboard/login", header: cors}},
		{"stylesheet", req{method: http.MethodGet, path: "/dashboard/static/app.css"}},
		{"redirect to sign-in", req{method: http.MethodGet, path: "/dashboard/events"}},
		{"failed sign-in", req{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"key": {"samo_bad"}}, remote: "198.51.100.20:1"}},
		{"overview", req{method: http.MethodGet, path: "/dashboard/", cookie: admin, header: cors}},
		{"events", req{method: http.MethodGet, path: "/dashboard/events", cookie: analyst}},
		{"bad filter", req{method: http.MethodGet, path: "/dashboard/events?severity=nope", cookie: analyst}},
		{"csv export", req{method: http.MethodGet, path: "/dashboard/events.csv", cookie: analyst, header: cors}},
		{"offenders", req{method: http.MethodGet, path: "/dashboard/offenders", cookie: admin}},
		{"incidents", req{method: http.MethodGet, path: "/dashboard/incidents", cookie: admin}},
		{"keys", req{method: http.MethodGet, path: "/dashboard/keys", cookie: admin}},
		{"forbidden", req{method: http.MethodGet, path: "/dashboard/keys", cookie: analyst}},
		{"not found", req{method: http.MethodGet, path: "/dashboard/nope", cookie: admin}},
		{"predictions", req{method: http.MethodGet, path: "/dashboard/predictions", cookie: analyst}},
		{"reports", req{method: http.MethodGet, path: "/dashboard/reports", cookie: analyst}},
		{"report download", req{method: http.MethodGet, path: "/dashboard/reports/download?format=json", cookie: analyst}},
		{"cross-origin refusal", req{method: http.MethodPost, path: "/dashboard/logout", form: url.Values{}, header: map[string]string{"Sec-Fetch-Site": "cross-site"}}},
	}
	for _, c := range cases {
		rec := e.do(c.r)
		h := rec.Header()
		if got := h.Get("Content-Security-Policy"); got != dashboard.CSP {
			t.Errorf("%s (status %d): CSP %q, want %q", c.name, rec.Code, got, dashboard.CSP)
		}
		if got := h.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", c.name, got)
		}
		if got := h.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("%s: Access-Control-Allow-Origin %q on a dashboard response", c.name, got)
		}
		if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: X-Frame-Options %q X-Content-Type-Options %q", c.name, h.Get("X-Frame-Options"), h.Get("X-Content-Type-Options"))
		}
	}
	// The standalone HTML report has the report's own hash-pinned policy.
	rec := e.do(req{method: http.MethodGet, path: "/dashboard/reports/view", cookie: analyst})
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Security-Policy") != report.ContentSecurityPolicy() {
		t.Errorf("report view: status %d CSP %q, want 200 and %q", rec.Code, rec.Header().Get("Content-Security-Policy"), report.ContentSecurityPolicy())
	}
	// The API keeps its own policy and CORS.
	api := e.do(req{method: http.MethodGet, path: "/openapi.json", header: cors})
	if api.Header().Get("Content-Security-Policy") != "default-src 'none'; frame-ancestors 'none'" {
		t.Errorf("API CSP changed: %q", api.Header().Get("Content-Security-Policy"))
	}
	if api.Header().Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("API CORS changed: %q", api.Header().Get("Access-Control-Allow-Origin"))
	}
}

func TestIdleSessionExpires(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	e := newEnvClock(t, clock)
	c := e.signIn(e.admin)
	clock.add(10 * time.Minute)
	if rec := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: c}); rec.Code != http.StatusOK {
		t.Fatalf("after 10 idle minutes: status %d, want 200", rec.Code)
	}
	clock.add(16 * time.Minute)
	rec := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: c})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard/login?m=expired" {
		t.Errorf("after 16 idle minutes: status %d Location %q, want 303 to /dashboard/login?m=expired", rec.Code, rec.Header().Get("Location"))
	}
}

// downStore is a session store that cannot answer.
type downStore struct{}

var errDown = errors.New("session store down")

func (downStore) Create(context.Context, session.Key, session.Session) error { return errDown }
func (downStore) Get(context.Context, session.Key) (session.Session, bool, error) {
	return session.Session{}, false, errDown
}
func (downStore) SetFlash(context.Context, session.Key, string, string) error { return errDown }
func (downStore) TakeFlash(context.Context, session.Key) (string, string, error) {
	return "", "", errDown
}
func (downStore) Delete(context.Context, session.Key) error                 { return errDown }
func (downStore) DeleteKey(context.Context, string) error                   { return errDown }
func (downStore) DeleteAll(context.Context) error                           { return errDown }
func (downStore) ListKey(context.Context, string) ([]session.Listed, error) { return nil, errDown }

// TestSessionStoreDown: when the session store cannot answer (Redis down)
// the dashboard fails closed: a page with a session cookie, a sign-in and
// a sign-out are 503, and no cookie is set or deleted.
func TestSessionStoreDown(t *testing.T) {
	e := newEnv(t, nil)
	d, err := dashboard.New(dashboard.Deps{Auth: auth.New(e.app.Keys, nil, e.app.Store, nil), Keys: e.app.Keys,
		Users: e.app.Store, EventLog: e.app.Store, Aggregates: e.app.Store, IDS: e.app.IDS, Predictions: e.app.Predictions, SecondFactor: e.app.SecondFactor, SessionCutoff: e.app.Store,
		SessionStore: downStore{}})
	if err != nil {
		t.Fatal(err)
	}
	e.h = d.Handler()
	cookie := &http.Cookie{Name: "samo_session", Value: session.NewID()}
	for _, r := range []req{
		{method: http.MethodGet, path: "/dashboard/", cookie: cookie},
		{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"key": {e.admin}}},
		{method: http.MethodPost, path: "/dashboard/logout", cookie: cookie, form: url.Values{}, header: sameOrigin},
	} {
		rec := e.do(r)
		if rec.Code != http.StatusServiceUnavailable || len(rec.Result().Cookies()) != 0 {
			t.Errorf("%s %s with the session store down: %d, cookies %v; want 503 and none", r.method, r.path, rec.Code, rec.Header().Values("Set-Cookie"))
		}
	}
}

// writesDown is a session store that reads and creates but cannot store a
// notice or delete a session.
type writesDown struct{ session.Store }

func (writesDown) SetFlash(context.Context, session.Key, string, string) error { return errDown }
func (writesDown) Delete(context.Context, session.Key) error                   { return errDown }

// TestSessionStorePartlyDown: a notice or a session delete the store
// refuses does not undo the action around it, and is logged.
func TestSessionStorePartlyDown(t *testing.T) {
	e := newEnv(t, nil)
	var logs strings.Builder
	d, err := dashboard.New(dashboard.Deps{Auth: auth.New(e.app.Keys, nil, e.app.Store, nil), Keys: e.app.Keys,
		Users: e.app.Store, EventLog: e.app.Store, Aggregates: e.app.Store, IDS: e.app.IDS, Predictions: e.app.Predictions, SecondFactor: e.app.SecondFactor, SessionCutoff: e.app.Store,
		SessionStore: writesDown{session.NewMemory(session.Config{}, nil)}, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e.h = d.Handler()
	c := e.signIn(e.admin)
	rec := e.do(req{method: http.MethodPost, path: "/dashboard/offenders/unblock", cookie: c, form: url.Values{"ip": {"203.0.113.9"}}, header: sameOrigin})
	if rec.Code != http.StatusSeeOther || !strings.Contains(logs.String(), "cannot store a notice") {
		t.Errorf("unblock with notices refused: %d, log %q; want 303 and the failure logged", rec.Code, logs.String())
	}
	rec = e.do(req{method: http.MethodPost, path: "/dashboard/login", cookie: c, form: url.Values{"key": {e.admin}}})
	if rec.Code != http.StatusSeeOther || sessionCookie(rec) == nil || !strings.Contains(logs.String(), "cannot delete a session") {
		t.Errorf("sign-in over a session the store cannot delete: %d, log %q; want 303, a new cookie and the failure logged", rec.Code, logs.String())
	}
}
