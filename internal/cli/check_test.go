package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/alert"
	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/store"
	"github.com/samo-brain/samo/internal/testpki"
	"github.com/samo-brain/samo/internal/users"
)

// writeCert writes a certificate for samo.test and its key (0600), valid
// until notAfter.
func writeCert(t *testing.T, dir string, notAfter time.Time) (certFile, keyFile string) {
	t.Helper()
	cert, key := testpki.NewCA(t).Issue(t, notAfter, "samo.test")
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, cert, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func randomSecret(t *testing.T) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// goodEnv is a production configuration that should pass every check.
func goodEnv(t *testing.T, webhook string) map[string]string {
	t.Helper()
	root := t.TempDir()
	data := filepath.Join(root, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	cert, key := writeCert(t, root, time.Now().Add(200*24*time.Hour))
	return map[string]string{
		"SECURITY_LEVEL": "production", "JWT_SECRET_KEY": randomSecret(t), "ENCRYPTION_KEY": randomSecret(t),
		"SECURITY_ALERT_SECRET": randomSecret(t), "SECURITY_ALERT_WEBHOOK": webhook, "SECURITY_ALERT_ALLOW_PRIVATE": "true",
		"TLS_CERT_FILE": cert, "TLS_KEY_FILE": key, "HTTPS_REQUIRED": "true", "SAMO_DATA_DIR": data,
		"METRICS_ADDR": "127.0.0.1:9464",
	}
}

func runSamo(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	stdio := IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }}
	code := Main(context.Background(), args, stdio)
	return code, out.String(), errOut.String()
}

// lines maps each check name to its status word(s) from the text output.
func lines(t *testing.T, out string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(l)
		if len(f) < 3 {
			t.Fatalf("line %q is not STATUS NAME REASON", l)
		}
		if f[0] != "PASS" && f[0] != "WARN" && f[0] != "FAIL" {
			t.Fatalf("line %q has status %q", l, f[0])
		}
		got[f[1]] += f[0]
	}
	return got
}

func TestCheckFailsOnWeakConfiguration(t *testing.T) {
	data := t.TempDir()
	if err := os.Chmod(data, 0o755); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"SECURITY_LEVEL": "production", "JWT_SECRET_KEY": "changeme", "ENCRYPTION_KEY": "short-key",
		"ENABLE_RATE_LIMITING": "false", "HTTPS_REQUIRED": "false", "SAMO_DATA_DIR": data,
		"SECURITY_ALERT_WEBHOOK": "http://127.0.0.1:9/hook", "SECURITY_LOGGING_ENABLED": "false",
	}
	code, out, errOut := runSamo(t, env, "check")
	if code != 1 {
		t.Fatalf("samo check = %d, want 1\n%s%s", code, out, errOut)
	}
	got := lines(t, out)
	for _, name := range []string{"jwt_secret_key", "encryption_key", "alert_signing", "https", "https_required", "rate_limiting",
		"security_log", "data_dir", "alert_webhook", "alert_reachable"} {
		if !strings.Contains(got[name], "FAIL") {
			t.Errorf("%s = %q, want FAIL", name, got[name])
		}
	}
	if strings.Contains(out, "changeme") || strings.Contains(out, "short-key") {
		t.Error("check output contains a secret value")
	}
	if !strings.Contains(errOut, "failed") {
		t.Errorf("stderr %q does not say checks failed", errOut)
	}
}

func TestCheckPassesOnGoodConfiguration(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusMethodNotAllowed) }))
	defer srv.Close()
	env := goodEnv(t, srv.URL+"/hook")
	code, out, errOut := runSamo(t, env, "check")
	if code != 0 {
		t.Fatalf("samo check = %d, want 0\n%s%s", code, out, errOut)
	}
	got := lines(t, out)
	for name, st := range got {
		if strings.Contains(st, "FAIL") {
			t.Errorf("%s failed on a good configuration", name)
		}
	}
	for _, name := range []string{"security_level", "jwt_secret_key", "encryption_key", "alert_secret", "https", "https_required",
		"tls_key_file", "input_limits", "cors", "authentication", "rbac", "rate_limiting", "security_log", "alert_webhook",
		"alert_signing", "security_reports", "data_dir", "secrets_file", "metrics"} {
		if got[name] != "PASS" {
			t.Errorf("%s = %q, want PASS", name, got[name])
		}
	}
	// Honest about what cannot be checked from here.
	for _, name := range []string{"dependencies", "backups"} {
		if got[name] != "WARN" {
			t.Errorf("%s = %q, want WARN", name, got[name])
		}
	}
	// The test server's certificate is not trusted by the real client: a warning, not a failure.
	if got["alert_reachable"] != "WARN" {
		t.Errorf("alert_reachable = %q, want WARN (untrusted certificate)", got["alert_reachable"])
	}

	code, out, _ = runSamo(t, env, "check", "--json", "--offline")
	var doc struct {
		OK     bool          `json:"ok"`
		Fail   int           `json:"fail"`
		Checks []checkResult `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || !doc.OK || doc.Fail != 0 || len(doc.Checks) < 20 {
		t.Errorf("--json: code %d, %v, %+v", code, err, doc)
	}
	for _, c := range doc.Checks {
		if c.Name == "alert_reachable" {
			t.Error("--offline still probed the webhook")
		}
	}
}

func statuses(rs []checkResult) map[string]string {
	out := map[string]string{}
	for _, r := range rs {
		out[r.Name] += r.Status
	}
	return out
}

func TestCheckDetails(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	getenv := func(env map[string]string) IO { return IO{Getenv: func(k string) string { return env[k] }} }
	now := time.Now()

	t.Run("reachable webhook with a trusted certificate", func(t *testing.T) {
		env := goodEnv(t, srv.URL+"/hook")
		got := statuses(evaluate(context.Background(), getenv(env), checkOptions{probe: srv.Client()}))
		if got["alert_reachable"] != checkPass {
			t.Errorf("alert_reachable = %q, want pass", got["alert_reachable"])
		}
	})
	t.Run("expired and expiring certificates", func(t *testing.T) {
		env := goodEnv(t, srv.URL+"/hook")
		for _, c := range []struct {
			notAfter time.Time
			want     string
		}{{now.Add(-time.Hour), checkFail}, {now.Add(10 * 24 * time.Hour), checkWarn}} {
			dir := t.TempDir()
			env["TLS_CERT_FILE"], env["TLS_KEY_FILE"] = writeCert(t, dir, c.notAfter)
			if got := statuses(evaluate(context.Background(), getenv(env), checkOptions{offline: true}))["https"]; got != c.want {
				t.Errorf("certificate until %v: https = %q, want %q", c.notAfter, got, c.want)
			}
		}
	})
	t.Run("token lifetimes", func(t *testing.T) {
		env := goodEnv(t, srv.URL+"/hook")
		for _, c := range []struct {
			maxAge, want, text string
		}{
			{"", checkPass, "refresh tokens 720h each within a family of at most 2160h"},
			{"8760h", checkPass, "within a family of at most 8760h"},
			{"8761h", checkWarn, "REFRESH_FAMILY_MAX_AGE over a year"},
		} {
			env["REFRESH_FAMILY_MAX_AGE"] = c.maxAge
			for _, r := range evaluate(context.Background(), getenv(env), checkOptions{offline: true}) {
				if r.Name == "authentication" && (r.Status != c.want || !strings.Contains(r.Reason, c.text)) {
					t.Errorf("REFRESH_FAMILY_MAX_AGE=%q: authentication = %s %q, want %s saying %q", c.maxAge, r.Status, r.Reason, c.want, c.text)
				}
			}
		}
	})
	t.Run("dashboard second factor", func(t *testing.T) {
		env := goodEnv(t, srv.URL+"/hook")
		for _, c := range []struct{ value, want string }{{"", checkPass}, {"true", checkPass}, {"false", checkWarn}} {
			env["DASHBOARD_REQUIRE_TOTP"] = c.value
			if got := statuses(evaluate(context.Background(), getenv(env), checkOptions{offline: true}))["dashboard_mfa"]; got != c.want {
				t.Errorf("production with DASHBOARD_REQUIRE_TOTP=%q: dashboard_mfa = %q, want %q", c.value, got, c.want)
			}
		}
	})
	t.Run("weak alert secret", func(t *testing.T) {
		env := goodEnv(t, srv.URL+"/hook")
		env["SECURITY_ALERT_SECRET"] = strings.Repeat("ab", 20)
		got := statuses(evaluate(context.Background(), getenv(env), checkOptions{offline: true}))
		if got["alert_secret"] != checkFail || got["alert_signing"] != "" {
			t.Errorf("alert_secret = %q, alert_signing = %q; want fail and no second line", got["alert_secret"], got["alert_signing"])
		}
	})
	t.Run("readable key and secrets files", func(t *testing.T) {
		env := goodEnv(t, srv.URL+"/hook")
		if err := os.Chmod(env["TLS_KEY_FILE"], 0o644); err != nil {
			t.Fatal(err)
		}
		if got := statuses(evaluate(context.Background(), getenv(env), checkOptions{offline: true}))["tls_key_file"]; got != checkFail {
			t.Errorf("world-readable TLS key: %q, want fail", got)
		}
	})
	t.Run("store state: old keys, open incidents, dead alerts", func(t *testing.T) {
		env := goodEnv(t, srv.URL+"/hook")
		ctx := context.Background()
		st, err := store.Open(ctx, "", env["SAMO_DATA_DIR"], store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		old := now.Add(-40 * 24 * time.Hour)
		if err := st.CreateUser(ctx, users.User{ID: "usr_check", Name: "check", Role: rbac.RoleUser, CreatedAt: old}); err != nil {
			t.Fatal(err)
		}
		k := apikey.Key{ID: "key_old", UserID: "usr_check", Hash: bytes.Repeat([]byte{7}, 32), Prefix: "abcdefgh", CreatedAt: old,
			Status: apikey.StatusActive, Lineage: "key_old"}
		if err := st.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		svc := incident.NewService(incident.Deps{Store: st})
		if _, err := svc.Open(ctx, incident.OpenRequest{Type: "x", Severity: secevent.Critical, Description: "d"}, "alice"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.EnqueueAlert(ctx, alert.Entry{ID: "a1", Kind: alert.KindEvent, Payload: []byte("{}"), CreatedAt: now, NextAt: now}, 0); err != nil {
			t.Fatal(err)
		}
		if err := st.MarkAlertFailed(ctx, "a1", 0, "status 500", now, true, now); err != nil {
			t.Fatal(err)
		}
		st.Close()
		got := statuses(evaluate(ctx, getenv(env), checkOptions{offline: true}))
		for _, name := range []string{"key_rotation", "incidents", "alert_outbox"} {
			if got[name] != checkWarn {
				t.Errorf("%s = %q, want warn", name, got[name])
			}
		}
		if got["database_file"] != checkPass {
			t.Errorf("database_file = %q, want pass (0600)", got["database_file"])
		}
	})
}
