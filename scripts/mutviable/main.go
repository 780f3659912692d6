// Command mutviable corrects a gremlins v0.6.0 result file: gremlins counts
// a mutant KILLED when `go test` fails, and `go test` also fails when the
// mutant does not compile, as when an arithmetic mutation turns a string
// concatenation into a subtraction ("a" - "b"). mutviable applies every
// KILLED ARITHMETIC_BASE mutant of the file again, one at a time, builds
// the package (tests excluded), restores the source, and rewrites the
// status of those that do not build to "NOT VIABLE", which the report
// counts in neither efficacy nor coverage.
//
// Usage (from the module root, on the source the result was made from):
//
//	go run ./scripts/mutviable -pkg internal/auth mutate-out/internal_auth.json
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/samo-brain/samo/scripts/internal/mutresult"
)

// swaps are gremlins' ARITHMETIC_BASE replacements.
var swaps = map[string]string{"+": "-", "-": "+", "*": "/", "/": "*", "%": "*"}

// mutate returns line with the arithmetic operator at column col (1-based,
// bytes) replaced as gremlins does, or false when there is none there.
func mutate(line string, col int) (string, bool) {
	i := col - 1
	if i < 0 || i >= len(line) {
		return "", false
	}
	op := line[i : i+1]
	to, ok := swaps[op]
	if !ok || (i+1 < len(line) && (line[i+1] == '=' || line[i+1] == op[0])) {
		return "", false // "+=", "++": other mutators
	}
	return line[:i] + to + line[i+1:], true
}

// builds reports whether the package in dir compiles.
func builds(dir string) bool {
	cmd := exec.Command("go", "build", "./"+dir) // #nosec G204 -- a developer tool building the package it was given
	cmd.Stdout, cmd.Stderr = nil, nil
	return cmd.Run() == nil
}

func run(pkg, path string) (int, error) {
	n := 0
	err := mutresult.Rewrite(path, func(m *mutresult.Mutant) error {
		if m.Status != "KILLED" || m.Type != "ARITHMETIC_BASE" {
			return nil
		}
		src := filepath.Join(pkg, m.File)
		orig, err := os.ReadFile(src) // #nosec G304 -- a source file of the package
		if err != nil {
			return err
		}
		lines := strings.Split(string(orig), "\n")
		if m.Line < 1 || m.Line > len(lines) {
			return nil
		}
		mutated, ok := mutate(lines[m.Line-1], m.Column)
		if !ok {
			return nil
		}
		lines[m.Line-1] = mutated
		if err := mutresult.Try(src, orig, []byte(strings.Join(lines, "\n")), func() { ok = builds(pkg) }); err != nil {
			return err
		}
		if !ok {
			m.Status = "NOT VIABLE"
			n++
			fmt.Printf("not viable: %s:%d:%d\n", src, m.Line, m.Column)
		}
		return nil
	})
	return n, err
}

func main() {
	pkg := flag.String("pkg", "", "package directory the result is for, e.g. internal/auth")
	flag.Parse()
	if *pkg == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: mutviable -pkg internal/PKG RESULT.json")
		os.Exit(2)
	}
	n, err := run(*pkg, flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutviable:", err)
		os.Exit(1)
	}
	fmt.Printf("mutviable: %s: %d killed mutants do not compile (now NOT VIABLE)\n", *pkg, n)
}
