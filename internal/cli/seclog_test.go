package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/samo-brain/samo/internal/app"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/secevent"
)

// TestSeclogVerify: `samo seclog verify` checks the configured security
// log and its rotated files with the keyring's key: exit 0 and "intact"
// for the log as written, exit 1 naming the line once a line is changed.
func TestSeclogVerify(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SAMO_DATA_DIR": dir, "SECURITY_LOG_MAX_SIZE": "8192", "SECURITY_LOG_MAX_FILES": "3"}
	stdio := func(out, errb *bytes.Buffer) IO {
		return IO{Stdin: strings.NewReader(""), Stdout: out, Stderr: errb, Getenv: func(k string) string { return env[k] }}
	}
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Main(context.Background(), args, stdio(&out, &errb))
		return out.String(), errb.String(), code
	}
	if _, e, code := run("init"); code != 0 {
		t.Fatalf("init: exit %d: %s", code, e)
	}
	// Write the log as the server does: same configuration, same key.
	var out, errb bytes.Buffer
	cfg, st, ring, err := openKeyring(context.Background(), stdio(&out, &errb))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	writeServerLog(t, cfg, ring.DeriveKey(app.SecurityLogKeyPurpose), 60)
	if _, err := os.Stat(cfg.SecurityLogPath() + ".1"); err != nil {
		t.Fatalf("want a rotated file: %v", err)
	}
	o, e, code := run("seclog", "verify")
	if code != 0 || !strings.Contains(o, "60 lines, chain seq 1 to 60") || !strings.Contains(o, "intact") {
		t.Fatalf("verify: exit %d: out %q err %q", code, o, e)
	}
	raw, err := os.ReadFile(cfg.SecurityLogPath())
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(raw, []byte("\n"))
	lines[1] = bytes.Replace(lines[1], []byte(`"high"`), []byte(`"low"`), 1)
	if err := os.WriteFile(cfg.SecurityLogPath(), bytes.Join(lines, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	o, e, code = run("seclog", "verify", "--json", cfg.SecurityLogPath())
	if code != 1 || !strings.Contains(o, `"intact":false`) || !strings.Contains(o, `"line":2`) || !strings.Contains(e, "fails verification") {
		t.Errorf("verify after a change: exit %d:\n%s%s", code, o, e)
	}
}

// writeServerLog writes n high-severity events to the configured security
// log, chained under key, rotating as configured.
func writeServerLog(t *testing.T, cfg *config.Config, key []byte, n int) {
	t.Helper()
	l, err := secevent.OpenRotatingJSONLog(cfg.SecurityLogPath(), secevent.LogOptions{
		MaxSize: cfg.SecurityLogMaxSize, MaxFiles: cfg.SecurityLogMaxFiles, ChainKey: key})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := 0; i < n; i++ {
		e := secevent.Event{ID: "evt_" + strings.Repeat("x", i%5), Type: secevent.BruteForce, Severity: secevent.High,
			Details: map[string]string{"attempts": strings.Repeat("1", 40)}}
		if err := l.WriteEvents(context.Background(), []secevent.Event{e}); err != nil {
			t.Fatal(err)
		}
	}
}
