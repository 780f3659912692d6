package deploy

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/samo-brain/samo/internal/cli"
	"github.com/samo-brain/samo/internal/testdep"
)

// rolesSQL is the file the postgres container runs at its first start
// (compose.yaml mounts postgres-init/ into /docker-entrypoint-initdb.d/).
const rolesSQL = "postgres-init/10-roles.sql"

// The roles rolesSQL creates, as compose.yaml's DATABASE_URLs name them.
const (
	roleOwner   = "samo_owner"
	roleRuntime = "samo"
)

// TestComposeRolesSQL (ASVS V13.2.2) sets PostgreSQL up as compose.yaml's
// postgres service does, without Docker (startComposePostgres: the
// certificates of internal-tls.sh, pg_hba.conf, the superuser postgres,
// postgres-init/ run by psql at initialisation), then runs the commands of
// the samo services with their own environment from compose.yaml, logging
// in by client certificate as the roles their DATABASE_URLs name: migrate
// (`samo init` as samo_owner), bootstrap (`samo admin bootstrap` as samo,
// DATABASE_MIGRATE=false) and samo1 (`samo serve`, a prediction and
// reading it back). The runtime role may read and write every table and
// do nothing else: no CREATE, DROP, ALTER, TRUNCATE, temporary table or
// schema; its certificate does not log in as the owner; neither role is a
// superuser, has a password or is a member of the other. Neither
// migrate's nor bootstrap's environment holds a JWT, encryption or alert
// secret (checkMigrateNeedsOnlyTheStore, checkBootstrapNeedsOnlyKeys), so
// this also shows that samo init and samo admin bootstrap need none of
// them.
func TestComposeRolesSQL(t *testing.T) {
	pg := startComposePostgres(t)
	compose := docs(t, "compose.yaml")[0]
	dataDir := t.TempDir()
	env := func(svc string) map[string]string { return pg.serviceEnv(t, compose, svc, dataDir) }
	run := func(svc string, args ...string) {
		t.Helper()
		var out, errOut bytes.Buffer
		e := env(svc)
		stdio := cli.IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return e[k] }}
		if code := cli.Main(context.Background(), args, stdio); code != 0 {
			t.Fatalf("%s: samo %s: exit %d\n%s%s", svc, strings.Join(args, " "), code, out.String(), errOut.String())
		}
	}

	super, err := sql.Open("pgx", pg.superuserURL("samo"))
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close()
	run("migrate", "init")
	var tables, notOwned int
	if err := super.QueryRow(`SELECT count(*), count(*) FILTER (WHERE tableowner <> $1) FROM pg_tables WHERE schemaname = 'public'`, roleOwner).Scan(&tables, &notOwned); err != nil {
		t.Fatal(err)
	}
	if tables == 0 || notOwned != 0 {
		t.Fatalf("after samo init as the owner: %d tables in public, %d not %s's", tables, notOwned, roleOwner)
	}

	keyFile := filepath.Join(t.TempDir(), "admin.key")
	run("bootstrap", "admin", "bootstrap", "--out", keyFile)
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	samo1 := env("samo1")
	serveAsRuntime(t, samo1, strings.TrimSpace(string(key)))

	// The replicas' identity: samo1's URL and certificate.
	dsn := func(e map[string]string) string {
		return e["DATABASE_URL"] + "&sslrootcert=" + e["BACKEND_CA_FILE"] + "&sslcert=" + e["BACKEND_CLIENT_CERT_FILE"] + "&sslkey=" + e["BACKEND_CLIENT_KEY_FILE"]
	}
	asOwner := env("samo1")
	asOwner["DATABASE_URL"] = strings.Replace(samo1["DATABASE_URL"], "//"+roleRuntime+"@", "//"+roleOwner+"@", 1)
	db, err := sql.Open("pgx", dsn(asOwner))
	if err != nil {
		t.Fatal(err)
	}
	err = db.Ping()
	db.Close()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "28000" { // invalid_authorization_specification
		t.Errorf("logging in as %s with the replicas' certificate: %v, want SQLSTATE 28000", roleOwner, err)
	}
	rt, err := sql.Open("pgx", dsn(samo1))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	var current string
	if err := rt.QueryRow(`SELECT current_user`).Scan(&current); err != nil || current != roleRuntime {
		t.Fatalf("current_user = %q, %v; want %s", current, err, roleRuntime)
	}
	for _, q := range []string{
		`CREATE TABLE public.intruder (x int)`,
		`DROP TABLE public.schema_migrations`,
		`ALTER TABLE public.schema_migrations ADD COLUMN intruder int`,
		`TRUNCATE public.schema_migrations`,
		`CREATE TEMP TABLE intruder (x int)`,
		`CREATE SCHEMA intruder`,
	} {
		_, err := rt.Exec(q)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42501" { // insufficient_privilege
			t.Errorf("%s as the runtime role: %v, want SQLSTATE 42501 (insufficient privilege)", q, err)
		}
	}
	// Every table of the schema grants the runtime role the four row
	// privileges and nothing else (no TRUNCATE, REFERENCES, TRIGGER or,
	// from PostgreSQL 17, MAINTAIN).
	rows, err := super.Query(`SELECT c.relname, coalesce((SELECT string_agg(a.privilege_type, ',' ORDER BY a.privilege_type)
		FROM aclexplode(c.relacl) a WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1)), '')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`, roleRuntime)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, privs string
		if err := rows.Scan(&name, &privs); err != nil {
			t.Fatal(err)
		}
		if privs != "DELETE,INSERT,SELECT,UPDATE" {
			t.Errorf("runtime role's privileges on table %s: %q, want DELETE,INSERT,SELECT,UPDATE", name, privs)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	checkRoleAttributes(t, super, roleOwner, roleRuntime)
}

// serviceEnv returns the environment compose.yaml gives the service svc,
// for this cluster: DATABASE_URL's host postgres:5432 is the cluster's
// 127.0.0.1 port, each /run/secrets/NAME is NAME's file in pg.secrets (as
// compose.yaml's secrets table maps it), and SAMO_DATA_DIR is dataDir.
func (pg *composePostgres) serviceEnv(t *testing.T, compose map[string]any, svc, dataDir string) map[string]string {
	t.Helper()
	raw, _ := get(compose, "services", svc, "environment").(map[string]any)
	if len(raw) == 0 {
		t.Fatalf("compose.yaml: service %s has no environment", svc)
	}
	env := make(map[string]string, len(raw))
	for k, v := range raw {
		val := fmt.Sprint(v)
		if name, ok := strings.CutPrefix(val, "/run/secrets/"); ok {
			file, _ := get(compose, "secrets", name, "file").(string)
			if file == "" {
				t.Fatalf("compose.yaml: %s %s names the secret %s, which has no file", svc, k, name)
			}
			val = filepath.Join(pg.secrets, filepath.Base(file))
		}
		env[k] = val
	}
	const host = "@postgres:5432/"
	if !strings.Contains(env["DATABASE_URL"], host) {
		t.Fatalf("compose.yaml: %s DATABASE_URL %q does not name %s", svc, env["DATABASE_URL"], host)
	}
	env["DATABASE_URL"] = strings.Replace(env["DATABASE_URL"], host, "@127.0.0.1:"+strconv.Itoa(pg.port)+"/", 1)
	env["SAMO_DATA_DIR"] = dataDir
	return env
}

// checkRoleAttributes: both roles log in, with no password and no
// attribute beyond LOGIN, and neither is a member of the other.
func checkRoleAttributes(t *testing.T, super *sql.DB, owner, runtime string) {
	t.Helper()
	for _, role := range []string{owner, runtime} {
		var login, superuser, createRole, createDB, replication, bypassRLS, password bool
		err := super.QueryRow(`SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolpassword IS NOT NULL
			FROM pg_authid WHERE rolname = $1`, role).Scan(&login, &superuser, &createRole, &createDB, &replication, &bypassRLS, &password)
		if err != nil {
			t.Fatalf("role %s: %v", role, err)
		}
		if !login || superuser || createRole || createDB || replication || bypassRLS || password {
			t.Errorf("role %s: login %v, superuser %v, createrole %v, createdb %v, replication %v, bypassrls %v, password %v; want only login",
				role, login, superuser, createRole, createDB, replication, bypassRLS, password)
		}
	}
	var member bool
	if err := super.QueryRow(`SELECT pg_has_role($1, $2, 'MEMBER') OR pg_has_role($2, $1, 'MEMBER')`, runtime, owner).Scan(&member); err != nil || member {
		t.Errorf("the runtime role and the owner are members of one another (%v)", err)
	}
}

// serveAsRuntime runs `samo serve` with env (the runtime role,
// DATABASE_MIGRATE=false) and makes a prediction with key and reads it
// back, then stops the server.
func serveAsRuntime(t *testing.T, env map[string]string, key string) {
	t.Helper()
	addr := "127.0.0.1:" + strconv.Itoa(testdep.FreePort(t))
	serveEnv := map[string]string{}
	for k, v := range env {
		serveEnv[k] = v
	}
	// samo1 behind the test instead of HAProxy, and without Redis.
	serveEnv["SAMO_ADDR"], serveEnv["METRICS_ADDR"], serveEnv["TRUSTED_PROXIES"] = addr, "", "127.0.0.1/32"
	delete(serveEnv, "REDIS_URL")
	serveEnv["SAMO_MODEL_FILE"] = filepath.Join("..", "internal", "emotion", "testdata", "golden", "tiny_v1.model")
	ctx, cancel := context.WithCancel(context.Background())
	var logs bytes.Buffer
	done := make(chan int, 1)
	go func() {
		stdio := cli.IO{Stdin: strings.NewReader(""), Stdout: &logs, Stderr: &logs, Getenv: func(k string) string { return serveEnv[k] }}
		done <- cli.Main(ctx, []string{"serve"}, stdio)
	}()
	stopped := false
	stop := func() int {
		if stopped {
			return 0
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(30 * time.Second):
			t.Errorf("samo serve did not stop within 30 s")
			return -1
		}
	}
	t.Cleanup(func() { stop() })
	base := "http://" + addr
	client := &http.Client{Timeout: 10 * time.Second}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if resp, err := client.Get(base + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case code := <-done:
			stopped = true
			t.Fatalf("samo serve as the runtime role exited %d:\n%s", code, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("samo serve did not answer /health within 30 s:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/predict", strings.NewReader(`{"text":"nervous about tomorrow"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", key)
	req.Header.Set("X-Forwarded-Proto", "https") // as HAProxy does
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	var p struct{ ID string }
	if resp.StatusCode != http.StatusOK || err != nil || json.Unmarshal(body, &p) != nil || p.ID == "" {
		t.Fatalf("predict as the runtime role: %d %s (%v)", resp.StatusCode, body, err)
	}
	req, _ = http.NewRequest(http.MethodGet, base+"/v1/predictions/"+url.PathEscape(p.ID), nil)
	req.Header.Set("X-API-Key", key)
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("reading prediction %s back: %d", p.ID, resp.StatusCode)
	}
	if code := stop(); code != 0 {
		t.Errorf("samo serve exited %d on shutdown:\n%s", code, logs.String())
	}
}
