// Command mutreport turns gremlins result files (one per package, written
// by scripts/mutate.sh as mutate-out/<package>.json) into the mutation
// table of docs/testing.md, between the lines
//
//	<!-- mutate:begin -->
//	<!-- mutate:end -->
//
// Usage: go run ./scripts/mutreport [-doc docs/testing.md] [-check] FILE...
//
// The table has, per package: killed, lived, not covered, timed out,
// efficacy (killed / (killed + lived)) and mutant coverage ((killed +
// lived) / (killed + lived + not covered), as gremlins computes it), and when the result file was written. A result of
// gremlins --dry-run (mutants RUNNABLE, none tested) gives the coverage
// only; its efficacy shows as "not run". Lived and not-covered mutants are
// listed under the table by file and line. With -check it exits 1 when a
// package is below 90 % efficacy or 90 % coverage, or was not run.
//
// A package run in parts (mutate-out/<package>.<part>.json, as
// scripts/mutate.sh does for internal/seal) gives one row: the parts'
// counts and run times are added, and the row is dated by the last part.
//
// The packages of FILE... replace their rows and lists; the rows and lists
// of packages not given are kept as the document had them, so
// MUTATE_PACKAGES=internal/mask make mutate updates mask's figures only.
// -check judges the packages given.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// result is the part of a gremlins -o file that the report uses.
type result struct {
	Files []struct {
		FileName  string `json:"file_name"`
		Mutations []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
			Line   int    `json:"line"`
			Column int    `json:"column"`
		} `json:"mutations"`
	} `json:"files"`
	Elapsed float64 `json:"elapsed_time"`
}

// row is one package's figures.
type row struct {
	pkg                                string
	killed, lived, uncovered, timedOut int
	runnable                           int // dry run: covered, not tested
	others                             int
	elapsed                            float64
	measured                           time.Time
	lives, notCovered                  []string
}

func (r row) efficacy() float64 { return pct(r.killed, r.killed+r.lived) }

// coverage is gremlins' mutant coverage: tested mutants over tested and
// not covered ones. Timed-out and not-viable mutants count in neither.
func (r row) coverage() float64 {
	covered := r.killed + r.lived + r.runnable
	return pct(covered, covered+r.uncovered)
}

// dryRun reports whether the row comes from gremlins --dry-run.
func (r row) dryRun() bool { return r.runnable > 0 && r.killed+r.lived == 0 }

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// Targets of issue 17.
const (
	targetEfficacy = 90.0
	targetCoverage = 90.0
)

func load(path string) (row, error) {
	b, err := os.ReadFile(path) // #nosec G304 -- a developer tool reading the gremlins report it was given
	if err != nil {
		return row{}, err
	}
	var res result
	if err := json.Unmarshal(b, &res); err != nil {
		return row{}, fmt.Errorf("%s: %w", path, err)
	}
	name := strings.TrimSuffix(filepath.Base(path), ".json")
	if i := strings.IndexByte(name, '.'); i >= 0 {
		name = name[:i] // a part of a package's run
	}
	r := row{pkg: strings.ReplaceAll(name, "_", "/"), elapsed: res.Elapsed}
	if fi, err := os.Stat(path); err == nil {
		r.measured = fi.ModTime().UTC()
	}
	for _, f := range res.Files {
		for _, m := range f.Mutations {
			where := fmt.Sprintf("%s/%s:%d:%d %s", r.pkg, f.FileName, m.Line, m.Column, m.Type)
			switch m.Status {
			case "KILLED":
				r.killed++
			case "LIVED":
				r.lived++
				r.lives = append(r.lives, where)
			case "NOT COVERED":
				r.uncovered++
				r.notCovered = append(r.notCovered, where)
			case "TIMED OUT":
				r.timedOut++
			case "RUNNABLE":
				r.runnable++
			default:
				r.others++
			}
		}
	}
	slices.Sort(r.lives)
	slices.Sort(r.notCovered)
	return r, nil
}

// merge adds up the rows of the same package (the parts of one run), in
// the order of their first appearance.
func merge(rows []row) []row {
	var out []row
	at := map[string]int{}
	for _, r := range rows {
		i, seen := at[r.pkg]
		if !seen {
			at[r.pkg] = len(out)
			out = append(out, r)
			continue
		}
		m := &out[i]
		m.killed += r.killed
		m.lived += r.lived
		m.uncovered += r.uncovered
		m.timedOut += r.timedOut
		m.runnable += r.runnable
		m.others += r.others
		m.elapsed += r.elapsed
		if r.measured.After(m.measured) {
			m.measured = r.measured
		}
		m.lives = append(m.lives, r.lives...)
		m.notCovered = append(m.notCovered, r.notCovered...)
		slices.Sort(m.lives)
		slices.Sort(m.notCovered)
	}
	return out
}

// section is one package's generated text: its table row and its list
// of lived and not-covered mutants ("" when there are none).
type section struct{ pkg, row, list string }

func (r row) section() section {
	eff, killed, lived := fmt.Sprintf("%.1f %%", r.efficacy()), strconv.Itoa(r.killed), strconv.Itoa(r.lived)
	if r.dryRun() {
		eff, killed, lived = "not run", "–", "–"
	}
	when := "–"
	if !r.measured.IsZero() {
		when = r.measured.Format("2006-01-02 15:04")
	}
	sec := section{pkg: r.pkg, row: fmt.Sprintf("| `%s` | %s | %s | %d | %d | %d | %s | %.1f %% | %.0f min | %s |",
		r.pkg, killed, lived, r.uncovered, r.timedOut, r.others, eff, r.coverage(), r.elapsed/60, when)}
	var l strings.Builder
	for _, m := range r.lives {
		fmt.Fprintf(&l, "- lived: `%s`\n", m)
	}
	for _, m := range r.notCovered {
		fmt.Fprintf(&l, "- not covered: `%s`\n", m)
	}
	sec.list = l.String()
	return sec
}

// table writes the table and the mutant lists of rows and of kept (the
// sections of packages not in this run, taken from the document as they
// were), in package order.
func table(w io.Writer, rows []row, kept ...section) {
	secs := slices.Clone(kept)
	for _, r := range rows {
		secs = append(secs, r.section())
	}
	slices.SortFunc(secs, func(a, b section) int { return strings.Compare(a.pkg, b.pkg) })
	fmt.Fprintln(w, "| package | killed | lived | not covered | timed out | not viable | efficacy | mutant coverage | run time | measured (UTC) |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, s := range secs {
		fmt.Fprintln(w, s.row)
	}
	for _, s := range secs {
		if s.list != "" {
			fmt.Fprintf(w, "\n`%s`:\n%s", s.pkg, s.list)
		}
	}
}

// keptSections returns the sections of the generated text of doc whose
// package is not in run, so that a run of some packages leaves the
// figures of the others as they were.
func keptSections(doc []byte, run map[string]bool) []section {
	i, j := bytes.Index(doc, []byte(begin)), bytes.Index(doc, []byte(end))
	if i < 0 || j < i {
		return nil
	}
	var secs []section
	at := map[string]int{}
	list := "" // the package whose mutant list the lines belong to
	for _, line := range strings.Split(string(doc[i+len(begin):j]), "\n") {
		switch {
		case strings.HasPrefix(line, "| `"):
			pkg, _, _ := strings.Cut(strings.TrimPrefix(line, "| `"), "`")
			if !run[pkg] {
				at[pkg] = len(secs)
				secs = append(secs, section{pkg: pkg, row: line})
			}
		case strings.HasPrefix(line, "`") && strings.HasSuffix(line, "`:"):
			list = strings.TrimSuffix(strings.TrimPrefix(line, "`"), "`:")
		case strings.HasPrefix(line, "- ") && list != "":
			if k, ok := at[list]; ok {
				secs[k].list += line + "\n"
			}
		default:
			list = ""
		}
	}
	return secs
}

const begin, end = "<!-- mutate:begin -->", "<!-- mutate:end -->"

// splice replaces the text between the markers of doc with body.
func splice(doc, body []byte) ([]byte, error) {
	i, j := bytes.Index(doc, []byte(begin)), bytes.Index(doc, []byte(end))
	if i < 0 || j < i {
		return nil, errors.New("markers " + begin + " / " + end + " not found")
	}
	out := append([]byte{}, doc[:i+len(begin)]...)
	out = append(out, '\n')
	out = append(out, body...)
	return append(out, doc[j:]...), nil
}

func main() {
	docPath := flag.String("doc", "docs/testing.md", "document to update")
	check := flag.Bool("check", false, "exit 1 when a package misses the targets")
	flag.Parse()
	var rows []row
	for _, p := range flag.Args() {
		r, err := load(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mutreport:", err)
			os.Exit(1)
		}
		rows = append(rows, r)
	}
	rows = merge(rows)
	run := map[string]bool{}
	for _, r := range rows {
		run[r.pkg] = true
	}
	var body bytes.Buffer
	doc, err := os.ReadFile(*docPath)
	if err == nil {
		table(&body, rows, keptSections(doc, run)...)
		doc, err = splice(doc, body.Bytes())
	}
	if err == nil {
		err = os.WriteFile(*docPath, doc, 0o644) // #nosec G306 G703 -- rewrites the documentation file the developer names
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutreport:", err)
		os.Exit(1)
	}
	_, _ = os.Stdout.Write(body.Bytes())
	short := 0
	for _, r := range rows {
		if r.dryRun() {
			fmt.Fprintf(os.Stderr, "mutreport: %s: dry run only (coverage %.1f %%), efficacy not measured\n", r.pkg, r.coverage())
			short++
		} else if r.efficacy() < targetEfficacy || r.coverage() < targetCoverage {
			fmt.Fprintf(os.Stderr, "mutreport: %s below target: efficacy %.1f %%, coverage %.1f %% (targets %.0f %%, %.0f %%)\n",
				r.pkg, r.efficacy(), r.coverage(), targetEfficacy, targetCoverage)
			short++
		}
	}
	if *check && short > 0 {
		os.Exit(1)
	}
}
