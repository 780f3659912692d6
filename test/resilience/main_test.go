package resilience

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // reads the data file after the server stops
)

// samoBin is the samo binary TestMain builds ("" under -short).
var samoBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		return m.Run() // no binary: every test skips in newSamo or createKey
	}
	dir, err := os.MkdirTemp("", "samo-resilience-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	samoBin = filepath.Join(dir, "samo")
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "resilience: finding the module root:", err)
		return 1
	}
	build := exec.Command("go", "build", "-o", samoBin, "./cmd/samo")
	build.Dir = strings.TrimSpace(string(out))
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "resilience: building samo:", err)
		return 1
	}
	return m.Run()
}

// samo is a running `samo serve`.
type samo struct {
	t       *testing.T
	cmd     *exec.Cmd
	addr    string
	dataDir string
	env     []string
	logPath string
	done    chan struct{}
}

// env is the development configuration of every test server: a fresh
// data dir, high limits (the tests measure faults, not throttling) and
// extra settings.
func samoEnv(addr, dataDir string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "SAMO_") || k == "DATABASE_URL" || k == "REDIS_URL" || strings.HasPrefix(k, "RATE_LIMIT") ||
			strings.HasPrefix(k, "IP_") || strings.HasPrefix(k, "IDS_") || strings.HasPrefix(k, "SECURITY_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "SECURITY_LEVEL=development", "SAMO_ADDR="+addr, "SAMO_DATA_DIR="+dataDir,
		"RATE_LIMIT_REQUESTS=1000000", "IP_RATE_LIMIT_REQUESTS=1000000", "IDS_REQUESTS_PER_MINUTE=60000",
		"IP_ALLOWLIST=127.0.0.1/32", "LOG_LEVEL=warn")
	return append(env, extra...)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// createKey runs `samo init` (key commands refuse a missing database) and
// `samo keys create` for a user-role key.
func createKey(t *testing.T, env []string, dir string) string {
	needSamo(t)
	t.Helper()
	initCmd := exec.Command(samoBin, "init")
	initCmd.Dir, initCmd.Env = dir, env
	if out, err := initCmd.CombinedOutput(); err != nil {
		t.Fatalf("samo init: %v: %s", err, out)
	}
	cmd := exec.Command(samoBin, "keys", "create", "--user", "tester", "--role", "user", "--json")
	var out, errOut bytes.Buffer
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("samo keys create: %v: %s", err, errOut.String())
	}
	var k struct {
		Key string `json:"key"`
	}
	if err := json.Unmarshal(out.Bytes(), &k); err != nil || k.Key == "" {
		t.Fatalf("samo keys create printed %q", out.String())
	}
	return k.Key
}

// newSamo prepares a server in dataDir (created when "") and returns it
// with a user key; call start.
func newSamo(t *testing.T, dataDir string, extra ...string) (*samo, string) {
	needSamo(t)
	t.Helper()
	work := t.TempDir()
	if dataDir == "" {
		dataDir = filepath.Join(work, "data")
	}
	s := &samo{t: t, addr: freeAddr(t), dataDir: dataDir, logPath: filepath.Join(work, "server.log")}
	s.env = samoEnv(s.addr, dataDir, extra...)
	key := createKey(t, s.env, work)
	return s, key
}

// start runs the server and waits for GET /ready (not only /health: the
// first requests must find intrusion detection and the store ready).
func (s *samo) start() {
	s.t.Helper()
	if !s.tryStart(60 * time.Second) {
		s.t.Fatalf("samo did not start:\n%s", s.logTail())
	}
}

// tryStart is start that reports failure (the server exited or was not
// ready within d) instead of failing the test.
func (s *samo) tryStart(d time.Duration) bool {
	t := s.t
	t.Helper()
	if err := os.Truncate(s.logPath, 0); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	lf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(samoBin, "serve")
	s.cmd.Dir, s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = filepath.Dir(s.logPath), s.env, lf, lf
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); _ = lf.Close(); close(s.done) }()
	t.Cleanup(s.kill)
	deadline := time.Now().Add(d)
	for {
		select {
		case <-s.done:
			return false
		default:
		}
		if resp, err := http.Get("http://" + s.addr + "/ready"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		if time.Now().After(deadline) {
			s.kill()
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop shuts the server down gracefully and waits.
func (s *samo) stop() {
	s.t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.t.Errorf("samo did not stop within 30s of SIGTERM")
		s.kill()
	}
}

// kill ends the server with SIGKILL (no chance to flush anything).
func (s *samo) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
	default:
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *samo) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// rss returns the server's resident set size in bytes.
func (s *samo) rss() int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n << 10
		}
	}
	return 0
}

// predictBody is a typical request.
func predictBody(i int) []byte {
	return []byte(fmt.Sprintf(`{"text":"I can't believe how well interview %d went, I'm so happy right now!!","taxonomy":"goemotions"}`, i))
}

// post sends one request and returns status, content type and body.
func (s *samo) post(path, key string, body []byte) (int, string, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.addr+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// predictionID extracts "id" from a 200 predict answer.
func predictionID(body []byte) string {
	var p struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &p)
	return p.ID
}

// storedIDs opens the stopped server's SQLite file, checks its integrity,
// and returns the ids of every stored prediction.
func storedIDs(t *testing.T, dataDir string) map[string]bool {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "samo.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var check string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v; want ok", check, err)
	}
	rows, err := db.QueryContext(ctx, "SELECT id FROM predictions")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ids := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[id] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// needSamo skips a process-level test under go test -short, which builds
// no binary (make test runs them all).
func needSamo(t *testing.T) {
	t.Helper()
	if samoBin == "" {
		t.Skip("process-level test: skipped under -short (make test runs it)")
	}
}
