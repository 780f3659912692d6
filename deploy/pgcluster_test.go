package deploy

import (
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/testdep"
	"github.com/samo-brain/samo/internal/testpg"
	"github.com/samo-brain/samo/internal/testpki"
)

// composePostgres is a PostgreSQL cluster set up as compose.yaml's
// postgres service is, started by one test without Docker (testpg): TLS
// with a certificate from the CA of internal-tls.sh, that CA for client
// certificates, pg_hba.conf, the superuser postgres with the
// postgres_password secret, the database samo, and postgres-init/ run by
// psql over the Unix socket as the image's entrypoint runs it.
type composePostgres struct {
	dir      string // the cluster's directory, with its Unix socket
	secrets  string // deploy/secrets as internal-tls.sh and the README make it
	port     int
	password string // postgres_password
}

// startComposePostgres sets the cluster up and starts it; it is stopped
// and removed when the test ends. internal-tls.sh gives the client keys to
// the test's own user, as SAMO's key-file rules want.
func startComposePostgres(t *testing.T) *composePostgres {
	t.Helper()
	if _, err := exec.LookPath("psql"); err != nil {
		testdep.Missing(t, "psql not installed (scripts/services.sh installs PostgreSQL)")
	}
	if _, err := exec.LookPath("openssl"); err != nil {
		testdep.Missing(t, "openssl not installed")
	}
	pg := &composePostgres{secrets: filepath.Join(t.TempDir(), "secrets")}
	tlsScript := exec.Command("sh", "internal-tls.sh", pg.secrets)
	tlsScript.Env = append(os.Environ(), "SAMO_UID="+strconv.Itoa(os.Getuid()))
	if out, err := tlsScript.CombinedOutput(); err != nil {
		t.Fatalf("internal-tls.sh: %v\n%s", err, out)
	}
	// The secrets the README has the operator make.
	for _, name := range []string{"postgres_password", "jwt_secret_key", "encryption_key", "security_alert_secret"} {
		var b [32]byte
		_, _ = rand.Read(b[:])
		if err := os.WriteFile(filepath.Join(pg.secrets, name), []byte(base64.StdEncoding.EncodeToString(b[:])+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pw, _ := os.ReadFile(filepath.Join(pg.secrets, "postgres_password"))
	pg.password = strings.TrimSpace(string(pw))

	// The server certificate: from the internal CA, as postgres_tls.pem, but
	// for 127.0.0.1 (the test cannot resolve the name postgres).
	read := func(name string) []byte {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	caPEM := read(filepath.Join(pg.secrets, "internal_ca.pem"))
	cert, key := testpki.LoadCA(t, caPEM, read(filepath.Join(pg.secrets, "internal_ca.key"))).Issue(t, time.Now().Add(time.Hour), "127.0.0.1")
	c := testpg.Start(t, testpg.Options{Superuser: "postgres", Password: pg.password, HBA: string(read("pg_hba.conf")),
		CertPEM: cert, KeyPEM: key, CAPEM: caPEM})
	pg.dir, pg.port = c.Dir, c.Port

	// What docker-entrypoint.sh does at the first start: create
	// POSTGRES_DB, then run each file of /docker-entrypoint-initdb.d with
	// psql as POSTGRES_USER in that database, stopping at the first error.
	pg.psql(t, "postgres", "-c", `CREATE DATABASE "samo"`)
	files, _ := filepath.Glob("postgres-init/*.sql")
	sort.Strings(files)
	for _, f := range files {
		pg.psql(t, "samo", "-f", f)
	}
	return pg
}

// psql runs psql as the superuser postgres over the Unix socket, with
// the password, as the postgres image runs its init files.
func (pg *composePostgres) psql(t *testing.T, db string, args ...string) string {
	t.Helper()
	cmd := exec.Command("psql", append([]string{"-v", "ON_ERROR_STOP=1", "--username", "postgres", "--no-password", "--no-psqlrc",
		"-h", pg.dir, "-p", strconv.Itoa(pg.port), "--dbname", db, "-X", "-q", "-At"}, args...)...)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+pg.password)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("psql %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// superuserURL is a URL for the superuser over the Unix socket.
func (pg *composePostgres) superuserURL(db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword("postgres", pg.password), Path: "/" + db,
		RawQuery: url.Values{"host": {pg.dir}, "port": {strconv.Itoa(pg.port)}, "sslmode": {"disable"}}.Encode()}
	return u.String()
}
