package store

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/samo-brain/samo/internal/testpg"
	"github.com/samo-brain/samo/internal/testpki"
)

// TestPostgresClientCertificate starts a PostgreSQL that accepts TCP
// connections only over TLS and authenticates them only by client
// certificate (pg_hba "hostssl all all 127.0.0.1/32 cert", which implies
// clientcert=verify-full: the certificate's CN must be the role). The store
// opens with Options.ClientCert (BACKEND_CLIENT_CERT_FILE) and
// Options.RootCAs (BACKEND_CA_FILE) and a URL with no password; it is
// refused without a certificate, with one from another CA, with one for
// another role, and when the server's CA is not trusted. A URL's own
// sslcert= wins over Options.ClientCert.
func TestPostgresClientCertificate(t *testing.T) {
	srv := startTLSPostgres(t)
	good, goodCertFile, goodKeyFile := srv.client(t, srv.ca, "samo")
	foreign, _, _ := srv.client(t, testpki.NewCA(t), "samo")
	otherRole, _, _ := srv.client(t, srv.ca, "mallory")
	base := "postgres://samo@127.0.0.1:" + strconv.Itoa(srv.port) + "/postgres?sslmode=verify-full"
	ownCert := base + "&sslcert=" + goodCertFile + "&sslkey=" + goodKeyFile

	tests := []struct {
		name  string
		url   string
		roots *x509.CertPool
		cert  *tls.Certificate
		ok    bool
		code  string // the server's SQLSTATE when it refuses after the handshake
	}{
		{"client certificate", base, srv.ca.Pool(), good, true, ""},
		{"no client certificate", base, srv.ca.Pool(), nil, false, "28000"},
		{"certificate from another CA", base, srv.ca.Pool(), foreign, false, ""},
		{"certificate for another role", base, srv.ca.Pool(), otherRole, false, "28000"},
		{"server CA not trusted", base, nil, good, false, ""},
		{"the URL's sslcert wins", ownCert, srv.ca.Pool(), foreign, true, ""},
		{"sslcertmode=disable is obeyed", base + "&sslcertmode=disable", srv.ca.Pool(), good, false, "28000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			st, err := Open(ctx, tc.url, t.TempDir(), Options{RootCAs: tc.roots, ClientCert: tc.cert})
			if err == nil {
				defer st.Close()
				err = st.Ping(ctx)
			}
			if got := err == nil; got != tc.ok {
				t.Fatalf("Open and Ping: %v, want success %v", err, tc.ok)
			}
			// 28000 invalid_authorization_specification: no certificate,
			// or one whose CN is not the role.
			var pe *pgconn.PgError
			if tc.code != "" && (!errors.As(err, &pe) || pe.Code != tc.code) {
				t.Errorf("refused with %v, want SQLSTATE %s", err, tc.code)
			}
			if tc.ok {
				if _, err := st.ListKeys(ctx, ""); err != nil {
					t.Errorf("a query after migrating: %v", err)
				}
			}
		})
	}
}

// tlsPostgres is a PostgreSQL cluster started by one test.
type tlsPostgres struct {
	ca   *testpki.CA
	port int
}

// startTLSPostgres starts a cluster (superuser samo) with a server
// certificate for 127.0.0.1 from a new CA and a pg_hba.conf that takes TCP
// connections from 127.0.0.1 only over TLS with a client certificate from
// that CA.
func startTLSPostgres(t *testing.T) *tlsPostgres {
	t.Helper()
	ca := testpki.NewCA(t)
	cert, key := ca.Issue(t, time.Now().Add(time.Hour), "127.0.0.1")
	pg := testpg.Start(t, testpg.Options{Superuser: "samo", HBA: "local all all trust\nhostssl all all 127.0.0.1/32 cert\n",
		CertPEM: cert, KeyPEM: key, CAPEM: ca.PEM})
	return &tlsPostgres{ca: ca, port: pg.Port}
}

// client returns a client certificate from ca for the role cn, and the
// files it was written to.
func (s *tlsPostgres) client(t *testing.T, ca *testpki.CA, cn string) (*tls.Certificate, string, string) {
	t.Helper()
	certPEM, keyPEM := ca.IssueClient(t, time.Now().Add(time.Hour), cn)
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, cn+".pem"), filepath.Join(dir, cn+".key")
	for name, b := range map[string][]byte{certFile: certPEM, keyFile: keyPEM} {
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return &pair, certFile, keyFile
}
