package validate

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goEmotionsDir is the repository copy of the GoEmotions corpus.
var goEmotionsDir = filepath.Join("..", "..", "data", "goemotions", "original")

// readGoEmotions returns the first column of every line of split.tsv.
func readGoEmotions(t testing.TB, split string) []string {
	t.Helper()
	fh, err := os.Open(filepath.Join(goEmotionsDir, split+".tsv"))
	if err != nil {
		t.Fatalf("open GoEmotions %s split: %v", split, err)
	}
	defer fh.Close()
	var texts []string
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		text, _, _ := strings.Cut(sc.Text(), "\t")
		texts = append(texts, text)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read GoEmotions %s split: %v", split, err)
	}
	return texts
}

// TestGoEmotionsNotRejected runs every GoEmotions text through the same
// decision the API makes and requires that none is rejected. It also
// reports how many were flagged (accepted but recorded).
func TestGoEmotionsNotRejected(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("reads 54k texts")
	}
	policy := DefaultPolicy()
	lim := Limits{MinLength: 1, MaxLength: 10000}
	for _, split := range []string{"train", "dev", "test"} {
		texts := readGoEmotions(t, split)
		if len(texts) < 1000 {
			t.Fatalf("%s split: got %d texts, want the full corpus", split, len(texts))
		}
		flagged := map[Class]int{}
		rejected := 0
		for i, text := range texts {
			norm, err := Text(text, lim)
			if err != nil {
				rejected++
				t.Errorf("%s line %d: Text rejected it: %v", split, i+1, err)
				continue
			}
			ds := Detect(norm)
			if reject, class := policy.Decide(ds); reject {
				rejected++
				t.Errorf("%s line %d: policy rejected it as %s: %q", split, i+1, class, text)
			}
			for _, d := range ds {
				flagged[d.Class]++
			}
		}
		t.Logf("GoEmotions %s: %d texts, %d rejected, flagged by class: %v", split, len(texts), rejected, flagged)
	}
}
