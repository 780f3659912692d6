package app

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/samo-brain/samo/internal/rbac"
)

// listCount returns how many predictions the key's owner has stored.
func (ta *testApp) listCount(key string) int {
	ta.t.Helper()
	rec := ta.do(http.MethodGet, "/v1/predictions?limit=100", key, nil)
	var body struct {
		Predictions []json.RawMessage `json:"predictions"`
	}
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
		ta.t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	return len(body.Predictions)
}

func TestIdempotencyKey(t *testing.T) {
	ta := newTestApp(t, nil)
	alice := ta.key("alice", rbac.RoleUser)
	bob := ta.key("bob", rbac.RoleUser)
	body := map[string]any{"text": "I am so happy today"}

	first := ta.do(http.MethodPost, "/v1/predict", alice, body, "Idempotency-Key", "k-123")
	if first.Code != 200 {
		t.Fatalf("first: %d %s", first.Code, first.Body)
	}
	again := ta.do(http.MethodPost, "/v1/predict", alice, body, "Idempotency-Key", "k-123")
	if again.Code != 200 || again.Body.String() != first.Body.String() {
		t.Fatalf("retry: %d %s, want the first answer %s", again.Code, again.Body, first.Body)
	}
	if again.Header().Get("Idempotent-Replayed") != "true" || first.Header().Get("Idempotent-Replayed") != "" {
		t.Errorf("Idempotent-Replayed: first %q, retry %q", first.Header().Get("Idempotent-Replayed"), again.Header().Get("Idempotent-Replayed"))
	}
	if again.Header().Get("Content-Type") != "application/json" {
		t.Errorf("replayed Content-Type = %q", again.Header().Get("Content-Type"))
	}
	if n := ta.listCount(alice); n != 1 {
		t.Errorf("alice has %d stored predictions after a retried request, want 1", n)
	}

	other := ta.do(http.MethodPost, "/v1/predict", alice, map[string]any{"text": "something else entirely"}, "Idempotency-Key", "k-123")
	if other.Code != 422 || problem(t, other)["type"] != problemType("idempotency_key_reused") {
		t.Errorf("same key, other body: %d %s, want 422 idempotency_key_reused", other.Code, other.Body)
	}
	alias := ta.do(http.MethodPost, "/api/predict", alice, body, "Idempotency-Key", "k-123")
	if alias.Code != 422 {
		t.Errorf("same key on another path: %d, want 422", alias.Code)
	}

	// Keys are per principal: bob's k-123 is his own.
	b := ta.do(http.MethodPost, "/v1/predict", bob, body, "Idempotency-Key", "k-123")
	if b.Code != 200 || b.Header().Get("Idempotent-Replayed") != "" || b.Body.String() == first.Body.String() {
		t.Errorf("bob with alice's key: %d replayed=%q", b.Code, b.Header().Get("Idempotent-Replayed"))
	}

	// Without the header every request creates a row.
	ta.do(http.MethodPost, "/v1/predict", alice, body)
	ta.do(http.MethodPost, "/v1/predict", alice, body)
	if n := ta.listCount(alice); n != 3 {
		t.Errorf("alice has %d predictions, want 3", n)
	}

	// Client errors are answers too (replayed); invalid keys are refused.
	bad := map[string]any{"text": ""}
	e1 := ta.do(http.MethodPost, "/v1/predict", alice, bad, "Idempotency-Key", "k-bad")
	e2 := ta.do(http.MethodPost, "/v1/predict", alice, bad, "Idempotency-Key", "k-bad")
	if e1.Code != 400 || e2.Code != 400 || e2.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("invalid body: %d then %d (replayed %q)", e1.Code, e2.Code, e2.Header().Get("Idempotent-Replayed"))
	}
	for _, k := range []string{"has space", string(make([]byte, 256))} {
		rec := ta.do(http.MethodPost, "/v1/predict", alice, body, "Idempotency-Key", k)
		if rec.Code != 400 || problem(t, rec)["type"] != problemType("invalid_idempotency_key") {
			t.Errorf("key %q: %d, want 400 invalid_idempotency_key", k[:min(len(k), 10)], rec.Code)
		}
	}

	// Creating an API key: the retry gets the same key id, no second key.
	admin := ta.key("root", rbac.RoleAdmin)
	req := map[string]any{"user": "carol", "name": "ci"}
	k1 := ta.do(http.MethodPost, "/v1/admin/keys", admin, req, "Idempotency-Key", "create-carol")
	k2 := ta.do(http.MethodPost, "/v1/admin/keys", admin, req, "Idempotency-Key", "create-carol")
	if k1.Code != 201 || k2.Code != 201 || k1.Body.String() != k2.Body.String() {
		t.Fatalf("create key twice: %d, %d", k1.Code, k2.Code)
	}
	u, err := ta.Store.UserByName(t.Context(), "carol")
	if err != nil {
		t.Fatal(err)
	}
	if keys, err := ta.Keys.List(t.Context(), u.ID); err != nil || len(keys) != 1 {
		t.Errorf("carol has %d keys, %v; want 1", len(keys), err)
	}
}
