package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigReferenceJSON: --json lists every variable the Markdown table
// lists, with its flag, default and kind; secrets are marked.
func TestConfigReferenceJSON(t *testing.T) {
	out, e, code := runCLI(t, nil, "config", "reference", "--json")
	var vars []settingJSON
	if err := json.Unmarshal([]byte(out), &vars); err != nil || code != 0 {
		t.Fatalf("config reference --json: exit %d, %v: %s %s", code, err, out, e)
	}
	table, _, _ := runCLI(t, nil, "config", "reference")
	if rows := strings.Count(table, "\n| `"); rows != len(vars) || rows < 20 {
		t.Errorf("--json lists %d variables, the table %d", len(vars), rows)
	}
	byName := map[string]settingJSON{}
	for _, v := range vars {
		byName[v.Name] = v
	}
	if a := byName["SAMO_ADDR"]; a.Flag != "addr" || a.Default == "" || a.Description == "" || a.Secret {
		t.Errorf("SAMO_ADDR = %+v", a)
	}
	if k := byName["ENCRYPTION_KEY"]; !k.Secret || k.Flag != "" {
		t.Errorf("ENCRYPTION_KEY = %+v, want a secret without a flag", k)
	}
	if _, _, code := runCLI(t, nil, "config", "reference", "extra"); code != 2 {
		t.Errorf("config reference extra: exit %d, want 2", code)
	}
}

// TestAlwaysJSONCommands: the commands whose output is JSON anyway accept
// --json and print the same.
func TestAlwaysJSONCommands(t *testing.T) {
	env := map[string]string{"SAMO_DATA_DIR": filepath.Join(t.TempDir(), "none"), "SAMO_MODEL_FILE": tinyModelFile}
	plain, _, code := runCLIStdin(t, env, "I am thrilled\n", "model", "predict")
	withFlag, e, code2 := runCLIStdin(t, env, "I am thrilled\n", "model", "predict", "--json")
	if code != 0 || code2 != 0 || plain != withFlag || !strings.Contains(plain, `"primary_emotion"`) {
		t.Errorf("model predict --json: exit %d/%d %s\n%s\n%s", code, code2, e, plain, withFlag)
	}
}

// runCLIStdin is runCLI with stdin.
func runCLIStdin(t *testing.T, env map[string]string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }})
	return out.String(), errb.String(), code
}
