package app

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/users"
)

// keyWithID creates a user with role and returns a new key and its id.
func (ta *testApp) keyWithID(name string, role rbac.Role) (plain, id string) {
	ta.t.Helper()
	u, _, err := users.Ensure(context.Background(), ta.Store, name, role, time.Now())
	if err != nil {
		ta.t.Fatal(err)
	}
	plain, k, err := ta.Keys.Create(context.Background(), u.ID, "test")
	if err != nil {
		ta.t.Fatal(err)
	}
	return plain, k.ID
}

// TestRotationGraceKeyServesDataOnly is issue 16's third finding: during
// its grace period the old key (and tokens issued from it) may predict and
// read its predictions, and nothing else.
func TestRotationGraceKeyServesDataOnly(t *testing.T) {
	ta := newTestApp(t, nil)
	old, oldID := ta.keyWithID("rotating-admin", rbac.RoleAdmin)
	// A token pair issued from the old key before the rotation.
	rec := ta.do(http.MethodPost, "/v1/auth/token", old, nil)
	if rec.Code != 200 {
		t.Fatalf("token exchange before rotation: %d %s", rec.Code, rec.Body)
	}
	var pair struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &pair)

	rec = ta.do(http.MethodPost, "/v1/admin/keys/"+oldID+"/rotate", old, map[string]any{"grace": "1h"})
	if rec.Code != 201 {
		t.Fatalf("rotate: %d %s", rec.Code, rec.Body)
	}
	var created struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &created)
	newKey := created.Key

	inGrace := func(name string, code int, body string) {
		t.Helper()
		pb := map[string]any{}
		_ = json.Unmarshal([]byte(body), &pb)
		if code != 403 || pb["type"] != problemType("key_in_grace") || !strings.Contains(body, "replaced by rotation") {
			t.Errorf("%s with the old key: %d %s, want 403 key_in_grace", name, code, body)
		}
	}
	bearer := func(method, path string, body any) (int, string) {
		r := ta.do(method, path, "", body, "Authorization", "Bearer "+pair.Access)
		return r.Code, r.Body.String()
	}
	// Data routes still work, with the key and with its token.
	for _, c := range []struct {
		method, path string
		body         any
		want         int
	}{
		{http.MethodPost, "/v1/predict", map[string]any{"text": "still here"}, 200},
		{http.MethodPost, "/v1/predict/batch", map[string]any{"texts": []string{"a"}}, 200},
		{http.MethodGet, "/v1/predictions", nil, 200},
	} {
		if r := ta.do(c.method, c.path, old, c.body); r.Code != c.want {
			t.Errorf("%s %s with the old key: %d %s, want %d", c.method, c.path, r.Code, r.Body, c.want)
		}
		if code, body := bearer(c.method, c.path, c.body); code != c.want {
			t.Errorf("%s %s with the old key's token: %d %s, want %d", c.method, c.path, code, body, c.want)
		}
	}
	// Key management, token exchange and admin actions are refused.
	r := ta.do(http.MethodPost, "/v1/admin/keys/"+created.ID+"/rotate", old, nil)
	inGrace("rotating the successor", r.Code, r.Body.String())
	r = ta.do(http.MethodPost, "/v1/admin/keys", old, map[string]any{"user": "mallory", "role": "admin", "name": "backdoor"})
	inGrace("creating an admin key", r.Code, r.Body.String())
	r = ta.do(http.MethodDelete, "/v1/admin/keys/"+created.ID, old, nil)
	inGrace("revoking the successor", r.Code, r.Body.String())
	r = ta.do(http.MethodPost, "/v1/auth/token", old, nil)
	inGrace("token exchange", r.Code, r.Body.String())
	r = ta.do(http.MethodGet, "/v1/admin/keys", old, nil)
	inGrace("listing keys", r.Code, r.Body.String())
	code, body := bearer(http.MethodPost, "/v1/admin/keys", map[string]any{"user": "mallory", "role": "admin", "name": "backdoor"})
	inGrace("creating a key with the old key's token", code, body)
	r = ta.do(http.MethodPost, "/v1/auth/refresh", "", map[string]any{"refresh_token": pair.Refresh})
	inGrace("refreshing the old key's token", r.Code, r.Body.String())

	// Nothing happened: the successor works with full power and no
	// backdoor user exists.
	if r := ta.do(http.MethodGet, "/v1/admin/keys", newKey, nil); r.Code != 200 {
		t.Fatalf("the new key: %d %s, want 200", r.Code, r.Body)
	}
	if _, err := ta.Store.UserByName(context.Background(), "mallory"); err == nil {
		t.Error("the old key created a user")
	}
	if r := ta.do(http.MethodPost, "/v1/auth/token", newKey, nil); r.Code != 200 {
		t.Errorf("token exchange with the new key: %d %s", r.Code, r.Body)
	}
}
