package deploy

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/samo-brain/samo/internal/testdep"
)

// TestInternalTLSScript runs internal-tls.sh and checks what Go's verifier
// (SAMO's, through pgx and go-redis) makes of its output: each server
// certificate chains to the CA for its own name and for server use only,
// not for the other's name; each key matches its certificate; keys are
// 0600 and certificates 0644.
func TestInternalTLSScript(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		testdep.Missing(t, "openssl not installed")
	}
	dir := filepath.Join(t.TempDir(), "secrets")
	if out, err := exec.Command("sh", "internal-tls.sh", dir).CombinedOutput(); err != nil {
		t.Fatalf("internal-tls.sh: %v\n%s", err, out)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "internal_ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		t.Fatal("internal_ca.pem holds no certificate")
	}
	for _, host := range []string{"postgres", "redis"} {
		pair, err := tls.LoadX509KeyPair(filepath.Join(dir, host+"_tls.pem"), filepath.Join(dir, host+"_tls.key"))
		if err != nil {
			t.Fatalf("%s: key and certificate: %v", host, err)
		}
		leaf, err := x509.ParseCertificate(pair.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		opts := x509.VerifyOptions{Roots: roots, DNSName: host, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		if _, err := leaf.Verify(opts); err != nil {
			t.Errorf("%s certificate does not verify for %s: %v", host, host, err)
		}
		opts.DNSName = map[string]string{"postgres": "redis", "redis": "postgres"}[host]
		if _, err := leaf.Verify(opts); err == nil {
			t.Errorf("%s certificate verifies for %s too", host, opts.DNSName)
		}
		if leaf.IsCA {
			t.Errorf("%s certificate is a CA", host)
		}
	}
	for name, want := range map[string]os.FileMode{
		"internal_ca.key": 0o600, "postgres_tls.key": 0o600, "redis_tls.key": 0o600,
		"internal_ca.pem": 0o644, "postgres_tls.pem": 0o644, "redis_tls.pem": 0o644,
	} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", name, fi.Mode().Perm(), want)
		}
	}
	if blk, _ := pem.Decode(caPEM); blk == nil || blk.Type != "CERTIFICATE" {
		t.Errorf("internal_ca.pem is not one PEM certificate")
	}
}
