package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/testpki"
)

// writeClientPair writes a client certificate (CN samo) valid until
// notAfter and its key (0600) and returns their paths and the key's PEM.
func writeClientPair(t *testing.T, notAfter time.Time) (certFile, keyFile, keyPEM string) {
	t.Helper()
	cert, key := testpki.NewCA(t).IssueClient(t, notAfter, "samo")
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key")
	if err := os.WriteFile(certFile, cert, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, string(key)
}

// statusOf returns the status words of the lines named name whose reason
// starts with prefix.
func statusOf(out, name, prefix string) string {
	var got []string
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 3 && f[1] == name && strings.HasPrefix(strings.Join(f[2:], " "), prefix) {
			got = append(got, f[0])
		}
	}
	return strings.Join(got, ",")
}

// TestCheckBackendAuth: `samo check` says how SAMO authenticates to each
// configured backend: a client certificate passes, a password in the URL
// warns in production naming V13.2.1 and the two variables; the client
// certificate's expiry is a FAIL when past and a WARN within 14 days; no
// password or key is printed.
func TestCheckBackendAuth(t *testing.T) {
	const pw = "Backend-Passw0rd-never-printed"
	cert, key, keyPEM := writeClientPair(t, time.Now().Add(200*24*time.Hour))
	soon, soonKey, _ := writeClientPair(t, time.Now().Add(10*24*time.Hour))
	old, oldKey, _ := writeClientPair(t, time.Now().Add(-time.Hour))
	const (
		pgPassword = "postgres://samo:" + pw + "@127.0.0.1:1/samo?sslmode=verify-full&connect_timeout=1"
		pgCert     = "postgres://samo@127.0.0.1:1/samo?sslmode=verify-full&connect_timeout=1"
		redisPass  = "rediss://:" + pw + "@127.0.0.1:1/0"
		redisCert  = "rediss://127.0.0.1:1/0"
		model      = "https://model.internal/predict"
	)
	tests := []struct {
		name       string
		level      string
		env        map[string]string
		want       map[string]string // reason prefix of a backend_auth line → status
		certStatus string            // backend_client_cert status, "" = no line
	}{
		{"passwords in production", "production",
			map[string]string{"DATABASE_URL": pgPassword, "REDIS_URL": redisPass, "MODEL_BACKEND_URL": model},
			map[string]string{"PostgreSQL: password": "WARN", "Redis: password": "WARN", "the model server: SAMO presents no credential": "WARN"}, ""},
		{"passwords in development", "development",
			map[string]string{"DATABASE_URL": pgPassword, "REDIS_URL": redisPass},
			map[string]string{"PostgreSQL: password": "PASS", "Redis: password": "PASS"}, ""},
		{"client certificate", "production",
			map[string]string{"DATABASE_URL": pgCert, "REDIS_URL": redisCert, "MODEL_BACKEND_URL": model, "BACKEND_CLIENT_CERT_FILE": cert, "BACKEND_CLIENT_KEY_FILE": key},
			map[string]string{"PostgreSQL: client certificate": "PASS", "Redis: client certificate": "PASS", "the model server: client certificate": "PASS"}, "PASS"},
		{"certificate and password", "production",
			map[string]string{"REDIS_URL": redisPass, "BACKEND_CLIENT_CERT_FILE": cert, "BACKEND_CLIENT_KEY_FILE": key},
			map[string]string{"Redis: client certificate, and a password": "WARN"}, "PASS"},
		{"certificate expiring soon", "production",
			map[string]string{"REDIS_URL": redisCert, "BACKEND_CLIENT_CERT_FILE": soon, "BACKEND_CLIENT_KEY_FILE": soonKey},
			map[string]string{"Redis: client certificate": "PASS"}, "WARN"},
		{"expired certificate", "production",
			map[string]string{"REDIS_URL": redisCert, "BACKEND_CLIENT_CERT_FILE": old, "BACKEND_CLIENT_KEY_FILE": oldKey},
			map[string]string{"Redis: client certificate": "PASS"}, "FAIL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := goodEnv(t, "")
			env["SECURITY_LEVEL"] = tc.level
			for k, v := range tc.env {
				env[k] = v
			}
			_, out, errOut := runSamo(t, env, "check", "--offline")
			for prefix, want := range tc.want {
				if got := statusOf(out, "backend_auth", prefix); got != want {
					t.Errorf("backend_auth %q = %q, want %s\n%s%s", prefix, got, want, out, errOut)
				}
			}
			if got := statusOf(out, "backend_client_cert", ""); got != tc.certStatus {
				t.Errorf("backend_client_cert = %q, want %q\n%s", got, tc.certStatus, out)
			}
			if tc.certStatus != "" && statusOf(out, "backend_client_key", "") != "PASS" {
				t.Errorf("backend_client_key (0600) is not PASS\n%s", out)
			}
			if strings.Contains(tc.env["REDIS_URL"], pw) && tc.level == "production" {
				for _, w := range []string{"V13.2.1", "BACKEND_CLIENT_CERT_FILE", "BACKEND_CLIENT_KEY_FILE"} {
					if !strings.Contains(out, w) {
						t.Errorf("the warning does not name %s\n%s", w, out)
					}
				}
			}
			keyLine := strings.Split(strings.TrimSpace(keyPEM), "\n")[1]
			if strings.Contains(out+errOut, pw) || strings.Contains(out+errOut, keyLine) {
				t.Errorf("check output shows a password or the key\n%s%s", out, errOut)
			}
		})
	}
}
