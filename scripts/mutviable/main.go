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
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	raw, err := os.ReadFile(path) // #nosec G304 -- the result file the developer names
	if err != nil {
		return 0, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	files, _ := doc["files"].([]any)
	n := 0
	for _, f := range files {
		fm, _ := f.(map[string]any)
		name, _ := fm["file_name"].(string)
		src := filepath.Join(pkg, name)
		muts, _ := fm["mutations"].([]any)
		for _, m := range muts {
			mm, _ := m.(map[string]any)
			if mm["status"] != "KILLED" || mm["type"] != "ARITHMETIC_BASE" {
				continue
			}
			orig, err := os.ReadFile(src) // #nosec G304 -- a source file of the package
			if err != nil {
				return n, err
			}
			lines := strings.Split(string(orig), "\n")
			ln, _ := mm["line"].(float64)
			col, _ := mm["column"].(float64)
			if int(ln) < 1 || int(ln) > len(lines) {
				continue
			}
			mutated, ok := mutate(lines[int(ln)-1], int(col))
			if !ok {
				continue
			}
			lines[int(ln)-1] = mutated
			if err := os.WriteFile(src, []byte(strings.Join(lines, "\n")), 0o644); err != nil { // #nosec G306 G703 -- a source file named by the local gremlins report (a developer tool); restored below
				return n, err
			}
			ok = builds(pkg)
			if err := os.WriteFile(src, orig, 0o644); err != nil { // #nosec G306 G703 -- restores the source file named by the local gremlins report (a developer tool)
				return n, err
			}
			if !ok {
				mm["status"] = "NOT VIABLE"
				n++
				fmt.Printf("not viable: %s:%d:%d\n", src, int(ln), int(col))
			}
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return n, err
	}
	return n, os.WriteFile(path, out, 0o644) // #nosec G306 G703 -- rewrites the result file the developer names
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
