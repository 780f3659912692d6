package mask

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// The labelled corpus lives in testdata/corpus (see its README.md).

// shortTypes maps the corpus's short type names to entity types.
func shortType(s string) (EntityType, bool) {
	switch s {
	case "EMAIL":
		return EmailAddress, true
	case "PHONE":
		return PhoneNumber, true
	case "CARD":
		return CreditCard, true
	case "SSN":
		return USSSN, true
	case "IBAN":
		return IBANCode, true
	case "IP":
		return IPAddress, true
	case "URL":
		return URL, true
	}
	return "", false
}

type example struct {
	where string // file:line
	text  string
	gold  []Entity
}

// parseExample removes the [[TYPE|value]] markers from line and returns the
// plain text and the marked entities in rune offsets.
func parseExample(line string) (string, []Entity, error) {
	var b strings.Builder
	var gold []Entity
	runes := 0
	for {
		k := strings.Index(line, "[[")
		if k < 0 {
			b.WriteString(line)
			break
		}
		b.WriteString(line[:k])
		runes += utf8.RuneCountInString(line[:k])
		rest := line[k+2:]
		bar := strings.IndexByte(rest, '|')
		closeAt := strings.Index(rest, "]]")
		if bar < 0 || closeAt < bar {
			return "", nil, fmt.Errorf("malformed marker in %q", line)
		}
		// A value may itself end in ']' (an IPv6 URL); take the last "]]"
		// of a run of ']'.
		for closeAt+2 < len(rest) && rest[closeAt+2] == ']' {
			closeAt++
		}
		typ, ok := shortType(rest[:bar])
		if !ok {
			return "", nil, fmt.Errorf("unknown type %q in %q", rest[:bar], line)
		}
		value := rest[bar+1 : closeAt]
		n := utf8.RuneCountInString(value)
		gold = append(gold, Entity{Type: typ, Start: runes, End: runes + n})
		b.WriteString(value)
		runes += n
		line = rest[closeAt+2:]
	}
	return b.String(), gold, nil
}

func loadCorpus(t *testing.T, pattern string) []example {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files for %q: %v", pattern, err)
	}
	var out []example
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
				continue
			}
			text, gold, err := parseExample(line)
			if err != nil {
				t.Fatalf("%s:%d: %v", f, n, err)
			}
			out = append(out, example{where: fmt.Sprintf("%s:%d", filepath.Base(f), n), text: text, gold: gold})
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

type score struct{ tp, fp, fn int }

func (s score) precision() float64 {
	if s.tp+s.fp == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fp)
}

func (s score) recall() float64 {
	if s.tp+s.fn == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fn)
}

// evaluate scores m on the examples by exact span and type match and
// returns the per-type scores and a description of every miss.
func evaluate(m *Masker, examples []example) (map[EntityType]*score, []string) {
	scores := map[EntityType]*score{}
	for _, t := range AllTypes() {
		scores[t] = &score{}
	}
	var misses []string
	for _, ex := range examples {
		got := m.Detect(ex.text)
		want := map[Entity]bool{}
		for _, g := range ex.gold {
			want[g] = true
		}
		seen := map[Entity]bool{}
		for _, e := range got {
			seen[e] = true
			if want[e] {
				scores[e.Type].tp++
			} else {
				scores[e.Type].fp++
				misses = append(misses, fmt.Sprintf("%s: false positive %s %q in %q", ex.where, e.Type, runeSlice(ex.text, e.Start, e.End), ex.text))
			}
		}
		for _, g := range ex.gold {
			if !seen[g] {
				scores[g.Type].fn++
				misses = append(misses, fmt.Sprintf("%s: missed %s %q in %q", ex.where, g.Type, runeSlice(ex.text, g.Start, g.End), ex.text))
			}
		}
	}
	sort.Strings(misses)
	return scores, misses
}

func runeSlice(s string, start, end int) string {
	r := []rune(s)
	if start < 0 || end > len(r) || start > end {
		return fmt.Sprintf("<bad span %d-%d>", start, end)
	}
	return string(r[start:end])
}

func newTestMasker(t testing.TB, opts ...Option) *Masker {
	t.Helper()
	m, err := NewMasker([]byte("test-key-test-key-test-key-test-key!"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Targets from issue 6, and the fewest labelled entities of each type for
// the figures to mean something.
const (
	minPrecision = 0.95
	minRecall    = 0.95
	minSupport   = 30
)

func TestAccuracy(t *testing.T) {
	t.Parallel()
	examples := loadCorpus(t, "*.txt")
	m := newTestMasker(t)
	scores, misses := evaluate(m, examples)
	t.Logf("%d sentences", len(examples))
	t.Logf("%-14s %5s %4s %4s %4s %9s %7s", "type", "gold", "tp", "fp", "fn", "precision", "recall")
	for _, typ := range AllTypes() {
		s := scores[typ]
		t.Logf("%-14s %5d %4d %4d %4d %9.3f %7.3f", typ, s.tp+s.fn, s.tp, s.fp, s.fn, s.precision(), s.recall())
	}
	for _, msg := range misses {
		t.Log(msg)
	}
	for _, typ := range AllTypes() {
		s := scores[typ]
		if s.tp+s.fn < minSupport {
			t.Errorf("%s: only %d labelled entities, want at least %d", typ, s.tp+s.fn, minSupport)
		}
		if p := s.precision(); p < minPrecision {
			t.Errorf("%s: precision %.3f, want >= %.2f", typ, p, minPrecision)
		}
		if r := s.recall(); r < minRecall {
			t.Errorf("%s: recall %.3f, want >= %.2f", typ, r, minRecall)
		}
	}
}

func TestParseExample(t *testing.T) {
	t.Parallel()
	text, gold, err := parseExample("Mail [[EMAIL|ü@ex.de]] or [[URL|https://[::1]/]].")
	if err != nil {
		t.Fatal(err)
	}
	if want := "Mail ü@ex.de or https://[::1]/."; text != want {
		t.Errorf("text = %q, want %q", text, want)
	}
	want := []Entity{{EmailAddress, 5, 12}, {URL, 16, 30}}
	if fmt.Sprint(gold) != fmt.Sprint(want) {
		t.Errorf("gold = %v, want %v", gold, want)
	}
	if _, _, err := parseExample("bad [[NOPE|x]]"); err == nil {
		t.Error("unknown type: want an error")
	}
}

// TestAccuracyHoldout reports the scores on the holdout file alone. It has
// too few entities of some types for a per-type threshold, so it asserts
// the overall figures only.
func TestAccuracyHoldout(t *testing.T) {
	t.Parallel()
	examples := loadCorpus(t, "holdout.txt")
	scores, misses := evaluate(newTestMasker(t), examples)
	var total score
	t.Logf("%d sentences", len(examples))
	for _, typ := range AllTypes() {
		s := scores[typ]
		total.tp, total.fp, total.fn = total.tp+s.tp, total.fp+s.fp, total.fn+s.fn
		t.Logf("%-14s gold %3d  tp %3d  fp %2d  fn %2d  precision %.3f  recall %.3f", typ, s.tp+s.fn, s.tp, s.fp, s.fn, s.precision(), s.recall())
	}
	for _, msg := range misses {
		t.Log(msg)
	}
	t.Logf("all types: precision %.3f  recall %.3f", total.precision(), total.recall())
	if total.precision() < minPrecision || total.recall() < minRecall {
		t.Errorf("holdout precision %.3f recall %.3f, want both >= %.2f", total.precision(), total.recall(), minPrecision)
	}
}
