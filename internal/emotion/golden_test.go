package emotion

import (
	"encoding/json"
	"flag"
	"os"
	"testing"
)

// update rewrites testdata/golden (a deliberate format change only).
var update = flag.Bool("update", false, "rewrite testdata/golden (a deliberate format change only)")

const (
	goldenModelFile = "testdata/golden/tiny_v1.model"
	goldenModelMeta = "testdata/golden/tiny_v1.json"
)

// goldenMeta is what the golden model file must still load as.
type goldenMeta struct {
	Checksum string         `json:"checksum"`
	Size     int            `json:"size"`
	Version  string         `json:"version"`
	Labels   map[string]int `json:"labels"` // taxonomy → number of labels
}

func metaOf(m *Model) goldenMeta {
	return goldenMeta{Checksum: m.Checksum(), Size: m.Size(), Version: m.Version(),
		Labels: map[string]int{string(GoEmotions): len(m.Labels(GoEmotions)), string(Ekman): len(m.Labels(Ekman))}}
}

// TestGoldenModelFile: a small model file written once by an earlier build
// (format version 1, the default model's header with three rows of
// non-zero weights) must keep loading with the same checksum, version and
// labels, and keep predicting. The default model itself may be retrained
// at any time; this file is not, so a change of the model file format or
// of its header's meaning shows up here.
func TestGoldenModelFile(t *testing.T) {
	if *update {
		h := defaultModel(t).h
		h.Features.Bits = 10
		h.Rows = 3
		// No version 2 parts (word vectors, negation, primary rule).
		h.Dense, h.Primary, h.Features.Negation = nil, nil, false
		w := make([]int8, 3*h.Outputs)
		for i := range w {
			w[i] = int8(i%7 - 3)
		}
		raw, err := encode(&h, []uint32{1, 5, 1000}, w, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenModelFile, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := LoadFile(goldenModelFile)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.MarshalIndent(metaOf(m), "", "  ")
		if err := os.WriteFile(goldenModelMeta, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, err := LoadFile(goldenModelFile)
	if err != nil {
		t.Fatalf("the golden model file no longer loads (go test -run Golden -args -update rewrites it, for a deliberate format change only): %v", err)
	}
	b, err := os.ReadFile(goldenModelMeta)
	if err != nil {
		t.Fatal(err)
	}
	var want goldenMeta
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	got := metaOf(m)
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Errorf("golden model loads as %s, want %s", g, w)
	}
	for _, tax := range []Taxonomy{GoEmotions, Ekman} {
		p := m.Predict("I am so happy and a little scared", tax, nil)
		if len(p.Emotions) == 0 || p.Primary == "" {
			t.Errorf("%s: the golden model predicts nothing: %+v", tax, p)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
