package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/testpki"
)

// TestBackendClientCert: BACKEND_CLIENT_CERT_FILE and
// BACKEND_CLIENT_KEY_FILE load as a pair, set together; one without the
// other, a missing or unsafe key file, a key of another certificate, a
// server-only certificate and (in production) an expired certificate are
// refused, and no error quotes the key.
func TestBackendClientCert(t *testing.T) {
	dir := isolate(t)
	ca := testpki.NewCA(t)
	write := func(name string, b []byte, mode os.FileMode) string {
		path := filepath.Join(dir, name)
		writeFile(t, path, string(b), mode)
		return path
	}
	certPEM, keyPEM := ca.IssueClient(t, time.Now().Add(30*24*time.Hour), "samo")
	cert, key := write("client.pem", certPEM, 0o644), write("client.key", keyPEM, 0o600)
	_, otherKeyPEM := ca.IssueClient(t, time.Now().Add(time.Hour), "samo")
	otherKey := write("other.key", otherKeyPEM, 0o600)
	expiredPEM, expiredKeyPEM := ca.IssueClient(t, time.Now().Add(-time.Hour), "samo")
	expired, expiredKey := write("expired.pem", expiredPEM, 0o644), write("expired.key", expiredKeyPEM, 0o600)
	serverPEM, serverKeyPEM := ca.Issue(t, time.Now().Add(time.Hour), "samo")
	server, serverKey := write("server.pem", serverPEM, 0o644), write("server.key", serverKeyPEM, 0o600)
	writableKey := write("writable.key", keyPEM, 0o622)
	keyBodies := []string{string(keyPEM), string(otherKeyPEM), string(expiredKeyPEM), string(serverKeyPEM)}

	tests := []struct {
		name      string
		cert, key string
		level     string
		problem   string // variable named, "" = loads
		kind      error
	}{
		{"pair", cert, key, LevelDevelopment, "", nil},
		{"pair in production", cert, key, LevelProduction, "", nil},
		{"certificate only", cert, "", LevelDevelopment, "BACKEND_CLIENT_KEY_FILE", ErrInvalidValue},
		{"key only", "", key, LevelDevelopment, "BACKEND_CLIENT_CERT_FILE", ErrInvalidValue},
		{"key of another certificate", cert, otherKey, LevelDevelopment, "BACKEND_CLIENT_CERT_FILE", ErrInvalidValue},
		{"files swapped", key, cert, LevelDevelopment, "BACKEND_CLIENT_CERT_FILE", ErrInvalidValue},
		{"missing key", cert, filepath.Join(dir, "missing.key"), LevelDevelopment, "BACKEND_CLIENT_KEY_FILE", ErrMissingFile},
		{"missing certificate", filepath.Join(dir, "missing.pem"), key, LevelDevelopment, "BACKEND_CLIENT_CERT_FILE", ErrMissingFile},
		{"server certificate", server, serverKey, LevelDevelopment, "BACKEND_CLIENT_CERT_FILE", ErrInvalidValue},
		{"expired in production", expired, expiredKey, LevelProduction, "BACKEND_CLIENT_CERT_FILE", ErrInsecureProduction},
		{"expired in development", expired, expiredKey, LevelDevelopment, "", nil},
	}
	if runtime.GOOS != "windows" {
		tests = append(tests, struct {
			name      string
			cert, key string
			level     string
			problem   string
			kind      error
		}{"key writable by others", cert, writableKey, LevelDevelopment, "BACKEND_CLIENT_KEY_FILE", ErrUnsafePermissions})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"BACKEND_CLIENT_CERT_FILE": tc.cert, "BACKEND_CLIENT_KEY_FILE": tc.key}
			if tc.level == LevelProduction {
				env = goodProduction(t, dir)
				env["BACKEND_CLIENT_CERT_FILE"], env["BACKEND_CLIENT_KEY_FILE"] = tc.cert, tc.key
			}
			cfg, err := Load(envMap(env), nil)
			if tc.problem == "" {
				if err != nil {
					t.Fatalf("Load: %v, want no problem", err)
				}
				got := cfg.BackendClientCert()
				if got == nil || got.Leaf == nil || got.Leaf.Subject.CommonName != "samo" {
					t.Fatalf("BackendClientCert = %v, want the pair with its leaf (CN samo)", got)
				}
				if tc.cert == expired && !strings.Contains(strings.Join(cfg.Warnings, "\n"), "BACKEND_CLIENT_CERT_FILE") {
					t.Errorf("an expired certificate in development gives no warning: %q", cfg.Warnings)
				}
				return
			}
			if !hasProblem(err, tc.problem, tc.kind) {
				t.Errorf("Load: %v, want a %v problem naming %s", err, tc.kind, tc.problem)
			}
			if err == nil {
				return
			}
			msg := err.Error()
			if tc.cert == "" || tc.key == "" {
				for _, v := range []string{"BACKEND_CLIENT_CERT_FILE", "BACKEND_CLIENT_KEY_FILE"} {
					if !strings.Contains(msg, v) {
						t.Errorf("error %q does not name %s", msg, v)
					}
				}
			}
			for _, body := range keyBodies {
				if k := strings.Split(strings.TrimSpace(body), "\n")[1]; strings.Contains(msg, k) {
					t.Errorf("error quotes the private key: %q", msg)
				}
			}
		})
	}
	cfg, err := Load(envMap(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BackendClientCert() != nil {
		t.Errorf("BackendClientCert without the settings = %v, want nil", cfg.BackendClientCert())
	}
}
