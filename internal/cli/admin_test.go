package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/store"
)

// runCLI runs samo with args and env and returns stdout, stderr and the
// exit code.
func runCLI(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }})
	return out.String(), errb.String(), code
}

func TestAdminBootstrapIdempotent(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SAMO_DATA_DIR": filepath.Join(dir, "data")}
	keyFile := filepath.Join(dir, "admin.key")
	out, e, code := runCLI(t, env, "admin", "bootstrap", "--out", keyFile, "--json")
	if code != 0 {
		t.Fatalf("bootstrap: exit %d: %s", code, e)
	}
	var res bootstrapResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || !res.Created || res.Key != "" || res.File != keyFile {
		t.Fatalf("bootstrap --json = %q (%v); want created, key only in the file", out, err)
	}
	fi, err := os.Stat(keyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	key, _ := os.ReadFile(keyFile)
	if !strings.HasPrefix(strings.TrimSpace(string(key)), "samo_") && len(strings.TrimSpace(string(key))) < 20 {
		t.Errorf("key file holds %q", key)
	}
	// The key works: keys list shows one active admin key.
	out, e, code = runCLI(t, env, "keys", "list", "--json")
	if code != 0 || strings.Count(out, `"role":"admin"`) != 1 {
		t.Fatalf("keys list: exit %d %s %s", code, out, e)
	}
	// A second run changes nothing, says so, and leaves the file alone.
	out, e, code = runCLI(t, env, "admin", "bootstrap")
	if code != 0 || out != "" || !strings.Contains(e, "nothing changed") {
		t.Fatalf("second bootstrap: exit %d stdout %q stderr %q", code, out, e)
	}
	out, _, _ = runCLI(t, env, "keys", "list", "--json")
	if strings.Count(out, `"id"`) != 1 {
		t.Errorf("second bootstrap created a key: %s", out)
	}
	// The key's creation is a security event, recorded once, by the CLI.
	checkBootstrapEvent(t, env["SAMO_DATA_DIR"], res.KeyID, actor(), viaCLI)
}

// checkBootstrapEvent fails t unless the store in dataDir holds exactly one
// key_created event, for the admin key keyID, by by, via via, marked
// "bootstrap".
func checkBootstrapEvent(t *testing.T, dataDir, keyID, by, via string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "", dataDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err := st.ListEvents(ctx, secevent.Filter{Types: []secevent.Type{secevent.KeyCreated}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 {
		t.Fatalf("key_created events: %d, want 1: %+v", len(evs), evs)
	}
	d := evs[0].Details
	if keyID != "" && d["new_key_id"] != keyID || d["new_key_id"] == "" || d["role"] != "admin" || d["bootstrap"] != "true" || d["by"] != by || d["via"] != via {
		t.Errorf("key_created details %v, want key %q, role admin, bootstrap, by %q, via %q", d, keyID, by, via)
	}
}

func TestAdminBootstrapPrintsKeyOnceAndRefusesExistingFile(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SAMO_DATA_DIR": dir}
	existing := filepath.Join(dir, "taken")
	if err := os.WriteFile(existing, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, e, code := runCLI(t, env, "admin", "bootstrap", "--out", existing); code != 1 || !strings.Contains(e, "already exists") {
		t.Fatalf("existing --out: exit %d: %s", code, e)
	}
	// Nothing was created: bootstrap still works and prints the key on stdout.
	out, e, code := runCLI(t, env, "admin", "bootstrap", "--user", "root-admin")
	if code != 0 || len(strings.TrimSpace(out)) < 20 || strings.Contains(out, "\n\n") {
		t.Fatalf("bootstrap: exit %d stdout %q stderr %q", code, out, e)
	}
	if !strings.Contains(e, `"root-admin"`) {
		t.Errorf("stderr %q does not name the user", e)
	}
}

func TestCommandsRefuseMissingDatabase(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "typo")
	env := map[string]string{"SAMO_DATA_DIR": missing}
	for _, args := range [][]string{
		{"keys", "list"}, {"ip", "list"}, {"incidents", "list"}, {"token", "verify"}, {"report"},
		{"keys", "revoke", "key_x"}, {"crypto", "rotate"},
	} {
		_, e, code := runCLI(t, env, args...)
		if code != 1 || !strings.Contains(e, "no database at") || strings.Count(strings.TrimSpace(e), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 and one line naming the missing database", args, code, e)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatalf("a refused command created %s (%v)", missing, err)
	}
	if _, e, code := runCLI(t, env, "init"); code != 0 {
		t.Fatalf("init: %s", e)
	}
	if out, e, code := runCLI(t, env, "keys", "list", "--json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("keys list after init: exit %d %q %s", code, out, e)
	}
}

func TestVersion(t *testing.T) {
	out, _, code := runCLI(t, nil, "version", "--json")
	var v map[string]string
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil {
		t.Fatalf("version --json: exit %d %q", code, out)
	}
	for _, k := range []string{"version", "commit", "date", "go"} {
		if v[k] == "" {
			t.Errorf("version --json lacks %q: %s", k, out)
		}
	}
	plain, _, code := runCLI(t, nil, "--version")
	if code != 0 || !strings.HasPrefix(plain, "samo "+v["version"]) {
		t.Errorf("--version: exit %d %q", code, plain)
	}
}

func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	if out, e, code := runCLI(t, map[string]string{"SAMO_ADDR": "0.0.0.0:" + port}, "healthcheck"); code != 0 || out != "healthy\n" {
		t.Fatalf("healthy server: exit %d %q %s", code, out, e)
	}
	out, e, code := runCLI(t, nil, "healthcheck", "--addr", addr, "--json")
	var hj struct{ Status, URL string }
	if err := json.Unmarshal([]byte(out), &hj); err != nil || code != 0 || hj.Status != "healthy" || hj.URL != "http://"+addr+"/health" {
		t.Errorf("healthcheck --json: exit %d, %v: %q %s", code, err, out, e)
	}
	status = http.StatusServiceUnavailable
	if _, e, code := runCLI(t, nil, "healthcheck", "--addr", addr); code != 1 || !strings.Contains(e, "503") {
		t.Errorf("503: exit %d %s", code, e)
	}
	srv.Close()
	if _, e, code := runCLI(t, nil, "healthcheck", "--addr", addr); code != 1 || !strings.Contains(e, "cannot reach") {
		t.Errorf("server down: exit %d %s", code, e)
	}
	if _, _, code := runCLI(t, nil, "healthcheck", "--addr", "nonsense"); code != 2 {
		t.Errorf("bad address: exit %d, want 2", code)
	}
}
