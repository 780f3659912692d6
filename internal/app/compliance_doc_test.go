package app

import (
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
