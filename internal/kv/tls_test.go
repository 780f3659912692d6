package kv

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
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
	dir := t.TempDir()
	caPool, _ := writeTestPKI(t, dir)
	port := startTLSRedis(t, dir, "no")

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
	waitFor(t, func() error { return ping(url, caPool) })
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

// TestTLSClientCertificate starts a Redis that speaks only TLS and asks
// every client for a certificate from its CA (--tls-auth-clients yes, no
// password): a client without a certificate, or with one from another CA,
// is refused; with Options.ClientCert (what BACKEND_CLIENT_CERT_FILE sets)
// from the right CA it works, and its one-shot notices too.
func TestTLSClientCertificate(t *testing.T) {
	dir := t.TempDir()
	caPool, ca := writeTestPKI(t, dir)
	port := startTLSRedis(t, dir, "yes")
	url := "rediss://127.0.0.1:" + strconv.Itoa(port) + "/0"
	pair := func(ca *testpki.CA) *tls.Certificate {
		certPEM, keyPEM := ca.IssueClient(t, time.Now().Add(time.Hour), "samo")
		c, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		return &c
	}
	good, foreign := pair(ca), pair(testpki.NewCA(t))

	ctx := context.Background()
	ping := func(cert *tls.Certificate) error {
		c, err := Open(url, Options{RootCAs: caPool, ClientCert: cert, Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.Ping(ctx)
	}
	waitFor(t, func() error { return ping(good) })
	// The server ends the handshake (an alert, "certificate required" or
	// "unknown certificate authority", or a reset when the alert loses
	// the race): the same client with the good certificate just worked.
	if err := ping(nil); !errors.Is(err, ErrUnavailable) {
		t.Errorf("without a client certificate: %v, want the connection refused", err)
	}
	if err := ping(foreign); !errors.Is(err, ErrUnavailable) {
		t.Errorf("with a certificate from another CA: %v, want the connection refused", err)
	}
	opt := Options{RootCAs: caPool, ClientCert: good, Timeout: 2 * time.Second}
	if err := PublishRevoked(ctx, url, opt, Notice{KeyID: "key_1"}); err != nil {
		t.Errorf("PublishRevoked with the client certificate: %v", err)
	}
	opt.ClientCert = nil
	if err := PublishRevoked(ctx, url, opt, Notice{KeyID: "key_1"}); err == nil {
		t.Errorf("PublishRevoked without a client certificate succeeded")
	}
}

// startTLSRedis starts a redis-server listening only on TLS with dir's
// server.pem/server.key and ca.pem, asking clients for a certificate when
// authClients is "yes", and returns its port. It is stopped when the test
// ends.
func startTLSRedis(t *testing.T, dir, authClients string) int {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		testdep.Missing(t, "redis-server not installed (scripts/services.sh installs it)")
	}
	port := testdep.FreePort(t)
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", "0", "--tls-port", strconv.Itoa(port),
		"--tls-cert-file", filepath.Join(dir, "server.pem"), "--tls-key-file", filepath.Join(dir, "server.key"),
		"--tls-ca-cert-file", filepath.Join(dir, "ca.pem"), "--tls-auth-clients", authClients,
		"--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return port
}

// waitFor retries ping for up to 10 s while the server starts.
func waitFor(t *testing.T, ping func() error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for err := ping(); err != nil; err = ping() {
		if time.Now().After(deadline) {
			t.Fatalf("the server never answered: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// writeTestPKI writes ca.pem and server.pem/server.key (for 127.0.0.1
// only) to dir and returns a pool holding the CA, and the CA.
func writeTestPKI(t *testing.T, dir string) (*x509.CertPool, *testpki.CA) {
	t.Helper()
	ca := testpki.NewCA(t)
	cert, key := ca.Issue(t, time.Now().Add(time.Hour), "127.0.0.1")
	for name, b := range map[string][]byte{"ca.pem": ca.PEM, "server.pem": cert, "server.key": key} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return ca.Pool(), ca
}
