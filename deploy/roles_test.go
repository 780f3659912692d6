package deploy

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
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

// renameRoles returns the text of rolesSQL with its two roles renamed, so
// that a test may run it on a shared cluster (roles are cluster-wide, and
// the throwaway cluster's superuser is itself called samo).
func renameRoles(t *testing.T, text, owner, runtime string) string {
	t.Helper()
	for _, r := range []struct{ from, to string }{{roleOwner, owner}, {roleRuntime, runtime}} {
		re := regexp.MustCompile(`\b` + r.from + `\b`)
		if !re.MatchString(text) {
			t.Fatalf("%s does not name the role %s", rolesSQL, r.from)
		}
		text = re.ReplaceAllLiteralString(text, r.to)
	}
	return text
}

// TestComposeRolesSQL (ASVS V13.2.2) runs the Compose deployment's roles
// file against a real PostgreSQL as the image would (as the superuser, in a
// new database), then the deployment's own commands as its roles: the
// owner migrates (`samo init`, the migrate service), the runtime role with
// DATABASE_MIGRATE=false creates the first admin (`samo admin bootstrap`)
// and serves a prediction round trip (`samo serve`). The runtime role may
// read and write every table and do nothing else: no CREATE, DROP, ALTER,
// TRUNCATE, temporary table or schema; neither role is a superuser or has
// a password, and neither is a member of the other.
func TestComposeRolesSQL(t *testing.T) {
	raw := os.Getenv("SAMO_TEST_POSTGRES_URL")
	if raw == "" {
		testdep.Missing(t, "SAMO_TEST_POSTGRES_URL not set (make test starts a PostgreSQL)")
	}
	text, err := os.ReadFile(rolesSQL)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	owner, runtime, dbName := roleOwner+"_"+suffix, "samo_rt_"+suffix, "samo_roles_"+suffix

	super, err := sql.Open("pgx", raw)
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close()
	if _, err := super.Exec(`CREATE DATABASE ` + dbName); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // last: after serve has stopped
		admin, err := sql.Open("pgx", raw)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec(`DROP DATABASE IF EXISTS ` + dbName + ` WITH (FORCE)`)
		_, _ = admin.Exec(`DROP ROLE IF EXISTS ` + runtime)
		_, _ = admin.Exec(`DROP ROLE IF EXISTS ` + owner)
	})
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + dbName
	asRole := func(role string) string {
		v := *u
		q := v.Query()
		q.Set("role", role) // SET ROLE at connection start: the role's rights only
		v.RawQuery = q.Encode()
		return v.String()
	}

	// The image runs the file as its superuser in POSTGRES_DB.
	initDB, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := initDB.Exec(renameRoles(t, string(text), owner, runtime)); err != nil {
		t.Fatalf("%s: %v", rolesSQL, err)
	}
	initDB.Close()

	dataDir := t.TempDir()
	env := func(dbURL, migrate string) map[string]string {
		return map[string]string{
			"SAMO_DATA_DIR": dataDir, "DATABASE_URL": dbURL, "DATABASE_MIGRATE": migrate,
			"SAMO_MODEL_FILE": filepath.Join("..", "internal", "emotion", "testdata", "golden", "tiny_v1.model"),
		}
	}
	run := func(role string, env map[string]string, args ...string) {
		t.Helper()
		var out, errOut bytes.Buffer
		stdio := cli.IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }}
		if code := cli.Main(context.Background(), args, stdio); code != 0 {
			t.Fatalf("samo %s as %s: exit %d\n%s%s", strings.Join(args, " "), role, code, out.String(), errOut.String())
		}
	}
	run(owner, env(asRole(owner), "true"), "init") // the migrate service
	ownerDB, err := sql.Open("pgx", asRole(owner))
	if err != nil {
		t.Fatal(err)
	}
	defer ownerDB.Close()
	var tables, notOwned int
	if err := ownerDB.QueryRow(`SELECT count(*), count(*) FILTER (WHERE tableowner <> $1) FROM pg_tables WHERE schemaname = 'public'`, owner).Scan(&tables, &notOwned); err != nil {
		t.Fatal(err)
	}
	if tables == 0 || notOwned != 0 {
		t.Fatalf("after samo init as the owner: %d tables in public, %d not the owner's", tables, notOwned)
	}

	rtEnv := env(asRole(runtime), "false")
	keyFile := filepath.Join(t.TempDir(), "admin.key")
	run(runtime, rtEnv, "admin", "bootstrap", "--out", keyFile) // the bootstrap service
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	serveAsRuntime(t, rtEnv, strings.TrimSpace(string(key))) // samo1, samo2

	rt, err := sql.Open("pgx", asRole(runtime))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	var current string
	if err := rt.QueryRow(`SELECT current_user`).Scan(&current); err != nil || current != runtime {
		t.Fatalf("current_user = %q, %v; want %s", current, err, runtime)
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
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`, runtime)
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
	checkRoleAttributes(t, super, owner, runtime)
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	serveEnv := map[string]string{"SAMO_ADDR": addr}
	for k, v := range env {
		serveEnv[k] = v
	}
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
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ ID string }
	err = json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil || p.ID == "" {
		t.Fatalf("predict as the runtime role: %d, id %q, %v", resp.StatusCode, p.ID, err)
	}
	req, _ = http.NewRequest(http.MethodGet, base+"/v1/predictions/"+url.PathEscape(p.ID), nil)
	req.Header.Set("X-API-Key", key)
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
