package app

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/testredis"
)

type pair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

func decodePair(t *testing.T, rec *httptest.ResponseRecorder) pair {
	t.Helper()
	var p pair
	if rec.Code != 200 {
		t.Fatalf("token endpoint: %d %s", rec.Code, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.AccessToken == "" || p.RefreshToken == "" || p.TokenType != "Bearer" || p.ExpiresIn <= 0 {
		t.Fatalf("pair = %+v, %v", p, err)
	}
	return p
}

func TestTokenLifecycleOverHTTP(t *testing.T) {
	ta := newTestApp(t, nil)
	key := ta.key("tess", rbac.RoleUser)
	p := decodePair(t, ta.do(http.MethodPost, "/v1/auth/token", key, nil))
	bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

	if rec := ta.do(http.MethodGet, "/v1/predictions", "", nil, bearer(p.AccessToken)...); rec.Code != 200 {
		t.Fatalf("bearer request: %d %s", rec.Code, rec.Body)
	}
	if rec := ta.do(http.MethodGet, "/v1/admin/keys", "", nil, bearer(p.AccessToken)...); rec.Code != 403 {
		t.Errorf("user's token on admin route: %d, want 403", rec.Code)
	}
	// A token cannot be exchanged for another token; only keys can.
	if rec := ta.do(http.MethodPost, "/v1/auth/token", "", nil, bearer(p.AccessToken)...); rec.Code != 400 {
		t.Errorf("token exchange with a bearer: %d, want 400", rec.Code)
	}
	// Refresh rotates; reusing the old refresh token revokes the family.
	p2 := decodePair(t, ta.do(http.MethodPost, "/v1/auth/refresh", "", map[string]string{"refresh_token": p.RefreshToken}))
	if p2.RefreshToken == p.RefreshToken || p2.AccessToken == p.AccessToken {
		t.Error("refresh did not rotate both tokens")
	}
	rec := ta.do(http.MethodPost, "/v1/auth/refresh", "", map[string]string{"refresh_token": p.RefreshToken})
	if rec.Code != 401 || problem(t, rec)["type"] != problemType("refresh_token_reused") {
		t.Fatalf("reuse: %d %s", rec.Code, rec.Body)
	}
	if rec := ta.do(http.MethodPost, "/v1/auth/refresh", "", map[string]string{"refresh_token": p2.RefreshToken}); rec.Code != 401 {
		t.Errorf("the family's newer refresh token after reuse: %d, want 401", rec.Code)
	}
	if rec := ta.do(http.MethodGet, "/v1/predictions", "", nil, bearer(p2.AccessToken)...); rec.Code != 401 {
		t.Errorf("the family's access token after reuse: %d, want 401", rec.Code)
	}
	// The reuse was critical: its incident suspends the key (see
	// TestRefreshReuseIsCriticalOverHTTP), so carry on with another key.
	key = ta.key("tess2", rbac.RoleUser)
	// Logout revokes the access token at once.
	p3 := decodePair(t, ta.do(http.MethodPost, "/v1/auth/token", key, nil))
	if rec := ta.do(http.MethodPost, "/v1/auth/logout", "", nil, bearer(p3.AccessToken)...); rec.Code != 204 {
		t.Fatalf("logout: %d %s", rec.Code, rec.Body)
	}
	if rec := ta.do(http.MethodGet, "/v1/predictions", "", nil, bearer(p3.AccessToken)...); rec.Code != 401 {
		t.Errorf("access token after logout: %d, want 401", rec.Code)
	}
	if rec := ta.do(http.MethodPost, "/v1/auth/refresh", "", map[string]string{"refresh_token": p3.RefreshToken}); rec.Code != 401 {
		t.Errorf("refresh token after logout: %d, want 401", rec.Code)
	}
	// Revoking the key kills its tokens.
	p4 := decodePair(t, ta.do(http.MethodPost, "/v1/auth/token", key, nil))
	k, _ := ta.Keys.Authenticate(t.Context(), key)
	if err := ta.Keys.Revoke(t.Context(), k.ID); err != nil {
		t.Fatal(err)
	}
	if rec := ta.do(http.MethodGet, "/v1/predictions", "", nil, bearer(p4.AccessToken)...); rec.Code != 401 {
		t.Errorf("token of a revoked key: %d, want 401", rec.Code)
	}
	if rec := ta.do(http.MethodGet, "/v1/predictions", "", nil, "Authorization", "Bearer not.a.jwt"); rec.Code != 401 {
		t.Errorf("garbage bearer: %d, want 401", rec.Code)
	}
	if rec := ta.do(http.MethodGet, "/.well-known/jwks.json", "", nil); rec.Code != 200 {
		t.Errorf("jwks: %d", rec.Code)
	}
}

func TestIntrusionDetectionBlocksProber(t *testing.T) {
	ta := newTestApp(t, nil)
	// Invented keys from one address: key enumeration gets it blocked.
	blocked := false
	for i := 0; i < 30 && !blocked; i++ {
		rec := ta.do(http.MethodGet, "/v1/predictions", "samo_"+string(rune('a'+i))+"invalidkeyinvalidkeyinvalidkey123456", nil)
		blocked = rec.Code == 403 && problem(t, rec)["type"] == problemType("ip_blocked")
	}
	if !blocked {
		t.Fatal("30 invented keys from one address did not get it blocked")
	}
	// Even a valid key is refused from the blocked address...
	key := ta.key("victim", rbac.RoleUser)
	if rec := ta.do(http.MethodGet, "/v1/predictions", key, nil); rec.Code != 403 {
		t.Errorf("valid key from a blocked address: %d, want 403", rec.Code)
	}
	// ...but /health still answers.
	if rec := ta.do(http.MethodGet, "/health", "", nil); rec.Code != 200 {
		t.Errorf("/health from a blocked address: %d", rec.Code)
	}
}

// Failed authentications are budgeted per address even for an allowlisted
// client (never blocked by intrusion detection), so guessing stays bounded.
// TestFailedAuthenticationBudget: 30 failed authentications from an
// address spend its budget, after which even a good key is refused with
// 429 — in process, and with Redis, where the IP rate-limit step reads the
// budget in the same round trip as the IP limit.
func TestFailedAuthenticationBudget(t *testing.T) {
	run := func(t *testing.T, extra map[string]string) {
		extra["IP_ALLOWLIST"] = "192.0.2.0/24"
		ta := newTestApp(t, extra)
		good, admin := ta.key("leo", rbac.RoleUser), ta.key("ada", rbac.RoleAdmin)
		if rec := ta.do(http.MethodGet, "/v1/predictions", good, nil); rec.Code != 200 {
			t.Fatalf("good key: %d", rec.Code)
		}
		var last int
		for i := 0; i < 31; i++ {
			last = ta.do(http.MethodGet, "/v1/predictions", "samo_invalid", nil).Code
		}
		if last != 429 {
			t.Fatalf("31st failed authentication: %d, want 429", last)
		}
		rec := ta.do(http.MethodGet, "/v1/predictions", good, nil)
		if rec.Code != 429 || problem(t, rec)["type"] != problemType("too_many_auth_failures") || rec.Header().Get("Retry-After") == "" {
			t.Errorf("after the budget is spent: %d %s", rec.Code, rec.Body)
		}
		// The dashboard's sign-in shares the budget.
		rec = ta.do(http.MethodPost, "/dashboard/login", "", url.Values{"key": {admin}}.Encode(), "Content-Type", "application/x-www-form-urlencoded")
		if rec.Code != http.StatusTooManyRequests {
			t.Errorf("dashboard sign-in with a good key after the budget is spent: %d, want 429", rec.Code)
		}
	}
	t.Run("memory", func(t *testing.T) { run(t, map[string]string{}) })
	t.Run("redis", func(t *testing.T) { run(t, map[string]string{"REDIS_URL": testredis.Reserve(t)}) })
}

func TestPrincipalRateLimitHeaders(t *testing.T) {
	ta := newTestApp(t, map[string]string{"RATE_LIMIT_REQUESTS": "3", "IP_ALLOWLIST": "192.0.2.0/24"})
	key := ta.key("mia", rbac.RoleUser)
	for i := 0; i < 3; i++ {
		rec := ta.do(http.MethodGet, "/v1/predictions", key, nil)
		if rec.Code != 200 || rec.Header().Get("X-RateLimit-Limit") != "3" || rec.Header().Get("RateLimit-Policy") == "" {
			t.Fatalf("request %d: %d headers %v", i+1, rec.Code, rec.Header())
		}
	}
	rec := ta.do(http.MethodGet, "/v1/predictions", key, nil)
	if rec.Code != 429 || rec.Header().Get("Retry-After") == "" || rec.Header().Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("4th request: %d %v", rec.Code, rec.Header())
	}
}

// TestRefreshFamilyEndOverHTTP: with REFRESH_FAMILY_MAX_AGE, a client that
// keeps rotating its refresh token is cut off at the family's end: the
// last rotation's access token reports the shorter lifetime, the next
// rotation is refused as an invalid (not reused) refresh token, and
// exchanging the API key again starts a new family.
func TestRefreshFamilyEndOverHTTP(t *testing.T) {
	clk := &clock{t: time.Now()}
	env := testEnv(t, map[string]string{"REFRESH_TOKEN_TTL": "1h", "REFRESH_FAMILY_MAX_AGE": "3h", "JWT_EXPIRY_HOURS": "1"})
	ta := newReplica(t, env, clk.Now)
	key := ta.key("fran", rbac.RoleUser)
	p := decodePair(t, ta.do(http.MethodPost, "/v1/auth/token", key, nil))
	if p.ExpiresIn != 3600 {
		t.Fatalf("first access token expires in %d s, want 3600", p.ExpiresIn)
	}
	refresh := func() *httptest.ResponseRecorder {
		return ta.do(http.MethodPost, "/v1/auth/refresh", "", map[string]string{"refresh_token": p.RefreshToken})
	}
	for _, want := range []int{3600, 3600, 1800} { // rotations at 50, 100 and 150 minutes
		clk.Advance(50 * time.Minute)
		p = decodePair(t, refresh())
		if p.ExpiresIn != want {
			t.Fatalf("access token of a rotation expires in %d s, want %d (the family ends at 3h)", p.ExpiresIn, want)
		}
	}
	clk.Advance(30*time.Minute + time.Second) // past the family's end
	rec := refresh()
	if rec.Code != 401 || problem(t, rec)["type"] != problemType("invalid_refresh_token") {
		t.Fatalf("rotation after the family's end: %d %s, want 401 invalid_refresh_token", rec.Code, rec.Body)
	}
	if p := decodePair(t, ta.do(http.MethodPost, "/v1/auth/token", key, nil)); p.ExpiresIn != 3600 {
		t.Errorf("a new family's access token expires in %d s, want 3600", p.ExpiresIn)
	}
}

// TestRequireBearerTokens: with REQUIRE_BEARER_TOKENS an API key only
// gets tokens (and signs out); everything else answers 401
// bearer_token_required with WWW-Authenticate, records a permission_denied
// event, and works with the key's bearer token. The dashboard's sign-in
// still takes a key.
func TestRequireBearerTokens(t *testing.T) {
	ta := newTestApp(t, map[string]string{"REQUIRE_BEARER_TOKENS": "true"})
	user, admin := ta.key("uli", rbac.RoleUser), ta.key("ada", rbac.RoleAdmin)
	for _, c := range []struct{ method, path, key string }{
		{http.MethodPost, "/v1/predict", user},
		{http.MethodGet, "/v1/predictions", user},
		{http.MethodGet, "/v1/admin/keys", admin},
	} {
		var body any
		if c.method == http.MethodPost {
			body = map[string]any{"text": "so happy today"}
		}
		rec := ta.do(c.method, c.path, c.key, body)
		if rec.Code != http.StatusUnauthorized || problem(t, rec)["type"] != problemType("bearer_token_required") {
			t.Errorf("%s %s with a key: %d %s; want 401 bearer_token_required", c.method, c.path, rec.Code, rec.Body)
		}
		if got := rec.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
			t.Errorf("%s %s: WWW-Authenticate %q", c.method, c.path, got)
		}
	}
	evs := ta.waitEvents(secevent.PermissionDenied, func(es []secevent.Event) bool { return len(es) >= 3 })
	if evs[0].Details["reason"] != "bearer_required" {
		t.Errorf("event details %v, want reason bearer_required", evs[0].Details)
	}
	p := decodePair(t, ta.do(http.MethodPost, "/v1/auth/token", user, nil))
	bearer := []string{"Authorization", "Bearer " + p.AccessToken}
	if rec := ta.do(http.MethodPost, "/v1/predict", "", map[string]any{"text": "so happy today"}, bearer...); rec.Code != http.StatusOK {
		t.Errorf("predict with the bearer token: %d %s", rec.Code, rec.Body)
	}
	if got := ta.do(http.MethodGet, "/v1/predictions", "", nil, bearer...).Code; got != http.StatusOK {
		t.Errorf("list with the bearer token: %d", got)
	}
	if cookie := ta.signIn(admin); cookie == "" {
		t.Error("dashboard sign-in with a key refused")
	}
}
