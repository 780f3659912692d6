package cli

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serverOnly is what none of the one-off commands' profiles reads, each
// missing, unsafe, weak or insecure for production: a command that read
// any of them would refuse to run.
func serverOnly(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	unsafe := filepath.Join(dir, "alert_secret")
	if err := os.WriteFile(unsafe, []byte(strings.Repeat("a", 40)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(unsafe, 0o666); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"JWT_SECRET_KEY_FILE":        filepath.Join(dir, "missing"),
		"SECURITY_ALERT_SECRET_FILE": unsafe,
		"ENCRYPTION_KEY":             "changeme",
		"HTTPS_REQUIRED":             "false",
		"SAMO_ADDR":                  "not an address",
		"ALLOWED_ORIGINS":            "*",
	}
}

// with returns base with extra added ("" removes a variable).
func with(base map[string]string, extra ...map[string]string) map[string]string {
	out := maps.Clone(base)
	for _, m := range extra {
		for k, v := range m {
			if v == "" {
				delete(out, k)
			} else {
				out[k] = v
			}
		}
	}
	return out
}

// checkRefused runs args with env and wants a refusal naming variable.
func checkRefused(t *testing.T, env map[string]string, variable string, args ...string) {
	t.Helper()
	out, e, code := runCLI(t, env, args...)
	if code == 0 || !strings.Contains(e, variable+":") {
		t.Errorf("samo %s: exit %d, stdout %q, stderr %q; want %s refused", strings.Join(args, " "), code, out, e, variable)
	}
}

// TestAdminBootstrapProductionNeedsOnlyKeys: in production `samo admin
// bootstrap` creates the first admin with only config.ProfileKeys's
// settings: no JWT, encryption or alert secret, TLS or HTTPS_REQUIRED is
// demanded, and none that is set is read. What it reads keeps
// production's rules, and is used: API_KEY_LENGTH sets the key's length.
func TestAdminBootstrapProductionNeedsOnlyKeys(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	env := with(serverOnly(t), map[string]string{"SECURITY_LEVEL": "production", "SAMO_DATA_DIR": data, "API_KEY_LENGTH": "40"})
	out, e, code := runCLI(t, env, "admin", "bootstrap", "--json")
	if code != 0 {
		t.Fatalf("admin bootstrap in production without the server's secrets: exit %d: %s", code, e)
	}
	var res bootstrapResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || !res.Created {
		t.Fatalf("admin bootstrap --json = %q (%v); want created", out, err)
	}
	if want := len("samo_") + 40 + 6; len(res.Key) != want {
		t.Errorf("key of %d characters, want %d (API_KEY_LENGTH=40)", len(res.Key), want)
	}

	for _, tt := range []struct {
		variable string
		env      map[string]string
	}{
		{"API_KEY_LENGTH", map[string]string{"API_KEY_LENGTH": "10"}},
		{"REDIS_URL", map[string]string{"REDIS_URL": "redis://redis.invalid:6379/0"}},
		{"DATABASE_URL", map[string]string{"DATABASE_URL": "postgres://samo@db.invalid:5432/samo"}},
		{"DATABASE_URL", map[string]string{"DATABASE_URL_FILE": filepath.Join(t.TempDir(), "missing")}},
	} {
		fresh := filepath.Join(t.TempDir(), "data")
		checkRefused(t, with(env, map[string]string{"SAMO_DATA_DIR": fresh}, tt.env), tt.variable, "admin", "bootstrap")
		if _, err := os.Stat(fresh); !os.IsNotExist(err) {
			t.Errorf("a refused bootstrap (%s) created %s (%v)", tt.variable, fresh, err)
		}
	}
}
