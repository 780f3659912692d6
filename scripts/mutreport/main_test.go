package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadAndTable(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "internal_auth.json")
	if err := os.WriteFile(p, []byte(`{"files":[{"file_name":"auth.go","mutations":[
		{"type":"CONDITIONALS_NEGATION","status":"KILLED","line":1,"column":2},
		{"type":"CONDITIONALS_NEGATION","status":"KILLED","line":2,"column":2},
		{"type":"CONDITIONALS_NEGATION","status":"KILLED","line":3,"column":2},
		{"type":"CONDITIONALS_BOUNDARY","status":"LIVED","line":9,"column":4},
		{"type":"ARITHMETIC_BASE","status":"NOT COVERED","line":12,"column":5}]}],"elapsed_time":120}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := load(p)
	if err != nil {
		t.Fatal(err)
	}
	if r.pkg != "internal/auth" || r.killed != 3 || r.lived != 1 || r.uncovered != 1 {
		t.Fatalf("row = %+v", r)
	}
	if r.efficacy() != 75 || r.coverage() != 80 {
		t.Errorf("efficacy %.1f coverage %.1f, want 75 and 80", r.efficacy(), r.coverage())
	}
	var b strings.Builder
	table(&b, []row{r})
	for _, w := range []string{"| `internal/auth` | 3 | 1 | 1 | 0 | 0 | 75.0 % | 80.0 % | 2 min | ", "lived: `internal/auth/auth.go:9:4 CONDITIONALS_BOUNDARY`"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, b.String())
		}
	}
	out, err := splice([]byte("intro\n"+begin+"\nold\n"+end+"\nafter\n"), []byte("new\n"))
	if err != nil || string(out) != "intro\n"+begin+"\nnew\n"+end+"\nafter\n" {
		t.Errorf("splice = %q, %v", out, err)
	}
	if _, err := splice([]byte("no markers"), nil); err == nil {
		t.Error("splice without markers succeeded")
	}
}

// TestDryRunRow: a gremlins --dry-run result (mutants RUNNABLE) gives the
// coverage only and is never reported as meeting the efficacy target.
func TestDryRunRow(t *testing.T) {
	p := filepath.Join(t.TempDir(), "internal_token.json")
	if err := os.WriteFile(p, []byte(`{"files":[{"file_name":"a.go","mutations":[
		{"type":"CONDITIONALS_NEGATION","status":"RUNNABLE","line":1,"column":2},
		{"type":"CONDITIONALS_NEGATION","status":"RUNNABLE","line":2,"column":2},
		{"type":"CONDITIONALS_NEGATION","status":"RUNNABLE","line":3,"column":2},
		{"type":"ARITHMETIC_BASE","status":"NOT COVERED","line":12,"column":5}]}],"elapsed_time":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := load(p)
	if err != nil {
		t.Fatal(err)
	}
	if !r.dryRun() || r.coverage() != 75 || r.measured.IsZero() {
		t.Fatalf("row = %+v (coverage %.1f)", r, r.coverage())
	}
	var b strings.Builder
	table(&b, []row{r})
	if !strings.Contains(b.String(), "| `internal/token` | – | – | 1 | 0 | 0 | not run | 75.0 % |") {
		t.Errorf("table:\n%s", b.String())
	}
}

// TestParts: the parts of one package's run (internal_seal.a.json and
// internal_seal.b.json) give one row with their counts added.
func TestParts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var rows []row
	for _, p := range []string{
		write("internal_seal.fernet.json", `{"files":[{"file_name":"fernet.go","mutations":[
			{"type":"CONDITIONALS_NEGATION","status":"KILLED","line":1,"column":2},
			{"type":"CONDITIONALS_BOUNDARY","status":"LIVED","line":9,"column":4}]}],"elapsed_time":60}`),
		write("internal_seal.rest.json", `{"files":[{"file_name":"seal.go","mutations":[
			{"type":"CONDITIONALS_NEGATION","status":"KILLED","line":1,"column":2},
			{"type":"CONDITIONALS_NEGATION","status":"KILLED","line":2,"column":2},
			{"type":"ARITHMETIC_BASE","status":"NOT COVERED","line":3,"column":5},
			{"type":"CONDITIONALS_NEGATION","status":"TIMED OUT","line":4,"column":2}]}],"elapsed_time":120}`),
		write("internal_auth.json", `{"files":[{"file_name":"auth.go","mutations":[
			{"type":"CONDITIONALS_NEGATION","status":"KILLED","line":1,"column":2}]}],"elapsed_time":60}`),
	} {
		r, err := load(p)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	rows = merge(rows)
	if len(rows) != 2 {
		t.Fatalf("merge gave %d rows, want 2: %+v", len(rows), rows)
	}
	var b strings.Builder
	table(&b, rows)
	for _, w := range []string{
		"| `internal/seal` | 3 | 1 | 1 | 1 | 0 | 75.0 % | 80.0 % | 3 min | ",
		"| `internal/auth` | 1 | 0 | 0 | 0 | 0 | 100.0 % | 100.0 % | 1 min | ",
		"lived: `internal/seal/fernet.go:9:4 CONDITIONALS_BOUNDARY`",
		"not covered: `internal/seal/seal.go:3:5 ARITHMETIC_BASE`",
	} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, b.String())
		}
	}
}

// TestKeepsOtherPackages: a run of some packages replaces their sections
// and leaves the others' rows and lists as the document had them.
func TestKeepsOtherPackages(t *testing.T) {
	doc := "intro\n" + begin + "\n| package | … |\n|---|\n" +
		"| `internal/auth` | 3 | 0 | 0 | 0 | 0 | 100.0 % | 100.0 % | 1 min | 2026-01-01 00:00 |\n" +
		"| `internal/ids` | 1 | 1 | 0 | 0 | 0 | 50.0 % | 100.0 % | 1 min | 2026-01-01 00:00 |\n" +
		"\n`internal/ids`:\n- lived: `internal/ids/a.go:1:1 X`\n" + end + "\nafter\n"
	r := row{pkg: "internal/auth", killed: 9, lived: 1, runnable: 10, lives: []string{"internal/auth/b.go:2:2 Y"}}
	var b strings.Builder
	table(&b, []row{r}, keptSections([]byte(doc), map[string]bool{"internal/auth": true})...)
	got := b.String()
	for _, w := range []string{"| `internal/auth` | 9 | 1 |", "| `internal/ids` | 1 | 1 |", "- lived: `internal/ids/a.go:1:1 X`", "- lived: `internal/auth/b.go:2:2 Y`"} {
		if !strings.Contains(got, w) {
			t.Errorf("table lacks %q:\n%s", w, got)
		}
	}
	if strings.Contains(got, "| `internal/auth` | 3 |") {
		t.Errorf("the run's package kept its old row:\n%s", got)
	}
	if strings.Index(got, "`internal/auth`:") > strings.Index(got, "`internal/ids`:") {
		t.Errorf("lists not in package order:\n%s", got)
	}
}

// TestRegeneratesTheDocument: with no new results, the generated part of
// docs/testing.md is written back unchanged.
func TestRegeneratesTheDocument(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "testing.md"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	table(&b, nil, keptSections(doc, nil)...)
	out, err := splice(doc, []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(doc) {
		t.Errorf("regenerating docs/testing.md changed it")
	}
}
