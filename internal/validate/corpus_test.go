package validate

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// corpusEntry is one line of a test corpus.
type corpusEntry struct {
	line  int
	class Class // intended class (attacks only)
	text  string
}

// readCorpus parses testdata/name: "%% class NAME" starts a section,
// other "%%" lines are comments, "q:" lines are Go-quoted strings, and
// every other non-empty line is one entry.
func readCorpus(t testing.TB, name string) []corpusEntry {
	t.Helper()
	fh, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("open corpus: %v", err)
	}
	defer fh.Close()
	var (
		out   []corpusEntry
		class Class
		n     int
	)
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "%% class "):
			class = Class(strings.TrimPrefix(line, "%% class "))
			if classIndex(class) < 0 {
				t.Fatalf("%s:%d: unknown class %q", name, n, class)
			}
			continue
		case strings.HasPrefix(line, "%%"):
			continue
		case strings.HasPrefix(line, "q:"):
			u, err := strconv.Unquote(line[2:])
			if err != nil {
				t.Fatalf("%s:%d: bad quoted line: %v", name, n, err)
			}
			line = u
		}
		out = append(out, corpusEntry{line: n, class: class, text: line})
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read corpus: %v", err)
	}
	return out
}

func hasClass(ds []Detection, c Class) bool {
	for _, d := range ds {
		if d.Class == c {
			return true
		}
	}
	return false
}

// TestAttackCorpus requires that at least 98% of the attack corpus is
// detected (by any class) and reports the rate per intended class.
func TestAttackCorpus(t *testing.T) {
	t.Parallel()
	entries := readCorpus(t, "attacks.txt")
	if len(entries) < 300 {
		t.Fatalf("attack corpus has %d entries, want hundreds", len(entries))
	}
	type tally struct{ total, any, own int }
	per := map[Class]*tally{}
	detected := 0
	for _, e := range entries {
		ds := Detect(e.text)
		tl := per[e.class]
		if tl == nil {
			tl = &tally{}
			per[e.class] = tl
		}
		tl.total++
		if len(ds) > 0 {
			detected++
			tl.any++
		} else {
			t.Logf("missed (line %d, %s): %q", e.line, e.class, e.text)
		}
		if hasClass(ds, e.class) {
			tl.own++
		} else if len(ds) > 0 {
			t.Logf("other class (line %d, want %s): %q -> %v", e.line, e.class, e.text, ds)
		}
	}
	for _, c := range classOrder {
		if tl := per[c]; tl != nil {
			t.Logf("%-16s %3d payloads: %5.1f%% detected, %5.1f%% as %s", c, tl.total, pct(tl.any, tl.total), pct(tl.own, tl.total), c)
		} else {
			t.Errorf("attack corpus has no %s payloads", c)
		}
	}
	rate := pct(detected, len(entries))
	t.Logf("attacks: %d/%d detected (%.2f%%)", detected, len(entries), rate)
	if rate < 98 {
		t.Errorf("attack detection rate %.2f%%, want >= 98%%", rate)
	}
}

// TestHarmlessCorpus requires that at least 99% of the harmless corpus has
// no detection at all, and that every line passes Text and DefaultPolicy.
func TestHarmlessCorpus(t *testing.T) {
	t.Parallel()
	entries := readCorpus(t, "harmless.txt")
	if len(entries) < 300 {
		t.Fatalf("harmless corpus has %d entries, want hundreds", len(entries))
	}
	policy := DefaultPolicy()
	clean := 0
	for _, e := range entries {
		norm, err := Text(e.text, Limits{MinLength: 1, MaxLength: 10000})
		if err != nil {
			t.Errorf("line %d: Text rejected harmless text %q: %v", e.line, e.text, err)
			continue
		}
		ds := Detect(norm)
		if len(ds) == 0 {
			clean++
			continue
		}
		t.Logf("flagged (line %d): %q -> %v", e.line, e.text, ds)
		if reject, class := policy.Decide(ds); reject {
			t.Errorf("line %d: DefaultPolicy rejects harmless text %q as %s", e.line, e.text, class)
		}
	}
	rate := pct(clean, len(entries))
	t.Logf("harmless: %d/%d without any detection (%.2f%%)", clean, len(entries), rate)
	if rate < 99 {
		t.Errorf("harmless clean rate %.2f%%, want >= 99%%", rate)
	}
}

func pct(n, d int) float64 {
	if d == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(fmt.Sprintf("%.4f", 100*float64(n)/float64(d)), 64)
	return v
}
