package app

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/testdep"
	"github.com/samo-brain/samo/internal/testpki"
)

// backendPKI is a private CA, a server certificate for 127.0.0.1 and two
// client pairs (CN samo) written to a directory: client.* from the CA,
// foreign.* from another CA.
type backendPKI struct {
	ca  *testpki.CA
	dir string
}

func newBackendPKI(t *testing.T) backendPKI {
	t.Helper()
	p := backendPKI{ca: testpki.NewCA(t), dir: t.TempDir()}
	serverCert, serverKey := p.ca.Issue(t, time.Now().Add(time.Hour), "127.0.0.1")
	clientCert, clientKey := p.ca.IssueClient(t, time.Now().Add(time.Hour), "samo")
	foreignCert, foreignKey := testpki.NewCA(t).IssueClient(t, time.Now().Add(time.Hour), "samo")
	for name, b := range map[string][]byte{
		"ca.pem": p.ca.PEM, "server.pem": serverCert, "server.key": serverKey,
		"client.pem": clientCert, "client.key": clientKey, "foreign.pem": foreignCert, "foreign.key": foreignKey,
	} {
		if err := os.WriteFile(p.path(name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func (p backendPKI) path(name string) string { return filepath.Join(p.dir, name) }

// env returns BACKEND_CA_FILE and, for client "client" or "foreign", the
// BACKEND_CLIENT_* pair ("" = no client certificate), added to extra.
func (p backendPKI) env(client string, extra map[string]string) map[string]string {
	extra["BACKEND_CA_FILE"] = p.path("ca.pem")
	if client != "" {
		extra["BACKEND_CLIENT_CERT_FILE"] = p.path(client + ".pem")
		extra["BACKEND_CLIENT_KEY_FILE"] = p.path(client + ".key")
	}
	return extra
}

// TestGatewayModeClientCertificate: a model server that requires a client
// certificate from the private CA answers when BACKEND_CLIENT_CERT_FILE
// holds one, and refuses the handshake (502) without a certificate or
// with one from another CA.
func TestGatewayModeClientCertificate(t *testing.T) {
	pki := newBackendPKI(t)
	server, err := tls.LoadX509KeyPair(pki.path("server.pem"), pki.path("server.key"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(&recordingUpstream{})
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{server}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pki.ca.Pool()}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	defer srv.Close()
	for _, tc := range []struct {
		client string
		want   int
	}{{"client", http.StatusOK}, {"", http.StatusBadGateway}, {"foreign", http.StatusBadGateway}} {
		env := pki.env(tc.client, map[string]string{"MODEL_BACKEND_URL": srv.URL + "/predict", "MODEL_BACKEND_FORMAT": "probabilities"})
		ta := newGatewayApp(t, env, Options{})
		key := ta.key("gwmtls", rbac.RoleUser)
		if rec := ta.do(http.MethodPost, "/v1/predict", key, map[string]any{"text": "Thank you so much!"}); rec.Code != tc.want {
			t.Errorf("client certificate %q: %d %s, want %d", tc.client, rec.Code, rec.Body, tc.want)
		}
	}
}

// TestRedisClientCertificate starts a Redis that speaks only TLS and
// requires a client certificate from the private CA, with no password.
// Through openRedis and the revocation notifiers (the paths samo serve and
// the CLI take), the configuration with BACKEND_CLIENT_CERT_FILE connects;
// without a certificate, or with one from another CA, it is refused.
func TestRedisClientCertificate(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		testdep.Missing(t, "redis-server not installed (scripts/services.sh installs it)")
	}
	pki := newBackendPKI(t)
	port := testdep.FreePort(t)
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", "0", "--tls-port", strconv.Itoa(port),
		"--tls-cert-file", pki.path("server.pem"), "--tls-key-file", pki.path("server.key"),
		"--tls-ca-cert-file", pki.path("ca.pem"), "--tls-auth-clients", "yes",
		"--save", "", "--appendonly", "no", "--dir", pki.dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := "rediss://127.0.0.1:" + strconv.Itoa(port) + "/0"

	ctx := context.Background()
	reach := func(client string) error {
		env := testEnv(t, pki.env(client, map[string]string{"REDIS_URL": url}))
		cfg, err := config.LoadFlags(func(k string) string { return env[k] }, nil)
		if err != nil {
			t.Fatalf("config: %v", err)
		}
		c, err := openRedis(cfg)
		if err != nil {
			t.Fatalf("openRedis: %v", err)
		}
		defer c.Close()
		if err := c.Ping(ctx); err != nil {
			return err
		}
		if err := keyNotifier(cfg)(ctx, "key_1", ""); err != nil {
			t.Errorf("key notice with a working connection: %v", err)
		}
		return userNotifier(cfg)(ctx, "user_1")
	}
	deadline := time.Now().Add(10 * time.Second)
	for err := reach("client"); err != nil; err = reach("client") {
		if time.Now().After(deadline) {
			t.Fatalf("with the client certificate: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, client := range []string{"", "foreign"} {
		if err := reach(client); err == nil {
			t.Errorf("client certificate %q: connected, want the handshake refused", client)
		}
	}
}
