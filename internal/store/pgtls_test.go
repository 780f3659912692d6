package store

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/samo-brain/samo/internal/testdep"
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
	dir  string
	port int
}

// startTLSPostgres runs initdb (superuser samo) and pg_ctl in a new
// directory, as the postgres user when the test runs as root (PostgreSQL
// refuses root), with ssl=on, a server certificate for 127.0.0.1 from a
// new CA, and a pg_hba.conf that takes TCP connections from 127.0.0.1 only
// over TLS with a client certificate from that CA. It is stopped and
// removed when the test ends.
func startTLSPostgres(t *testing.T) *tlsPostgres {
	t.Helper()
	bin := postgresBin()
	if bin == "" {
		testdep.Missing(t, "initdb and pg_ctl not found under /usr/lib/postgresql/*/bin or on PATH (scripts/services.sh installs PostgreSQL)")
	}
	// Not t.TempDir: its parents are private to the test's user, and the
	// postgres user must reach this directory.
	dir, err := os.MkdirTemp("", "samo-pgtls-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	run := func(args ...string) *exec.Cmd { return exec.Command(args[0], args[1:]...) }
	owner := func() {} // gives dir to the postgres user when running as root
	if os.Getuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			testdep.Missing(t, "running as root and there is no postgres user to run PostgreSQL as (apt-get install postgresql creates it)")
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		owner = func() { chownTree(t, dir, uid, gid) }
		run = func(args ...string) *exec.Cmd {
			return exec.Command("runuser", append([]string{"-u", "postgres", "--"}, args...)...)
		}
	}
	srv := &tlsPostgres{ca: testpki.NewCA(t), dir: dir, port: freeTCPPort(t)}
	cert, key := srv.ca.Issue(t, time.Now().Add(time.Hour), "127.0.0.1")
	for name, b := range map[string][]byte{"server.pem": cert, "server.key": key, "ca.pem": srv.ca.PEM} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	hba := "local all all trust\nhostssl all all 127.0.0.1/32 cert\n"
	if err := os.WriteFile(filepath.Join(dir, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		t.Fatal(err)
	}
	owner()
	data := filepath.Join(dir, "data")
	if out, err := run(filepath.Join(bin, "initdb"), "-D", data, "-U", "samo", "-A", "trust", "-E", "UTF8", "--no-locale").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	opts := strings.Join([]string{
		"-p", strconv.Itoa(srv.port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
		"-c", "ssl=on", "-c", "ssl_cert_file=" + filepath.Join(dir, "server.pem"), "-c", "ssl_key_file=" + filepath.Join(dir, "server.key"),
		"-c", "ssl_ca_file=" + filepath.Join(dir, "ca.pem"), "-c", "hba_file=" + filepath.Join(dir, "pg_hba.conf"),
	}, " ")
	ctl := filepath.Join(bin, "pg_ctl")
	if out, err := run(ctl, "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-t", "30", "-o", opts, "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	t.Cleanup(func() { _ = run(ctl, "-D", data, "-m", "immediate", "-w", "stop").Run() })
	return srv
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

// postgresBin returns the directory of initdb and pg_ctl: the newest
// /usr/lib/postgresql/*/bin (Debian), else PATH's; "" when neither has them.
func postgresBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "pg_ctl")) {
			return d
		}
	}
	initdb, err := exec.LookPath("initdb")
	if err != nil {
		return ""
	}
	if _, err := exec.LookPath("pg_ctl"); err != nil {
		return ""
	}
	return filepath.Dir(initdb)
}

// versionOf is the major version in /usr/lib/postgresql/VERSION/bin.
func versionOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// chownTree gives dir and everything in it to uid:gid.
func chownTree(t *testing.T, dir string, uid, gid int) {
	t.Helper()
	err := filepath.Walk(dir, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
}

// freeTCPPort returns a loopback TCP port that was free a moment ago.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
