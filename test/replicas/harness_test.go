package replicas

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/samo-brain/samo/internal/testdep"
	"github.com/samo-brain/samo/internal/testredis"
)

// samoBin is the binary TestMain builds once for every test.
var samoBin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Getenv("SAMO_TEST_POSTGRES_URL") == "" || os.Getenv("SAMO_TEST_REDIS_URL") == "" {
		return m.Run() // every test skips
	}
	dir, err := os.MkdirTemp("", "samo-replicas-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	samoBin = filepath.Join(dir, "samo")
	build := exec.Command("go", "build", "-o", samoBin, "./cmd/samo")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build ./cmd/samo: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// services are a PostgreSQL server and a Redis server.
type services struct {
	pgURL, redisURL string
	script, dir     string // set for private services (fault tests)
}

// sharedServices returns the servers make test started, or skips.
func sharedServices(t *testing.T) services {
	t.Helper()
	s := services{pgURL: os.Getenv("SAMO_TEST_POSTGRES_URL"), redisURL: os.Getenv("SAMO_TEST_REDIS_URL")}
	if s.pgURL == "" || s.redisURL == "" {
		testdep.Missing(t, "SAMO_TEST_POSTGRES_URL and SAMO_TEST_REDIS_URL not set (make test starts them)")
	}
	return s
}

// privateServices starts servers of the test's own with services.sh, so
// the test may stop and restart them.
func privateServices(t *testing.T) services {
	t.Helper()
	sharedServices(t)
	script := os.Getenv("SAMO_TEST_SERVICES_SCRIPT")
	if script == "" {
		testdep.Missing(t, "SAMO_TEST_SERVICES_SCRIPT not set: cannot start private servers for fault tests (make test sets it)")
	}
	// Not t.TempDir: PostgreSQL runs as another user, who must be able to
	// reach the directory (services.sh opens it up).
	dir, err := os.MkdirTemp("", "samo-faults-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(dir); err != nil { // services.sh wants to create it
		t.Fatal(err)
	}
	s := services{script: script, dir: dir}
	s.ctl(t, "start")
	t.Cleanup(func() { s.ctl(t, "stop") })
	vars, err := readEnvFile(filepath.Join(dir, "env"))
	if err != nil {
		t.Fatal(err)
	}
	s.pgURL, s.redisURL = vars["SAMO_TEST_POSTGRES_URL"], vars["SAMO_TEST_REDIS_URL"]
	return s
}

// ctl runs services.sh cmd on private services.
func (s services) ctl(t *testing.T, cmd string) {
	t.Helper()
	out, err := exec.Command("bash", s.script, cmd, s.dir).CombinedOutput()
	if err != nil {
		t.Fatalf("services.sh %s: %v\n%s", cmd, err, out)
	}
}

func readEnvFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path) // #nosec G304 -- written by services.sh in the test's directory
	if err != nil {
		return nil, err
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimPrefix(sc.Text(), "export ")
		k, v, ok := strings.Cut(line, "=")
		if ok {
			vars[k] = strings.Trim(v, "'")
		}
	}
	return vars, sc.Err()
}

func randHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// database creates a fresh database on the server and returns its URL.
func (s services) database(t *testing.T) string {
	t.Helper()
	name := "samo_rep_" + randHex(t, 6)
	admin, err := sql.Open("pgx", s.pgURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		_ = admin.Close()
	})
	u, err := url.Parse(s.pgURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// redisDB reserves a logical Redis database (1..255) for the test,
// emptied before and after, and returns its URL.
func (s services) redisDB(t *testing.T) string {
	t.Helper()
	return testredis.DB(t, s.redisURL)
}

// replica is one running `samo serve` process.
type replica struct {
	name    string
	addr    string
	dataDir string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
}

// baseEnv is the configuration every replica shares (besides the URLs).
func baseEnv(dbURL, redisURL string) map[string]string {
	return map[string]string{
		"DATABASE_URL":             dbURL,
		"REDIS_URL":                redisURL,
		"JWT_SECRET_KEY":           "replica-test-jwt-secret-0123456789-abcdefghijklmnop",
		"ENCRYPTION_KEY":           "dGhpcyBpcyAzMiBieXRlcyBvZiB0ZXN0IGtleSEhISE=",
		"SECURITY_ALERT_SECRET":    "replica-test-alert-secret-0123456789abcdef",
		"TRUSTED_PROXIES":          "127.0.0.1/32",
		"LOG_LEVEL":                "warn",
		"SECURITY_LOGGING_ENABLED": "false",
		"SHUTDOWN_TIMEOUT":         "5s",
	}
}

// startReplica starts `samo serve` with env on a free loopback port and
// waits until /health answers.
func startReplica(t *testing.T, name string, env map[string]string) *replica {
	t.Helper()
	dir := t.TempDir()
	r := &replica{name: name, addr: freeAddr(t), dataDir: dir, logPath: filepath.Join(dir, "serve.log"), exited: make(chan struct{})}
	logf, err := os.Create(r.logPath)
	if err != nil {
		t.Fatal(err)
	}
	r.cmd = exec.Command(samoBin, "serve") // #nosec G204 -- the binary this test built
	r.cmd.Dir = dir
	r.cmd.Stdout, r.cmd.Stderr = logf, logf
	r.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "SAMO_ADDR=" + r.addr, "SAMO_DATA_DIR=" + dir}
	for k, v := range env {
		r.cmd.Env = append(r.cmd.Env, k+"="+v)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = r.cmd.Wait(); _ = logf.Close(); close(r.exited) }()
	t.Cleanup(func() {
		r.stop()
		if t.Failed() {
			b, _ := os.ReadFile(r.logPath)
			t.Logf("replica %s log:\n%s", r.name, tail(b, 4000))
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if st, _, _ := r.get("/health", "", ""); st == http.StatusOK {
			return r
		}
		select {
		case <-r.exited:
			b, _ := os.ReadFile(r.logPath)
			t.Fatalf("replica %s exited during start:\n%s", name, tail(b, 4000))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %s not healthy within 30s", name)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// stop ends the replica gracefully (SIGTERM, then SIGKILL after 10 s).
func (r *replica) stop() {
	select {
	case <-r.exited:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.exited
	}
}

// kill ends the replica with SIGKILL (kill -9) and waits for it.
func (r *replica) kill() {
	_ = r.cmd.Process.Kill()
	<-r.exited
}

// alive reports whether the process is still running.
func (r *replica) alive() bool {
	select {
	case <-r.exited:
		return false
	default:
		return true
	}
}

// adminKey creates the first admin with "samo admin bootstrap" run against
// the replica's store (as an operator or a Kubernetes Job would) and returns
// its key. Replicas on PostgreSQL write no admin.key themselves.
func (r *replica) adminKey(t *testing.T) string {
	t.Helper()
	path := filepath.Join(r.dataDir, "admin.key")
	if b, err := os.ReadFile(path); err == nil {
		t.Fatalf("replica %s wrote %s on first start (%d bytes); only admin bootstrap may", r.name, path, len(b))
	}
	cmd := exec.Command(samoBin, "admin", "bootstrap", "--out", path) // #nosec G204 -- the binary this test built
	cmd.Env = r.cmd.Env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("admin bootstrap: %v: %s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("admin key: %v", err)
	}
	return strings.TrimSpace(string(b))
}

// logHas reports whether the replica's log contains s.
func (r *replica) logHas(s string) bool {
	b, _ := os.ReadFile(r.logPath)
	return bytes.Contains(b, []byte(s))
}

// response is what a test needs of an HTTP answer.
type response struct {
	status    int
	body      []byte
	requestID string
	ctype     string
}

// call sends a request. auth is "key:<api key>", "bearer:<jwt>" or "";
// client is the simulated client address (X-Forwarded-For) or "".
func (r *replica) call(method, path, auth, client string, body any) (response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "http://"+r.addr+path, rd)
	if err != nil {
		return response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case strings.HasPrefix(auth, "key:"):
		req.Header.Set("X-API-Key", strings.TrimPrefix(auth, "key:"))
	case strings.HasPrefix(auth, "bearer:"):
		req.Header.Set("Authorization", "Bearer "+strings.TrimPrefix(auth, "bearer:"))
	}
	if client != "" {
		req.Header.Set("X-Forwarded-For", client)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, body: b, requestID: resp.Header.Get("X-Request-ID"), ctype: resp.Header.Get("Content-Type")}, nil
}

// get is call for GET requests, returning status, body and error.
func (r *replica) get(path, auth, client string) (int, []byte, error) {
	resp, err := r.call(http.MethodGet, path, auth, client, nil)
	return resp.status, resp.body, err
}

// must is call that fails t on transport errors.
func (r *replica) must(t *testing.T, method, path, auth, client string, body any) response {
	t.Helper()
	resp, err := r.call(method, path, auth, client, body)
	if err != nil {
		t.Fatalf("%s %s on %s: %v", method, path, r.name, err)
	}
	return resp
}

// createKey creates a key for a new user through the admin API.
func (r *replica) createKey(t *testing.T, admin, user, role string) (id, plain string) {
	t.Helper()
	resp := r.must(t, http.MethodPost, "/v1/admin/keys", "key:"+admin, "", map[string]string{"user": user, "role": role, "name": "replica test"})
	var k struct{ ID, Key string }
	if resp.status != http.StatusCreated || json.Unmarshal(resp.body, &k) != nil || k.Key == "" {
		t.Fatalf("create key on %s: %d %s", r.name, resp.status, resp.body)
	}
	return k.ID, k.Key
}

// eventually polls cond every 20 ms until it holds or d passes, and
// returns how long it took.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}
