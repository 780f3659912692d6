package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/rbac"
)

func TestAuthenticationFailures(t *testing.T) {
	ta := newTestApp(t, nil)
	good := ta.key("alice", rbac.RoleUser)
	revoked := ta.key("bob", rbac.RoleUser)
	rk, _ := ta.Keys.Authenticate(context.Background(), revoked)
	if err := ta.Keys.Revoke(context.Background(), rk.ID); err != nil {
		t.Fatal(err)
	}
	malformed := good[:len(good)-1] + string(rune(good[len(good)-1])^1)
	wellFormedUnknown, _ := apikey.Generate(32)
	cases := []struct {
		name, key string
		want      int
		code      string
	}{
		{"no key", "", 401, "unauthenticated"},
		{"malformed key", "samo_short", 401, "invalid_credentials"},
		{"checksum typo", malformed, 401, "invalid_credentials"},
		{"unknown key", wellFormedUnknown, 401, "invalid_credentials"},
		{"revoked key", revoked, 401, "invalid_credentials"},
		{"valid key", good, 200, ""},
	}
	for _, c := range cases {
		rec := ta.do(http.MethodPost, "/v1/predict", c.key, map[string]any{"text": "hello there"})
		if rec.Code != c.want {
			t.Errorf("%s: status %d, want %d (%s)", c.name, rec.Code, c.want, rec.Body)
			continue
		}
		if c.code != "" {
			p := problem(t, rec)
			if p["type"] != problemType(c.code) {
				t.Errorf("%s: type %v, want code %s", c.name, p["type"], c.code)
			}
			if rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s: 401 without WWW-Authenticate", c.name)
			}
			if strings.Contains(rec.Body.String(), c.key) && c.key != "" {
				t.Errorf("%s: the presented key was echoed", c.name)
			}
		}
	}
}

func TestExpiredKeyRefused(t *testing.T) {
	now := time.Now()
	ta := newTestApp(t, map[string]string{"API_KEY_ROTATION_INTERVAL": "1h"})
	key := ta.key("idle", rbac.RoleUser)
	if rec := ta.do(http.MethodGet, "/v1/predictions", key, nil); rec.Code != 200 {
		t.Fatalf("fresh key: %d", rec.Code)
	}
	// A second service over the same store with a clock two hours ahead
	// sees the key idle for longer than the interval.
	later := apikey.NewService(apikey.Config{IdleExpiry: time.Hour}, ta.Store, func() time.Time { return now.Add(2 * time.Hour) })
	if _, err := later.Authenticate(context.Background(), key); err == nil {
		t.Fatal("idle key accepted two hours later")
	}
}

func TestKeysAndTokensNeverInURL(t *testing.T) {
	ta := newTestApp(t, nil)
	key := ta.key("carol", rbac.RoleUser)
	rec := ta.do(http.MethodGet, "/v1/predictions?api_key="+key, "", nil)
	if rec.Code != 400 || problem(t, rec)["type"] != problemType("credentials_in_url") {
		t.Errorf("key in URL: %d %s", rec.Code, rec.Body)
	}
}

func TestRBACAndOwnership(t *testing.T) {
	ta := newTestApp(t, nil)
	user := ta.key("dave", rbac.RoleUser)
	other := ta.key("erin", rbac.RoleUser)
	analyst := ta.key("fay", rbac.RoleAnalyst)
	admin := ta.key("root", rbac.RoleAdmin)
	for _, path := range []string{"/v1/metrics", "/v1/admin/keys"} {
		if rec := ta.do(http.MethodGet, path, user, nil); rec.Code != 403 {
			t.Errorf("user GET %s: %d, want 403", path, rec.Code)
		}
	}
	if rec := ta.do(http.MethodGet, "/v1/metrics", analyst, nil); rec.Code != 200 {
		t.Errorf("analyst GET /v1/metrics: %d, want 200", rec.Code)
	}
	if rec := ta.do(http.MethodGet, "/v1/admin/keys", analyst, nil); rec.Code != 403 {
		t.Errorf("analyst GET /v1/admin/keys: %d, want 403", rec.Code)
	}
	if rec := ta.do(http.MethodGet, "/v1/admin/keys", admin, nil); rec.Code != 200 {
		t.Errorf("admin GET /v1/admin/keys: %d, want 200", rec.Code)
	}
	rec := ta.do(http.MethodPost, "/v1/predict", user, map[string]any{"text": "write me at bob@example.com, I'm happy"})
	if rec.Code != 200 {
		t.Fatalf("predict: %d %s", rec.Code, rec.Body)
	}
	var p struct{ ID string }
	_ = json.Unmarshal(rec.Body.Bytes(), &p)
	if rec := ta.do(http.MethodGet, "/v1/predictions/"+p.ID, other, nil); rec.Code != 404 {
		t.Errorf("other user's prediction: %d, want 404", rec.Code)
	}
	if rec := ta.do(http.MethodDelete, "/v1/predictions/"+p.ID, other, nil); rec.Code != 404 {
		t.Errorf("other user deleting: %d, want 404", rec.Code)
	}
	if rec := ta.do(http.MethodGet, "/v1/predictions/pred_doesnotexist", other, nil); rec.Code != 404 {
		t.Errorf("missing id: %d, want 404", rec.Code)
	}
	// Analysts see everyone's predictions, anonymized (analystview_test.go
	// has the rest).
	rec = ta.do(http.MethodGet, "/v1/predictions/"+p.ID, analyst, nil)
	var masked struct{ Text string }
	_ = json.Unmarshal(rec.Body.Bytes(), &masked)
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "bob@example.com") || masked.Text != "w***e ** ** <EMAIL_ADDRESS>, *** h***y" {
		t.Errorf("analyst read: %d %s; want masked text", rec.Code, rec.Body)
	}
	// The owner sees plaintext; the list shows only their own.
	rec = ta.do(http.MethodGet, "/v1/predictions", user, nil)
	if !strings.Contains(rec.Body.String(), "bob@example.com") {
		t.Errorf("owner list lacks own plaintext: %s", rec.Body)
	}
	// Another user's listing succeeds (a 500 or a 403 would also lack the id)
	// and holds none of the owner's predictions.
	rec = ta.do(http.MethodGet, "/v1/predictions", other, nil)
	var otherList struct{ Predictions []map[string]any }
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &otherList) != nil {
		t.Fatalf("another user's list: %d %s, want 200 with a JSON list", rec.Code, rec.Body)
	}
	if len(otherList.Predictions) != 0 || strings.Contains(rec.Body.String(), p.ID) {
		t.Errorf("another user's list shows %d predictions: %s", len(otherList.Predictions), rec.Body)
	}
	if rec := ta.do(http.MethodDelete, "/v1/predictions/"+p.ID, user, nil); rec.Code != 204 {
		t.Errorf("owner delete: %d", rec.Code)
	}
}

func TestValidationProblems(t *testing.T) {
	// The test client is allowlisted: this many bad requests would
	// otherwise (rightly) get it blocked by intrusion detection.
	ta := newTestApp(t, map[string]string{"MAX_TEXT_LENGTH": "50", "IP_ALLOWLIST": "192.0.2.10/32"})
	key := ta.key("gus", rbac.RoleUser)
	cases := []struct {
		name string
		body string
		want int
		code string
	}{
		{"unknown field", `{"text":"hi there","role":"admin"}`, 400, "unknown_field"},
		{"case-variant field", `{"TEXT":"hi there"}`, 400, "unknown_field"},
		{"duplicate field", `{"text":"a","text":"b"}`, 400, "duplicate_field"},
		{"two objects", `{"text":"a"}{"text":"b"}`, 400, "invalid_json"},
		{"not an object", `["hi"]`, 400, "invalid_json"},
		{"broken json", `{"text":`, 400, "invalid_json"},
		{"missing text", `{}`, 400, "invalid_request"},
		{"threshold string", `{"text":"hi there","threshold":"0.5"}`, 400, "invalid_field"},
		{"threshold above 1", `{"text":"hi there","threshold":1.5}`, 400, "invalid_request"},
		{"threshold negative", `{"text":"hi there","threshold":-0.1}`, 400, "invalid_request"},
		{"unknown taxonomy", `{"text":"hi there","taxonomy":"plutchik"}`, 400, "invalid_request"},
		{"empty text", `{"text":""}`, 400, "invalid_request"},
		{"too long", `{"text":"` + strings.Repeat("a", 51) + `"}`, 400, "invalid_request"},
		{"control character", `{"text":"hi\u0007there"}`, 400, "invalid_request"},
		{"bidi override", `{"text":"hi \u202e there"}`, 400, "invalid_request"},
		{"lone surrogate", `{"text":"hi \ud800 there"}`, 400, "invalid_utf8"},
		{"invalid utf-8", "{\"text\":\"hi \xff there\"}", 400, "invalid_utf8"},
		{"body too large", `{"text":"` + strings.Repeat("a", 50*6+5000) + `"}`, 413, "body_too_large"},
		{"script tag", `{"text":"<script>alert(1)</script>"}`, 400, "injection_detected"},
		{"ok at limit", `{"text":"` + strings.Repeat("é", 50) + `"}`, 200, ""},
	}
	for _, c := range cases {
		rec := ta.do(http.MethodPost, "/v1/predict", key, []byte(c.body))
		if rec.Code != c.want {
			t.Errorf("%s: status %d, want %d (%s)", c.name, rec.Code, c.want, rec.Body)
			continue
		}
		if c.code == "" {
			continue
		}
		p := problem(t, rec)
		if p["type"] != problemType(c.code) {
			t.Errorf("%s: type %v, want %s", c.name, p["type"], c.code)
		}
		if p["request_id"] == "" || p["request_id"] != rec.Header().Get("X-Request-ID") {
			t.Errorf("%s: request_id %v does not match header %q", c.name, p["request_id"], rec.Header().Get("X-Request-ID"))
		}
	}
	// Content type other than JSON.
	rec := ta.do(http.MethodPost, "/v1/predict", key, []byte(`text=hi`), "Content-Type", "application/x-www-form-urlencoded")
	if rec.Code != 415 {
		t.Errorf("form body: %d, want 415", rec.Code)
	}
}

func TestHeadersOnEveryResponse(t *testing.T) {
	ta := newTestApp(t, map[string]string{"ALLOWED_ORIGINS": "https://app.example"})
	key := ta.key("hal", rbac.RoleUser)
	reqs := []struct{ method, path, key, body string }{
		{http.MethodGet, "/health", "", ""},
		{http.MethodGet, "/nope", "", ""},
		{http.MethodPut, "/v1/predict", key, ""},
		{http.MethodPost, "/v1/predict", "", `{"text":"hi"}`},
		{http.MethodPost, "/v1/predict", key, `{"bad":1}`},
		{http.MethodPost, "/v1/predict", key, `{"text":"a good day"}`},
		{http.MethodGet, "/v1/admin/keys", key, ""},
	}
	want := map[string]string{
		"X-Content-Type-Options":    "nosniff",
		"X-Frame-Options":           "DENY",
		"Strict-Transport-Security": "", // plain HTTP: HSTS only over HTTPS (TestHSTSOnlyOverHTTPS)
		"Referrer-Policy":           "strict-origin-when-cross-origin",
		"Cache-Control":             "no-store",
		"Content-Security-Policy":   "default-src 'none'; frame-ancestors 'none'",
	}
	for _, r := range reqs {
		var body any
		if r.body != "" {
			body = []byte(r.body)
		}
		rec := ta.do(r.method, r.path, r.key, body, "Origin", "https://evil.example")
		for h, v := range want {
			if got := rec.Header().Get(h); got != v {
				t.Errorf("%s %s (%d): %s = %q, want %q", r.method, r.path, rec.Code, h, got, v)
			}
		}
		if rec.Header().Get("X-Request-ID") == "" || rec.Header().Get("Permissions-Policy") == "" {
			t.Errorf("%s %s: missing X-Request-ID or Permissions-Policy", r.method, r.path)
		}
		if rec.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s %s: CORS granted to an unlisted origin", r.method, r.path)
		}
	}
	rec := ta.do(http.MethodGet, "/openapi.json", "", nil, "Origin", "https://app.example")
	if rec.Header().Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("listed origin not granted: %v", rec.Header())
	}
	if rec := ta.do(http.MethodPut, "/v1/predict", key, nil); rec.Code != 405 || rec.Header().Get("Allow") == "" {
		t.Errorf("PUT /v1/predict: %d Allow=%q, want 405 with Allow", rec.Code, rec.Header().Get("Allow"))
	}
}

func TestPlaintextNeverInDatabase(t *testing.T) {
	ta := newTestApp(t, nil)
	key := ta.key("ivy", rbac.RoleUser)
	secret := "my-diary-canary-Xq7zK9 feeling terrified today"
	if rec := ta.do(http.MethodPost, "/v1/predict", key, map[string]any{"text": secret}); rec.Code != 200 {
		t.Fatalf("predict: %d %s", rec.Code, rec.Body)
	}
	if rec := ta.do(http.MethodPost, "/v1/predict/batch", key, map[string]any{"texts": []string{secret + " again"}}); rec.Code != 200 {
		t.Fatalf("batch: %d %s", rec.Code, rec.Body)
	}
	// The search index finds the word without storing it.
	rec := ta.do(http.MethodGet, "/v1/predictions?q=Xq7zK9", key, nil)
	var list struct{ Predictions []map[string]any }
	_ = json.Unmarshal(rec.Body.Bytes(), &list)
	if len(list.Predictions) != 2 {
		t.Errorf("search for a word: %d results, want 2 (%s)", len(list.Predictions), rec.Body)
	}
	if rec := ta.do(http.MethodGet, "/v1/predictions?q=Xq7z", key, nil); strings.Contains(rec.Body.String(), "pred_") {
		t.Errorf("a prefix matched; the blind index matches whole words only")
	}
	ta.Store.Close() // flush WAL into the files we read
	for _, name := range []string{"samo.db", "samo.db-wal"} {
		b, err := os.ReadFile(filepath.Join(ta.dataDir, name))
		if name == "samo.db-wal" && errors.Is(err, fs.ErrNotExist) {
			continue // checkpointed into samo.db on close
		}
		if err != nil {
			t.Fatalf("cannot check %s for plaintext: %v", name, err)
		}
		if name == "samo.db" && !bytes.Contains(b, []byte("SQLite format 3")) {
			t.Fatalf("%s (%d bytes) is not the database the predictions went to", name, len(b))
		}
		for _, needle := range []string{"Xq7zK9", "canary", "terrified"} {
			if bytes.Contains(b, []byte(needle)) {
				t.Errorf("%s contains plaintext %q", name, needle)
			}
		}
	}
}

func TestBatch(t *testing.T) {
	ta := newTestApp(t, nil)
	key := ta.key("jo", rbac.RoleUser)
	rec := ta.do(http.MethodPost, "/v1/predict/batch", key, map[string]any{"texts": []string{"a fine day", "", "<script>x</script>", "terrified"}})
	if rec.Code != 200 {
		t.Fatalf("batch: %d %s", rec.Code, rec.Body)
	}
	var out struct {
		Succeeded, Failed int
		Results           []struct {
			Index      int
			Prediction *struct {
				PrimaryEmotion string `json:"primary_emotion"`
			}
			Error *struct{ Code string }
		}
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	if out.Succeeded != 2 || out.Failed != 2 || out.Results[3].Prediction == nil || out.Results[3].Prediction.PrimaryEmotion != "fear" {
		t.Errorf("batch result = %+v", out)
	}
	texts := make([]string, 101)
	for i := range texts {
		texts[i] = fmt.Sprintf("text %d", i)
	}
	if rec := ta.do(http.MethodPost, "/v1/predict/batch", key, map[string]any{"texts": texts}); rec.Code != 400 {
		t.Errorf("101 texts: %d, want 400", rec.Code)
	}
}

func TestAdminKeyRotationOverHTTP(t *testing.T) {
	ta := newTestApp(t, map[string]string{"API_KEY_BACKUP_COUNT": "1"})
	admin := ta.key("boss", rbac.RoleAdmin)
	rec := ta.do(http.MethodPost, "/v1/admin/keys", admin, map[string]any{"user": "kim", "role": "user"})
	if rec.Code != 201 {
		t.Fatalf("create key: %d %s", rec.Code, rec.Body)
	}
	var k1 struct{ ID, Key string }
	_ = json.Unmarshal(rec.Body.Bytes(), &k1)
	rec = ta.do(http.MethodPost, "/v1/admin/keys/"+k1.ID+"/rotate", admin, map[string]any{"grace": "1h"})
	var k2 struct{ ID, Key string }
	_ = json.Unmarshal(rec.Body.Bytes(), &k2)
	if rec.Code != 201 || k2.Key == "" {
		t.Fatalf("rotate: %d %s", rec.Code, rec.Body)
	}
	if rec := ta.do(http.MethodGet, "/v1/predictions", k1.Key, nil); rec.Code != 200 {
		t.Errorf("old key in grace: %d", rec.Code)
	}
	rec = ta.do(http.MethodPost, "/v1/admin/keys/"+k2.ID+"/rotate", admin, map[string]any{"grace": "1h"})
	var k3 struct{ ID, Key string }
	_ = json.Unmarshal(rec.Body.Bytes(), &k3)
	// No wait for the key cache: Rotate drops the whole rotation chain from
	// this process's cache, so the expiry applies at once.
	if rec := ta.do(http.MethodGet, "/v1/predictions", k1.Key, nil); rec.Code != 401 {
		t.Errorf("first key beyond API_KEY_BACKUP_COUNT=1: %d, want 401", rec.Code)
	}
	if rec := ta.do(http.MethodGet, "/v1/predictions", k2.Key, nil); rec.Code != 200 {
		t.Errorf("second key (the one backup): %d, want 200", rec.Code)
	}
	if rec := ta.do(http.MethodDelete, "/v1/admin/keys/"+k3.ID, admin, nil); rec.Code != 204 {
		t.Errorf("revoke: %d", rec.Code)
	}
	if rec := ta.do(http.MethodGet, "/v1/predictions", k3.Key, nil); rec.Code != 401 {
		t.Errorf("revoked key: %d, want 401 at once", rec.Code)
	}
	if rec := ta.do(http.MethodPost, "/v1/admin/keys", admin, map[string]any{"user": "kim", "role": "admin"}); rec.Code != 400 {
		t.Errorf("creating a key that would change kim's role: %d, want 400", rec.Code)
	}
}

func TestHealthAndReady(t *testing.T) {
	ta := newTestApp(t, nil)
	if rec := ta.do(http.MethodGet, "/health", "", nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"status":"ok"`) {
		t.Errorf("/health: %d %s", rec.Code, rec.Body)
	}
	if rec := ta.do(http.MethodGet, "/ready", "", nil); rec.Code != 200 {
		t.Errorf("/ready: %d %s", rec.Code, rec.Body)
	}
	ta.Store.Close()
	if rec := ta.do(http.MethodGet, "/ready", "", nil); rec.Code != 503 {
		t.Errorf("/ready with the store closed: %d, want 503", rec.Code)
	}
}

func TestOnlineKeyRotationOverHTTP(t *testing.T) {
	ta := newTestApp(t, nil)
	user := ta.key("nia", rbac.RoleUser)
	admin := ta.key("ops", rbac.RoleAdmin)
	var ids []string
	for i := 0; i < 20; i++ {
		rec := ta.do(http.MethodPost, "/v1/predict", user, map[string]any{"text": fmt.Sprintf("entry number %d", i)})
		var p struct{ ID string }
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		ids = append(ids, p.ID)
	}
	before := ta.Keyring.Active().ID
	if rec := ta.do(http.MethodPost, "/v1/admin/crypto/rotate", admin, nil); rec.Code != 202 {
		t.Fatalf("start rotation: %d %s", rec.Code, rec.Body)
	}
	if rec := ta.do(http.MethodPost, "/v1/admin/crypto/rotate", admin, nil); rec.Code != 409 {
		t.Errorf("second concurrent rotation: %d, want 409", rec.Code)
	}
	deadline := time.Now().Add(20 * time.Second)
	var st struct {
		Running  bool
		Progress struct{ Phase string }
	}
	for time.Now().Before(deadline) {
		_ = json.Unmarshal(ta.do(http.MethodGet, "/v1/admin/crypto/rotation", admin, nil).Body.Bytes(), &st)
		if !st.Running && st.Progress.Phase == "done" {
			break
		}
		ta.do(http.MethodPost, "/v1/predict", user, map[string]any{"text": "written during the rotation"})
		time.Sleep(20 * time.Millisecond)
	}
	if st.Progress.Phase != "done" {
		t.Fatalf("rotation did not finish: %+v", st)
	}
	// The live keyring reloads every 20 ms here; wait for it (the bound is
	// a generous 10 s, 500x the interval: a deadline, not a speed check).
	for wait := time.Now().Add(10 * time.Second); ta.Keyring.Active().ID == before && time.Now().Before(wait); {
		time.Sleep(5 * time.Millisecond)
	}
	after := ta.Keyring.Active().ID
	if after == before {
		t.Fatal("active key unchanged 10 s after the rotation finished")
	}
	counts, err := ta.Store.CountSealed(context.Background())
	if err != nil {
		t.Fatalf("CountSealed: %v", err)
	}
	if counts[before] != 0 {
		t.Errorf("%d values still under the old key", counts[before])
	}
	if counts[after] < len(ids) {
		t.Errorf("%d values under the new key %s, want at least the %d predictions (counts %v)", counts[after], after, len(ids), counts)
	}
	for i, id := range ids {
		rec := ta.do(http.MethodGet, "/v1/predictions/"+id, user, nil)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), fmt.Sprintf("entry number %d", i)) {
			t.Fatalf("prediction %s after rotation: %d %s", id, rec.Code, rec.Body)
		}
	}
}

func TestFeedback(t *testing.T) {
	ta := newTestApp(t, nil)
	user := ta.key("olga", rbac.RoleUser)
	admin := ta.key("chief", rbac.RoleAdmin)
	rec := ta.do(http.MethodPost, "/v1/predict", user, map[string]any{"text": "what a day"})
	var p struct{ ID string }
	_ = json.Unmarshal(rec.Body.Bytes(), &p)
	if rec := ta.do(http.MethodPost, "/v1/feedback", user, map[string]any{"prediction_id": p.ID, "labels": []string{"joy"}}); rec.Code != 403 {
		t.Errorf("user feedback (no write_metrics): %d, want 403", rec.Code)
	}
	if rec := ta.do(http.MethodPost, "/v1/feedback", admin, map[string]any{"prediction_id": p.ID, "labels": []string{"joy"}}); rec.Code != 201 {
		t.Errorf("admin feedback: %d %s", rec.Code, rec.Body)
	}
	if rec := ta.do(http.MethodPost, "/v1/feedback", admin, map[string]any{"prediction_id": p.ID, "labels": []string{"smugness"}}); rec.Code != 400 {
		t.Errorf("unknown label: %d, want 400", rec.Code)
	}
	if rec := ta.do(http.MethodPost, "/v1/feedback", admin, map[string]any{"prediction_id": "pred_nope", "labels": []string{"joy"}}); rec.Code != 404 {
		t.Errorf("unknown prediction: %d, want 404", rec.Code)
	}
}
