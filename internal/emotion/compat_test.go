package emotion

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// v1Fixture is the model embedded before word vectors (format version 1,
// goemo-linear-2026.11.1), kept to check that old files still load.
var v1Fixture = filepath.Join("testdata", "model-v1-goemo-linear-2026.11.1.model")

func TestLoadVersion1Model(t *testing.T) {
	t.Parallel()
	m, err := LoadFile(v1Fixture)
	if err != nil {
		t.Fatalf("LoadFile(%s): %v", v1Fixture, err)
	}
	if !strings.HasPrefix(m.Version(), "goemo-linear-2026.11.1+") {
		t.Errorf("version = %q", m.Version())
	}
	if m.vt != nil || m.h.Primary != nil {
		t.Errorf("a version 1 model has word vectors or a primary rule")
	}
	p := m.Predict("thank you so much!", GoEmotions, nil)
	if p.Primary != "gratitude" || p.Primary != p.Emotions[0].Emotion {
		t.Errorf("v1 model: %+v, want gratitude first", p)
	}
	if d := defaultModel(t); d.Version() == m.Version() {
		t.Errorf("the embedded model has the version of the old fixture (%s): bump modelRelease", d.Version())
	}
}

func TestLoadRefusesNewerFormat(t *testing.T) {
	raw, err := os.ReadFile(v1Fixture)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint16(raw[8:], formatVersion+1)
	_, err = decode(raw)
	if !errors.Is(err, ErrVersion) || !strings.Contains(err.Error(), "newer SAMO") {
		t.Errorf("decode(version %d) = %v, want ErrVersion with a clear message", formatVersion+1, err)
	}
}

func TestParseJournal(t *testing.T) {
	labels := []string{"joy", "sadness", "neutral"}
	got, err := parseJournal("# comment\n\nI am glad\tjoy\nmixed\tsadness, joy,sadness\n", labels)
	if err != nil || len(got) != 2 || got[1].Text != "mixed" || len(got[1].Labels) != 2 || got[1].Labels[0] != 1 {
		t.Errorf("parseJournal = %+v, %v", got, err)
	}
	for _, bad := range []string{"no tab here\n", "text\tanger\n", "\tjoy\n"} {
		if _, err := parseJournal(bad, labels); !errors.Is(err, ErrDataset) {
			t.Errorf("parseJournal(%q) = %v, want ErrDataset", bad, err)
		}
	}
}

func TestJournalSetShape(t *testing.T) {
	d := loadRepoData(t)
	ex, err := LoadJournal(filepath.Join("..", "..", "data", "journal", "journal.tsv"), d)
	if err != nil {
		t.Fatal(err)
	}
	perClass := map[int]int{}
	for _, e := range ex {
		perClass[d.EkmanOf[e.Labels[0]]]++
	}
	if len(ex) < 300 || len(perClass) != 7 {
		t.Fatalf("journal set: %d sentences over %d Ekman classes, want ≥ 300 over 7", len(ex), len(perClass))
	}
	for e, n := range perClass {
		if n < 25 {
			t.Errorf("Ekman class %s has %d sentences, want ≥ 25", ekmanLabels[e], n)
		}
	}
}
