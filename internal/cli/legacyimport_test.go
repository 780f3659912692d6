package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/seal"
)

func TestLegacyImport(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SAMO_DATA_DIR": dir, "SAMO_MODEL_FILE": tinyModelFile}
	getenv := func(k string) string { return env[k] }
	run := func(stdin string, args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Main(context.Background(), args, IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: getenv})
		return out.String(), errb.String(), code
	}
	if _, e, code := run("", "init"); code != 0 {
		t.Fatalf("init: %s", e)
	}
	if _, e, code := run("", "keys", "create", "--user", "legacy", "--role", "user"); code != 0 {
		t.Fatalf("keys create: %s", e)
	}
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("guide-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	key, _ := seal.LegacyKey([]byte("guide-secret"))
	stored := func(s string) string { // what the Guide's Python stored: base64url(Fernet token)
		tok, err := key.EncryptAt([]byte(s), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return base64.URLEncoding.EncodeToString([]byte(tok))
	}
	input := strings.Join([]string{stored("thank you so much for the help"), "not-a-legacy-value", stored("<script>alert(1)</script>"), stored("I am terrified")}, "\n")
	out, errs, code := run(input, "crypto", "legacy", "import", "--password-file", pwFile, "--user", "legacy")
	if code != 1 || !strings.Contains(out, "imported 2 values for legacy, 2 failed") {
		t.Fatalf("import: exit %d\nstdout %s\nstderr %s", code, out, errs)
	}
	if !strings.Contains(errs, "line 2:") || !strings.Contains(errs, "line 3: refused") || strings.Contains(errs, "script") && !strings.Contains(errs, "markup") {
		t.Errorf("per-line errors: %s", errs)
	}
	if strings.Contains(errs, "thank you") || strings.Contains(errs, "alert(1)") {
		t.Errorf("error output leaked content: %s", errs)
	}
	out, errs, code = run(stored("so happy today")+"\nnot-a-legacy-value", "crypto", "legacy", "import", "--password-file", pwFile, "--user", "legacy", "--json")
	var got struct {
		User             string
		Imported, Failed int
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 1 || got.User != "legacy" || got.Imported != 1 || got.Failed != 1 {
		t.Errorf("import --json: exit %d, %v\nstdout %s\nstderr %s", code, err, out, errs)
	}
	// The imported text is in the store, sealed (not plaintext on disk).
	db, _ := os.ReadFile(filepath.Join(dir, "samo.db"))
	wal, _ := os.ReadFile(filepath.Join(dir, "samo.db-wal"))
	if bytes.Contains(append(db, wal...), []byte("terrified")) {
		t.Error("imported plaintext found in the database files")
	}
}
