package app

import (
	"net/http"
	"testing"

	"github.com/samo-brain/samo/internal/rbac"
)

// TestRevocationsSurviveRestart: without Redis the deny-list lives in
// memory and in the database, so a logged-out access token, a revoked
// refresh family's access token and "sign everyone out" still hold in a
// server started afterwards on the same data.
func TestRevocationsSurviveRestart(t *testing.T) {
	env := testEnv(t, nil)
	first := newReplica(t, env, nil)
	admin, user := first.key("ada", rbac.RoleAdmin), first.key("uli", rbac.RoleUser)
	// A reused refresh token is a critical incident that suspends its key
	// (asynchronously): the reuse gets a user and key of its own, so the
	// other tokens' key is never suspended.
	reuser := first.key("rhea", rbac.RoleUser)
	bearer := func(p pair) []string { return []string{"Authorization", "Bearer " + p.AccessToken} }
	loggedOut := decodePair(t, first.do(http.MethodPost, "/v1/auth/token", user, nil))
	reused := decodePair(t, first.do(http.MethodPost, "/v1/auth/token", reuser, nil))
	kept := decodePair(t, first.do(http.MethodPost, "/v1/auth/token", user, nil))
	if rec := first.do(http.MethodPost, "/v1/auth/logout", "", nil, bearer(loggedOut)...); rec.Code != http.StatusNoContent {
		t.Fatalf("logout: %d %s", rec.Code, rec.Body)
	}
	// Reusing a rotated refresh token revokes its family, access token too.
	rotated := decodePair(t, first.do(http.MethodPost, "/v1/auth/refresh", "", map[string]string{"refresh_token": reused.RefreshToken}))
	if rec := first.do(http.MethodPost, "/v1/auth/refresh", "", map[string]string{"refresh_token": reused.RefreshToken}); rec.Code != http.StatusUnauthorized {
		t.Fatalf("refresh reuse: %d %s", rec.Code, rec.Body)
	}
	second := newReplica(t, env, nil)
	for name, p := range map[string]pair{"logged-out": loggedOut, "reused family's": rotated} {
		if got := second.do(http.MethodGet, "/v1/predictions", "", nil, bearer(p)...).Code; got != http.StatusUnauthorized {
			t.Errorf("%s access token after a restart: %d, want 401", name, got)
		}
	}
	if got := second.do(http.MethodGet, "/v1/predictions", "", nil, bearer(kept)...).Code; got != http.StatusOK {
		t.Fatalf("an unrevoked access token after a restart: %d, want 200", got)
	}
	if rec := second.do(http.MethodDelete, "/v1/admin/sessions", admin, nil); rec.Code != http.StatusOK {
		t.Fatalf("DELETE /v1/admin/sessions: %d %s", rec.Code, rec.Body)
	}
	third := newReplica(t, env, nil)
	if got := third.do(http.MethodGet, "/v1/predictions", "", nil, bearer(kept)...).Code; got != http.StatusUnauthorized {
		t.Errorf("access token after sign-everyone-out and a restart: %d, want 401", got)
	}
	if got := third.do(http.MethodGet, "/v1/predictions", user, nil).Code; got != http.StatusOK {
		t.Errorf("API key after sign-everyone-out and a restart: %d, want 200", got)
	}
}
