package app

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestComplianceDocNamesExist checks that every test named in
// docs/compliance.md exists, in the file the table names when it names one.
func TestComplianceDocNamesExist(t *testing.T) {
	root := filepath.Join("..", "..")
	doc, err := os.ReadFile(filepath.Join(root, "docs", "compliance.md"))
	if err != nil {
		t.Fatal(err)
	}
	defined := map[string]string{} // test name → file
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		for _, m := range regexp.MustCompile(`(?m)^func ((?:Test|Fuzz)\w+)\(`).FindAllSubmatch(b, -1) {
			defined[string(m[1])] = filepath.ToSlash(rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// "`TestA`, `TestB` (internal/x/y_test.go)" names the file of a group.
	group := regexp.MustCompile("((?:`(?:Test|Fuzz)\\w+`(?:, )?)+)(?: \\(([\\w/.]+_test\\.go)\\))?")
	name := regexp.MustCompile("`((?:Test|Fuzz)\\w+)`")
	n := 0
	for _, g := range group.FindAllStringSubmatch(string(doc), -1) {
		for _, m := range name.FindAllStringSubmatch(g[1], -1) {
			n++
			file, ok := defined[m[1]]
			switch {
			case !ok:
				t.Errorf("docs/compliance.md names %s, which does not exist", m[1])
			case g[2] != "" && g[2] != file:
				t.Errorf("docs/compliance.md puts %s in %s; it is in %s", m[1], g[2], file)
			}
		}
	}
	if n < 40 {
		t.Errorf("only %d test names found in docs/compliance.md; the parser is broken", n)
	}
}

// asvsL2 is how many requirements of level 1 or 2 each chapter of OWASP
// ASVS 5.0.0 has (from the standard's CSV export).
var asvsL2 = map[string]int{
	"V1": 27, "V2": 11, "V3": 19, "V4": 10, "V5": 9, "V6": 35, "V7": 18, "V8": 7, "V9": 7,
	"V10": 29, "V11": 14, "V12": 9, "V13": 13, "V14": 9, "V15": 13, "V16": 16, "V17": 7,
}

// TestComplianceDocCoversASVS checks that docs/compliance.md has one row
// per ASVS 5.0.0 level 1–2 requirement, each id once, each with a status
// of Implemented, Partial (saying what is missing) or N/A (saying why).
func TestComplianceDocCoversASVS(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "compliance.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^\| (V\d+)\.(\d+)\.(\d+) \| ([^|]+) \| ([^|]+) \|.*$`)
	seen := map[string]bool{}
	per := map[string]int{}
	// counts[chapter] = implemented, partial, N/A, as the summary table
	// at the top must say.
	counts := map[string]*[3]int{}
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		id := m[1] + "." + m[2] + "." + m[3]
		if seen[id] {
			t.Errorf("%s has two rows", id)
		}
		seen[id] = true
		per[m[1]]++
		if counts[m[1]] == nil {
			counts[m[1]] = &[3]int{}
		}
		if cells := strings.Count(m[0], "|") - 1; cells != 5 {
			t.Errorf("%s: %d cells, want 5 (id, requirement, status, where, proving test)", id, cells)
		}
		status := m[5]
		switch {
		case status == "Implemented":
			counts[m[1]][0]++
		case strings.HasPrefix(status, "Partial: ") && strings.Contains(status, "Missing:"):
			counts[m[1]][1]++
		case strings.HasPrefix(status, "N/A: ") && len(status) > len("N/A: ")+5:
			counts[m[1]][2]++
		default:
			t.Errorf("%s: status %q; want Implemented, Partial: … Missing: …, or N/A: why", id, status)
		}
	}
	summary := regexp.MustCompile(`(?m)^\| (V\d+) [^|]+ \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$`)
	var total [3]int
	for _, m := range summary.FindAllStringSubmatch(string(doc), -1) {
		c := counts[m[1]]
		if c == nil {
			t.Errorf("summary row %s has no requirement rows", m[1])
			continue
		}
		if got := fmt.Sprintf("%s %s %s", m[3], m[4], m[5]); got != fmt.Sprintf("%d %d %d", c[0], c[1], c[2]) {
			t.Errorf("summary %s says implemented/partial/N/A %s; the rows give %d %d %d", m[1], got, c[0], c[1], c[2])
		}
		for i := range total {
			total[i] += c[i]
		}
	}
	if want := fmt.Sprintf("**%d implemented, %d partial,", total[0], total[1]); !strings.Contains(string(doc), want) {
		t.Errorf("the summary sentence does not say %q", want)
	}
	for ch, want := range asvsL2 {
		if per[ch] != want {
			t.Errorf("%s: %d rows, want %d (every level 1–2 requirement once)", ch, per[ch], want)
		}
	}
	if len(per) != len(asvsL2) {
		t.Errorf("chapters %v, want %d", per, len(asvsL2))
	}
}
