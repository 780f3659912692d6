package deploy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/testdep"
)

// composePostgres is a PostgreSQL cluster set up as compose.yaml's
// postgres service is, started by one test without Docker: TLS with a
// certificate from the CA of internal-tls.sh, that CA for client
// certificates, pg_hba.conf as hba_file, the superuser postgres with the
// postgres_password secret, the database samo, and postgres-init/ run by
// psql over the Unix socket as the image's entrypoint runs it.
type composePostgres struct {
	dir      string // the cluster's directory: data, socket, TLS files
	secrets  string // deploy/secrets as internal-tls.sh and the README make it
	port     int
	password string // postgres_password
}

// startComposePostgres sets the cluster up and starts it; it is stopped
// and removed when the test ends. As root, PostgreSQL runs as the postgres
// user (it refuses root) and internal-tls.sh gives the client keys to the
// test's own user, as SAMO's key-file rules want.
func startComposePostgres(t *testing.T) *composePostgres {
	t.Helper()
	bin := postgresBin()
	if bin == "" {
		testdep.Missing(t, "initdb and pg_ctl not found under /usr/lib/postgresql/*/bin or on PATH (scripts/services.sh installs PostgreSQL)")
	}
	if _, err := exec.LookPath("psql"); err != nil {
		testdep.Missing(t, "psql not installed (scripts/services.sh installs PostgreSQL)")
	}
	if _, err := exec.LookPath("openssl"); err != nil {
		testdep.Missing(t, "openssl not installed")
	}
	// Not t.TempDir: its parents are private to the test's user, and the
	// postgres user must reach this directory.
	dir, err := os.MkdirTemp("", "samo-composepg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	run := func(args ...string) *exec.Cmd { return exec.Command(args[0], args[1:]...) }
	owner := func() {}
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
	pg := &composePostgres{dir: dir, secrets: filepath.Join(t.TempDir(), "secrets"), port: freeTCPPort(t)}

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
	cert, key := issueServerCert(t, pg.secrets, "127.0.0.1")
	hba, err := os.ReadFile("pg_hba.conf")
	if err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(filepath.Join(pg.secrets, "internal_ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"server.pem": cert, "server.key": key, "ca.pem": ca, "pg_hba.conf": hba, "pwfile": []byte(pg.password + "\n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	owner()
	data := filepath.Join(dir, "data")
	if out, err := run(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--pwfile", filepath.Join(dir, "pwfile"),
		"-A", "scram-sha-256", "-E", "UTF8", "--no-locale").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	opts := strings.Join([]string{
		"-p", strconv.Itoa(pg.port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
		"-c", "ssl=on", "-c", "ssl_cert_file=" + filepath.Join(dir, "server.pem"), "-c", "ssl_key_file=" + filepath.Join(dir, "server.key"),
		"-c", "ssl_ca_file=" + filepath.Join(dir, "ca.pem"), "-c", "hba_file=" + filepath.Join(dir, "pg_hba.conf"),
		"-c", "ssl_min_protocol_version=TLSv1.2",
	}, " ")
	ctl := filepath.Join(bin, "pg_ctl")
	if out, err := run(ctl, "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-t", "30", "-o", opts, "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	t.Cleanup(func() { _ = run(ctl, "-D", data, "-m", "immediate", "-w", "stop").Run() })

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

// issueServerCert signs a server certificate for host with the CA
// internal-tls.sh wrote to dir, as the script does for postgres.
func issueServerCert(t *testing.T, dir, host string) (certPEM, keyPEM []byte) {
	t.Helper()
	caPEM, err := os.ReadFile(filepath.Join(dir, "internal_ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	caKeyPEM, err := os.ReadFile(filepath.Join(dir, "internal_ca.key"))
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := pem.Decode(caPEM)
	kb, _ := pem.Decode(caKeyPEM)
	if cb == nil || kb == nil {
		t.Fatal("internal_ca.pem or internal_ca.key is not PEM")
	}
	caCert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	caKey, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var sn [16]byte
	_, _ = rand.Read(sn[:])
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(sn[:]), Subject: pkix.Name{CommonName: host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP(host)}, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: k})
}

// postgresBin returns the directory of initdb and pg_ctl: the newest
// /usr/lib/postgresql/*/bin (Debian), else PATH's; "" when neither has them.
func postgresBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(binDir string) int { n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir))); return n }
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if fi, err := os.Stat(filepath.Join(d, "initdb")); err == nil && fi.Mode().IsRegular() {
			if fi, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil && fi.Mode().IsRegular() {
				return d
			}
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
