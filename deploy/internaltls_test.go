package deploy

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/samo-brain/samo/internal/testdep"
)

// TestInternalTLSScript runs internal-tls.sh and checks what Go's verifier
// (SAMO's, through pgx and go-redis) makes of its output: each server
// certificate chains to the CA for its own name and for server use only,
// not for the other's name nor as a client certificate; SAMO's two client
// certificates chain to the CA for client use only, with CN samo (the
// replicas' PostgreSQL role) and samo_owner (the migrate service's); each
// key matches its certificate; keys are 0600 and certificates 0644, and as
// root the client keys belong to uid 65532 (the samo containers).
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
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
			t.Errorf("%s certificate verifies as a client certificate", host)
		}
	}
	// The replicas' certificate and the migrate service's: each names its
	// PostgreSQL role (compose.yaml's DATABASE_URLs, postgres-init/).
	for name, cn := range map[string]string{"samo_client": roleRuntime, "samo_owner": roleOwner} {
		client, err := tls.LoadX509KeyPair(filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key"))
		if err != nil {
			t.Fatalf("%s: key and certificate: %v", name, err)
		}
		leaf, err := x509.ParseCertificate(client.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("%s certificate does not verify for client use: %v", name, err)
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err == nil {
			t.Errorf("%s certificate verifies for server use too", name)
		}
		if leaf.Subject.CommonName != cn || leaf.IsCA {
			t.Errorf("%s certificate: CN %q, CA %v; want CN %s (the PostgreSQL role), not a CA", name, leaf.Subject.CommonName, leaf.IsCA, cn)
		}
		if os.Getuid() == 0 {
			fi, err := os.Stat(filepath.Join(dir, name+".key"))
			if err != nil {
				t.Fatal(err)
			}
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != 65532 {
				t.Errorf("%s.key owned by uid %d, want 65532 (the samo containers read it)", name, st.Uid)
			}
		}
	}
	for name, want := range map[string]os.FileMode{
		"internal_ca.key": 0o600, "postgres_tls.key": 0o600, "redis_tls.key": 0o600, "samo_client.key": 0o600, "samo_owner.key": 0o600,
		"internal_ca.pem": 0o644, "postgres_tls.pem": 0o644, "redis_tls.pem": 0o644, "samo_client.pem": 0o644, "samo_owner.pem": 0o644,
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
