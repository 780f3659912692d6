package api

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// problemCode finds the codes of problems built in source:
// problem.Errorf(status, "code", ...) and &problem.Error{Status: ...,
// Code: "code"} (field codes, inside FieldError literals, are not problem
// types).
var problemCode = regexp.MustCompile(`Errorf\(http\.Status\w+, "([a-z0-9_]+)"|&problem\.Error\{Status: [^}]*?Code: "([a-z0-9_]+)"|^\s*Code: "([a-z0-9_]+)"`)

// TestProblemTypesDocumented: every problem type the API and the global
// middleware can send has a section in docs/problems.md, which the type
// URIs and the OpenAPI document point to.
func TestProblemTypesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/problems.md")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, dir := range []string{".", "../server", "../problem"} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		files = append(files, m...)
	}
	// Codes built from constants or helpers rather than literals.
	codes := map[string]string{"internal": "problem.go", "unavailable": "problem.go", codeUpstreamRejected: "api.go"}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(src), "\n") {
			if strings.Contains(line, "FieldError{") && !strings.Contains(line, "&problem.Error{") {
				continue
			}
			for _, m := range problemCode.FindAllStringSubmatch(line, -1) {
				for _, c := range m[1:] {
					if c != "" {
						codes[c] = f
					}
				}
			}
		}
	}
	if len(codes) < 30 {
		t.Fatalf("found only %d problem codes; the scan is broken", len(codes))
	}
	for c, f := range codes {
		if !strings.Contains(string(doc), "\n### "+c+"\n") {
			t.Errorf("problem type %q (%s) has no section in docs/problems.md", c, f)
		}
	}
}
