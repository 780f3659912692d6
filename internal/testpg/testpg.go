// Package testpg starts a throwaway PostgreSQL cluster for one test: its
// own directory (data, Unix socket, TLS files), a free loopback port,
// fsync off, stopped and removed when the test ends. As root it runs as
// the postgres user, since PostgreSQL refuses to run as root. A missing
// PostgreSQL goes through testdep.Missing (a skip, a failure under CI).
//
//	pg := testpg.Start(t, testpg.Options{Superuser: "samo", HBA: "hostssl all all 127.0.0.1/32 cert\n",
//		CertPEM: cert, KeyPEM: key, CAPEM: ca.PEM})
//	url := "postgres://samo@127.0.0.1:" + strconv.Itoa(pg.Port) + "/postgres?sslmode=verify-full"
package testpg

import (
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/samo-brain/samo/internal/testdep"
)

// Options say how the cluster is set up.
type Options struct {
	// Superuser is the role initdb creates.
	Superuser string
	// Password is the superuser's (scram-sha-256 for initdb's own rules);
	// empty: initdb trusts every connection until HBA says otherwise.
	Password string
	// HBA is the text of the cluster's pg_hba.conf.
	HBA string
	// CertPEM and KeyPEM, when set, turn TLS on (1.2 at least) with this
	// server certificate; CAPEM verifies client certificates.
	CertPEM, KeyPEM, CAPEM []byte
}

// Cluster is a running PostgreSQL.
type Cluster struct {
	Dir  string // the cluster's directory; its Unix socket is here
	Port int    // on 127.0.0.1 and the socket
}

// Start sets the cluster up and starts it.
func Start(t testing.TB, o Options) *Cluster {
	t.Helper()
	bin := Bin()
	if bin == "" {
		testdep.Missing(t, "initdb and pg_ctl not found under /usr/lib/postgresql/*/bin or on PATH (scripts/services.sh installs PostgreSQL)")
	}
	// Not t.TempDir: its parents are private to the test's user, and the
	// postgres user must reach this directory.
	dir, err := os.MkdirTemp("", "samo-testpg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	c := &Cluster{Dir: dir, Port: testdep.FreePort(t)}
	files := map[string][]byte{"pg_hba.conf": []byte(o.HBA), "pwfile": []byte(o.Password + "\n")}
	settings := []string{"listen_addresses=127.0.0.1", "fsync=off", "hba_file=" + filepath.Join(dir, "pg_hba.conf")}
	if o.CertPEM != nil {
		files["server.pem"], files["server.key"] = o.CertPEM, o.KeyPEM
		settings = append(settings, "ssl=on", "ssl_min_protocol_version=TLSv1.2",
			"ssl_cert_file="+filepath.Join(dir, "server.pem"), "ssl_key_file="+filepath.Join(dir, "server.key"))
		if o.CAPEM != nil {
			files["ca.pem"] = o.CAPEM
			settings = append(settings, "ssl_ca_file="+filepath.Join(dir, "ca.pem"))
		}
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// #nosec G204 -- a test helper running initdb and pg_ctl from Bin() with arguments built here
	run := func(args ...string) *exec.Cmd { return exec.Command(args[0], args[1:]...) }
	if os.Getuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			testdep.Missing(t, "running as root and there is no postgres user to run PostgreSQL as (apt-get install postgresql creates it)")
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		chownTree(t, dir, uid, gid)
		run = func(args ...string) *exec.Cmd {
			// #nosec G204 -- as above, as the postgres user
			return exec.Command("runuser", append([]string{"-u", "postgres", "--"}, args...)...)
		}
	}
	data := filepath.Join(dir, "data")
	auth := []string{"-A", "trust"}
	if o.Password != "" {
		auth = []string{"-A", "scram-sha-256", "--pwfile", filepath.Join(dir, "pwfile")}
	}
	initdb := append([]string{filepath.Join(bin, "initdb"), "-D", data, "-U", o.Superuser, "-E", "UTF8", "--no-locale"}, auth...)
	if out, err := run(initdb...).CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	opts := []string{"-p", strconv.Itoa(c.Port), "-k", dir}
	for _, s := range settings {
		opts = append(opts, "-c", s)
	}
	ctl := filepath.Join(bin, "pg_ctl")
	if out, err := run(ctl, "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-t", "30", "-o", strings.Join(opts, " "), "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log")) // #nosec G304 -- the cluster's own log, in its MkdirTemp directory
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	t.Cleanup(func() { _ = run(ctl, "-D", data, "-m", "immediate", "-w", "stop").Run() })
	return c
}

// Bin returns the directory of initdb and pg_ctl: the newest
// /usr/lib/postgresql/*/bin (Debian), else PATH's; "" when neither has them.
func Bin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(binDir string) int { n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir))); return n }
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
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

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// chownTree gives dir and everything in it to uid:gid.
func chownTree(t testing.TB, dir string, uid, gid int) {
	t.Helper()
	err := filepath.Walk(dir, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		// #nosec G122 -- the test's own MkdirTemp directory, which nothing else writes to
		return os.Lchown(path, uid, gid)
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
}
