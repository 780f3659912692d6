package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestInitProductionNeedsOnlyTheStore: in production `samo init` migrates
// with only what opening the store needs. No JWT_SECRET_KEY(_FILE),
// ENCRYPTION_KEY(_FILE), SECURITY_ALERT_SECRET(_FILE), TLS or
// HTTPS_REQUIRED is demanded, and none that is set is read: a missing,
// unsafe or weak one changes nothing. It generates no secret.
func TestInitProductionNeedsOnlyTheStore(t *testing.T) {
	dir := t.TempDir()
	unsafe := filepath.Join(dir, "alert_secret")
	if err := os.WriteFile(unsafe, []byte(strings.Repeat("a", 40)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(unsafe, 0o666); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		extra map[string]string
	}{
		{"nothing else", nil},
		{"the server's settings are not read", map[string]string{
			"JWT_SECRET_KEY_FILE":        filepath.Join(dir, "missing"),
			"SECURITY_ALERT_SECRET_FILE": unsafe,
			"ENCRYPTION_KEY":             "changeme",
			"HTTPS_REQUIRED":             "false",
			"SAMO_ADDR":                  "not an address",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			env := map[string]string{"SECURITY_LEVEL": "production", "SAMO_DATA_DIR": data}
			for k, v := range tc.extra {
				env[k] = v
			}
			out, e, code := runCLI(t, env, "init", "--json")
			if code != 0 {
				t.Fatalf("init in production without the server's secrets: exit %d: %s", code, e)
			}
			var res struct {
				Database  string   `json:"database"`
				Generated []string `json:"generated"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil || res.Database != "sqlite" || len(res.Generated) != 0 {
				t.Errorf("init --json = %q (%v); want the sqlite database, nothing generated", out, err)
			}
			if _, err := os.Stat(filepath.Join(data, "samo.db")); err != nil {
				t.Errorf("no database created: %v", err)
			}
			if _, err := os.Stat(filepath.Join(data, "secrets.env")); !os.IsNotExist(err) {
				t.Errorf("production init wrote secrets.env (%v)", err)
			}
		})
	}
}

// TestInitProductionRefuses: what init reads keeps production's rules. A
// DATABASE_URL that could reach PostgreSQL unencrypted or unverified, a
// group-writable DATABASE_URL_FILE or client key, an expired client
// certificate, a missing CA file are refused, naming the variable, before
// anything is created or connected.
func TestInitProductionRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	expiredCert, expiredKey, _ := writeClientPair(t, time.Now().Add(-time.Hour))
	cert, key, keyPEM := writeClientPair(t, time.Now().Add(24*time.Hour))
	tests := []struct {
		name, variable, reason string
		env                    map[string]string
		unix                   bool // file modes: not on Windows
	}{
		{"plaintext DATABASE_URL", "DATABASE_URL", "sslmode=verify-full",
			map[string]string{"DATABASE_URL": "postgres://samo_owner@db.invalid:5432/samo"}, false},
		{"unverified DATABASE_URL", "DATABASE_URL", "sslmode=verify-full",
			map[string]string{"DATABASE_URL": "postgres://samo_owner@db.invalid:5432/samo?sslmode=require"}, false},
		{"group-writable DATABASE_URL_FILE", "DATABASE_URL", "writable",
			map[string]string{"DATABASE_URL_FILE": write("database_url", "postgres://samo_owner@db.invalid/samo?sslmode=verify-full", 0o664)}, true},
		{"expired client certificate", "BACKEND_CLIENT_CERT_FILE", "expired",
			map[string]string{"BACKEND_CLIENT_CERT_FILE": expiredCert, "BACKEND_CLIENT_KEY_FILE": expiredKey}, false},
		{"group-writable client key", "BACKEND_CLIENT_KEY_FILE", "writable",
			map[string]string{"BACKEND_CLIENT_CERT_FILE": cert, "BACKEND_CLIENT_KEY_FILE": write("client.key", keyPEM, 0o620)}, true},
		{"client key without its certificate", "BACKEND_CLIENT_CERT_FILE", "set together",
			map[string]string{"BACKEND_CLIENT_KEY_FILE": key}, false},
		{"missing CA file", "BACKEND_CA_FILE", "missing-ca.pem",
			map[string]string{"BACKEND_CA_FILE": filepath.Join(dir, "missing-ca.pem")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.unix && runtime.GOOS == "windows" {
				t.Skip("file modes")
			}
			data := filepath.Join(t.TempDir(), "data")
			env := map[string]string{"SECURITY_LEVEL": "production", "SAMO_DATA_DIR": data}
			for k, v := range tt.env {
				env[k] = v
			}
			out, e, code := runCLI(t, env, "init")
			if code == 0 {
				t.Fatalf("init: exit 0 (%s); want %s refused", out, tt.variable)
			}
			if !strings.Contains(e, tt.variable+":") || !strings.Contains(e, tt.reason) {
				t.Errorf("stderr %q; want %s refused (%q)", e, tt.variable, tt.reason)
			}
			if strings.Contains(e, "BEGIN") {
				t.Errorf("stderr quotes key material: %q", e)
			}
			if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Errorf("a refused init created %s (%v)", data, err)
			}
		})
	}
}

// TestInitDevelopmentGeneratesSecrets: in development init still loads
// the whole configuration and generates the local secrets the operator did
// not set, and only those.
func TestInitDevelopmentGeneratesSecrets(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"SAMO_DATA_DIR": data, "ENCRYPTION_KEY": strings.Repeat("k", 32) + "0123456789"}
	out, e, code := runCLI(t, env, "init", "--json")
	if code != 0 {
		t.Fatalf("init: exit %d: %s", code, e)
	}
	var res struct{ Generated []string }
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	slices.Sort(res.Generated)
	if want := []string{"JWT_SECRET_KEY", "SECURITY_ALERT_SECRET"}; !slices.Equal(res.Generated, want) {
		t.Errorf("generated %v, want %v (ENCRYPTION_KEY is set)", res.Generated, want)
	}
	if fi, err := os.Stat(filepath.Join(data, "secrets.env")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("secrets.env: %v; want mode 0600", err)
	}
	// A problem in a setting only the server uses is still reported in
	// development, where init reads everything.
	env["SAMO_ADDR"] = "not an address"
	if _, e, code := runCLI(t, env, "init"); code == 0 || !strings.Contains(e, "SAMO_ADDR") {
		t.Errorf("development init with a bad SAMO_ADDR: exit %d %q; want it refused", code, e)
	}
}
