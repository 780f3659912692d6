package kv

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/testdep"
	"github.com/samo-brain/samo/internal/testpki"
)

// TestTLSVerifiesAgainstRootCAs starts a Redis that speaks only TLS, with a
// certificate from a private CA: a rediss:// client trusting that CA
// (Options.RootCAs, what BACKEND_CA_FILE sets) works; one with the system
// roots, or asking for another name, is refused.
func TestTLSVerifiesAgainstRootCAs(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		testdep.Missing(t, "redis-server not installed (scripts/services.sh installs it)")
	}
	dir := t.TempDir()
	caPool := writeTestPKI(t, dir)
	port := freePort(t)
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", "0", "--tls-port", strconv.Itoa(port),
		"--tls-cert-file", filepath.Join(dir, "server.pem"), "--tls-key-file", filepath.Join(dir, "server.key"),
		"--tls-ca-cert-file", filepath.Join(dir, "ca.pem"), "--tls-auth-clients", "no",
		"--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	ctx := context.Background()
	ping := func(url string, roots *x509.CertPool) error {
		c, err := Open(url, Options{RootCAs: roots, Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.Ping(ctx)
	}
	url := "rediss://127.0.0.1:" + strconv.Itoa(port) + "/0"
	deadline := time.Now().Add(10 * time.Second)
	for err := ping(url, caPool); err != nil; err = ping(url, caPool) {
		if time.Now().After(deadline) {
			t.Fatalf("rediss:// with the private CA: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var unknown x509.UnknownAuthorityError
	if err := ping(url, nil); !errors.As(err, &unknown) {
		t.Errorf("rediss:// with the system roots: %v, want an unknown-authority error", err)
	}
	var wrongName x509.HostnameError
	if err := ping("rediss://localhost:"+strconv.Itoa(port)+"/0", caPool); !errors.As(err, &wrongName) {
		t.Errorf("rediss://localhost (certificate for 127.0.0.1 only): %v, want a name mismatch", err)
	}
	if err := ping("redis://127.0.0.1:"+strconv.Itoa(port)+"/0", caPool); err == nil {
		t.Errorf("plaintext redis:// to the TLS port answered")
	}
}

// writeTestPKI writes ca.pem and server.pem/server.key (for 127.0.0.1
// only) to dir and returns a pool holding the CA.
func writeTestPKI(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	ca := testpki.NewCA(t)
	cert, key := ca.Issue(t, time.Now().Add(time.Hour), "127.0.0.1")
	for name, b := range map[string][]byte{"ca.pem": ca.PEM, "server.pem": cert, "server.key": key} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return ca.Pool()
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
