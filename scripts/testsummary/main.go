// Command testsummary reads `go test -json` on standard input and prints
// what a plain `go test` prints for a quiet run (one line per package, the
// full output of failing tests, build errors), then one last line counting
// the skipped tests with their reasons:
//
//	go test -json ./... | go run ./scripts/testsummary
//
// It exits 1 when a test or a package failed, and also when a test was
// skipped while CI is true: in CI every dependency is installed, so a skip
// means something went unchecked. scripts/test.sh (make test) uses it.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	ImportPath string
	Test       string
	Output     string
}

// skip is one skipped test and the reason it gave.
type skip struct{ pkg, test, reason string }

type summary struct {
	out     io.Writer
	output  map[string][]string // buffered output per package/test
	skips   []skip
	failed  bool
	nPassed int
	nFailed int
}

func key(pkg, test string) string { return pkg + "\x00" + test }

func (s *summary) add(e event) {
	switch e.Action {
	case "build-output":
		fmt.Fprint(s.out, e.Output)
		return
	case "build-fail":
		s.failed = true
		return
	}
	k := key(e.Package, e.Test)
	switch e.Action {
	case "output":
		if e.Test == "" {
			// Package-level lines: the ok/FAIL summary, panics, "no test files".
			if l := e.Output; !strings.HasPrefix(l, "=== ") && !strings.HasPrefix(l, "PASS") && l != "FAIL\n" {
				fmt.Fprint(s.out, l)
			}
			return
		}
		s.output[k] = append(s.output[k], e.Output)
	case "pass":
		if e.Test != "" {
			s.nPassed++
		}
		delete(s.output, k)
	case "fail":
		s.failed = true
		if e.Test != "" {
			s.nFailed++
			for _, l := range s.output[k] {
				fmt.Fprint(s.out, l)
			}
		}
		delete(s.output, k)
	case "skip":
		if e.Test != "" {
			s.skips = append(s.skips, skip{pkg: e.Package, test: e.Test, reason: reason(s.output[k])})
		}
		delete(s.output, k)
	}
}

// reason extracts the skip message from a skipped test's output: the last
// line that is not a === or --- marker, without its file:line prefix.
func reason(lines []string) string {
	r := ""
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") {
			continue
		}
		if i := strings.Index(t, ".go:"); i > 0 && !strings.Contains(t[:i], " ") {
			if j := strings.Index(t[i:], ": "); j > 0 {
				t = t[i+j+2:]
			}
		}
		r = t
	}
	if r == "" {
		r = "no reason given"
	}
	return r
}

// line is the one-line summary of skipped tests: their number, then each
// distinct reason with the tests that gave it.
func (s *summary) line() string {
	if len(s.skips) == 0 {
		return fmt.Sprintf("tests: %d passed, %d failed, 0 skipped", s.nPassed, s.nFailed)
	}
	by := map[string][]string{}
	for _, sk := range s.skips {
		name := sk.pkg[strings.LastIndex(sk.pkg, "/")+1:] + "." + sk.test
		by[sk.reason] = append(by[sk.reason], name)
	}
	reasons := make([]string, 0, len(by))
	for r := range by {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	parts := make([]string, 0, len(reasons))
	for _, r := range reasons {
		tests := by[r]
		sort.Strings(tests)
		if len(tests) > 3 {
			tests = append(tests[:3], fmt.Sprintf("%d more", len(by[r])-3))
		}
		parts = append(parts, fmt.Sprintf("%q (%s)", r, strings.Join(tests, ", ")))
	}
	return fmt.Sprintf("tests: %d passed, %d failed, %d skipped: %s", s.nPassed, s.nFailed, len(s.skips), strings.Join(parts, "; "))
}

func run(in io.Reader, out io.Writer, ci bool) int {
	s := &summary{out: out, output: map[string][]string{}}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Fprintln(out, sc.Text()) // not JSON: pass through (go vet output, stray prints)
			continue
		}
		s.add(e)
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(out, "testsummary:", err)
		s.failed = true
	}
	fmt.Fprintln(out, s.line())
	switch {
	case s.failed:
		return 1
	case ci && len(s.skips) > 0:
		fmt.Fprintln(out, "testsummary: CI=true and tests were skipped: install or start what they need")
		return 1
	}
	return 0
}

func main() {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	os.Exit(run(os.Stdin, os.Stdout, ci))
}
