package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/app"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/testredis"
)

func TestIPBlockUnblockList(t *testing.T) {
	env := map[string]string{"SAMO_DATA_DIR": t.TempDir(), "IP_ALLOWLIST": "10.0.0.0/8"}
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Main(context.Background(), args, IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }})
		return out.String(), errb.String(), code
	}
	if _, e, code := run("init"); code != 0 {
		t.Fatalf("init: exit %d: %s", code, e)
	}
	if _, e, code := run("ip", "block", "203.0.113.7", "--reason", "scanner", "--duration", "2h"); code != 0 {
		t.Fatalf("block: exit %d: %s", code, e)
	}
	out, _, code := run("ip", "list")
	if code != 0 || !strings.Contains(out, "203.0.113.7") || !strings.Contains(out, "scanner") {
		t.Fatalf("list: exit %d:\n%s", code, out)
	}
	if _, e, code := run("ip", "block", "10.1.2.3", "--reason", "nope"); code != 1 || !strings.Contains(e, "allowlisted") {
		t.Errorf("blocking an allowlisted address: exit %d: %s", code, e)
	}
	if _, _, code := run("ip", "block", "not-an-ip", "--reason", "x"); code != 2 {
		t.Errorf("bad address: exit %d, want 2", code)
	}
	if _, e, code := run("ip", "unblock", "203.0.113.7"); code != 0 {
		t.Fatalf("unblock: exit %d: %s", code, e)
	}
	if out, _, _ := run("ip", "list", "--json"); strings.Contains(out, "203.0.113.7") {
		t.Errorf("still listed after unblock: %s", out)
	}
	if _, _, code := run("ip", "unblock", "203.0.113.7"); code != 1 {
		t.Errorf("unblocking an address that is not blocked: exit %d, want 1", code)
	}
}

// TestIPBlockReachesServer: samo ip block, run on the host with a running
// server's settings (its database and, when set, its REDIS_URL), refuses
// that server's requests from the address within a second, without a
// restart; ip list shows the block and ip unblock lifts it. So does the
// block of a critical incident's playbook run by samo incidents open.
// With Redis the servers read blocks from Redis only, so both commands
// must write them there, not to the database.
func TestIPBlockReachesServer(t *testing.T) {
	run := func(t *testing.T, redisURL string) {
		env := map[string]string{
			"SAMO_DATA_DIR":  t.TempDir(),
			"SAMO_ENV_FILE":  "",
			"JWT_SECRET_KEY": "test-jwt-secret-0123456789-abcdefghijklmnop",
			"ENCRYPTION_KEY": "dGhpcyBpcyAzMiBieXRlcyBvZiB0ZXN0IGtleSEhISE=",
		}
		if redisURL != "" {
			env["REDIS_URL"] = redisURL
		}
		h := runningServer(t, env)
		const addr, source = "203.0.113.7", "198.51.100.9"
		status := func(addr string) int {
			r := httptest.NewRequest(http.MethodGet, "/v1/predictions", nil)
			r.RemoteAddr = addr + ":40000"
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w.Code
		}
		if got := status(addr); got != http.StatusUnauthorized {
			t.Fatalf("request without a key before the block: %d, want 401", got)
		}
		if _, e, code := runCLI(t, env, "ip", "block", addr, "--reason", "scanner", "--duration", "2h"); code != 0 {
			t.Fatalf("ip block: exit %d: %s", code, e)
		}
		if !within(3*time.Second, func() bool { return status(addr) == http.StatusForbidden }) {
			t.Errorf("requests from %s still answered %d 3 s after samo ip block; want 403", addr, status(addr))
		}
		if out, e, code := runCLI(t, env, "ip", "list"); code != 0 || !strings.Contains(out, addr) || !strings.Contains(out, "scanner") {
			t.Errorf("ip list: exit %d: %s %s; want the block", code, out, e)
		}
		if _, e, code := runCLI(t, env, "ip", "unblock", addr); code != 0 {
			t.Fatalf("ip unblock: exit %d: %s", code, e)
		}
		if !within(3*time.Second, func() bool { return status(addr) == http.StatusUnauthorized }) {
			t.Errorf("requests from %s answered %d 3 s after samo ip unblock; want 401", addr, status(addr))
		}
		if out, _, _ := runCLI(t, env, "ip", "list", "--json"); strings.Contains(out, addr) {
			t.Errorf("ip list after unblock still shows %s: %s", addr, out)
		}
		if _, e, code := runCLI(t, env, "incidents", "open", "--type", "credential_stuffing", "--severity", "critical",
			"--description", "stolen keys tried", "--source", "ip:"+source); code != 0 {
			t.Fatalf("incidents open: exit %d: %s", code, e)
		}
		if !within(3*time.Second, func() bool { return status(source) == http.StatusForbidden }) {
			t.Errorf("requests from %s answered %d 3 s after a critical incident's playbook blocked it; want 403", source, status(source))
		}
	}
	t.Run("database", func(t *testing.T) { run(t, "") })
	t.Run("redis", func(t *testing.T) { run(t, testredis.Reserve(t)) })
}

// runningServer builds the server of env, runs its background jobs until
// the test ends, and returns its handler.
func runningServer(t *testing.T, env map[string]string) http.Handler {
	t.Helper()
	cfg, err := config.LoadFlags(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Build(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		_ = a.Run(ctx, func(ctx context.Context) error { <-ctx.Done(); return nil })
		close(done)
	}()
	t.Cleanup(func() { cancel(); <-done; _ = a.Close() })
	return a.Handler
}

// within polls ok until it holds or d has passed.
func within(d time.Duration, ok func() bool) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(100 * time.Millisecond) {
		if ok() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}
