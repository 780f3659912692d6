package mutresult

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const result = `{"go_module":"m","files":[{"file_name":"a.go","mutations":[` +
	`{"type":"ARITHMETIC_BASE","status":"KILLED","line":3,"column":9},` +
	`{"type":"CONDITIONALS_NEGATION","status":"NOT COVERED","line":7,"column":12}]}],"mutants_total":2}`

func TestRewrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	if err := os.WriteFile(path, []byte(result), 0o600); err != nil {
		t.Fatal(err)
	}
	var seen []Mutant
	err := Rewrite(path, func(m *Mutant) error {
		seen = append(seen, *m)
		if m.Status == "NOT COVERED" {
			m.Status = "LIVED"
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Mutant{{"a.go", 3, 9, "ARITHMETIC_BASE", "KILLED"}, {"a.go", 7, 12, "CONDITIONALS_NEGATION", "NOT COVERED"}}
	if len(seen) != 2 || seen[0] != want[0] || seen[1] != want[1] {
		t.Fatalf("mutants %+v, want %+v", seen, want)
	}
	out, _ := os.ReadFile(path)
	if !strings.Contains(string(out), `"status":"LIVED"`) || !strings.Contains(string(out), `"status":"KILLED"`) || !strings.Contains(string(out), `"mutants_total":2`) {
		t.Errorf("rewritten file %s: want the new status and every other field kept", out)
	}
	// An error from fn leaves the file as it was.
	before, _ := os.ReadFile(path)
	if err := Rewrite(path, func(m *Mutant) error { m.Status = "X"; return errors.New("stop") }); err == nil {
		t.Error("fn's error was not returned")
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Errorf("file changed after an error: %s", after)
	}
}

func TestTry(t *testing.T) {
	src := filepath.Join(t.TempDir(), "a.go")
	orig := []byte("package a\n")
	if err := os.WriteFile(src, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	var during []byte
	if err := Try(src, orig, []byte("package b\n"), func() { during, _ = os.ReadFile(src) }); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(src); string(during) != "package b\n" || string(after) != string(orig) {
		t.Errorf("during check %q, after %q; want the mutant, then the original", during, after)
	}
}
