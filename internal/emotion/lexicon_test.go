package emotion

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

var repoVectors = filepath.Join("..", "..", "data", "wordvectors", "glove-6b-100d-subset.vec.gz")

// tinyVectors is a 3-d vocabulary where "livid" is near the anger seeds,
// "meh" halfway between anger and joy, and "table" near neither.
func tinyVectors(t *testing.T) *WordVectors {
	t.Helper()
	v, err := QuantizeVectors("test", []string{"angry", "happy", "livid", "meh", "table"},
		[][]float32{{1, 0, 0}, {0, 1, 0}, {0.9, 0.2, 0.1}, {0.5, 0.5, 0}, {0, 0.1, 1}})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func tinyLexOptions() TrainOptions {
	o := DefaultTrainOptions()
	o.Lexicon = []LexiconClass{{"anger", []string{"angry", "missing"}}, {"joy", []string{"happy"}}}
	o.LexThreshold, o.LexMargin = 0.6, 0.1
	return o
}

func TestLexiconMasks(t *testing.T) {
	vt, _, err := tableOf(tinyVectors(t), true, tinyLexOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := []uint16{1, 2, 1, 0, 0} // angry, happy, livid: anger; meh: no margin; table: below threshold
	if !slices.Equal(vt.lex, want) {
		t.Errorf("lexicon masks = %v, want %v", vt.lex, want)
	}
	o := tinyLexOptions()
	o.Lexicon = append(o.Lexicon, LexiconClass{"fear", []string{"scared"}})
	if _, _, err := tableOf(tinyVectors(t), true, o); !errors.Is(err, ErrTrain) {
		t.Errorf("a class without any seed vector: %v, want ErrTrain", err)
	}
}

func TestLexiconTokens(t *testing.T) {
	vt, _, err := tableOf(tinyVectors(t), true, tinyLexOptions())
	if err != nil {
		t.Fatal(err)
	}
	c := FeatureConfig{Bits: 18, CharMin: 2, CharMax: 4, WordWeight: 1, CharWeight: 1, Negation: true}
	words := func(text string, vt *vecTable) []uint32 {
		var f featureBuf
		f.extract(text, c, vt)
		return slices.Clone(f.word)
	}
	shift := uint(64 - c.Bits)
	anger := uint32(mix(vt.lexHash[0]) >> shift)
	notAnger := uint32(mix(vt.lexHash[0]^seedNeg) >> shift)
	if got := words("so livid", vt); !slices.Contains(got, anger) || len(got) != len(words("so livid", nil))+1 {
		t.Errorf("'livid' should add exactly one anger token: %v", got)
	}
	if got := words("not livid", vt); !slices.Contains(got, notAnger) || slices.Contains(got, anger) {
		t.Errorf("a negated 'livid' should add the negated anger token only")
	}
	if got := words("meh table", vt); len(got) != len(words("meh table", nil)) {
		t.Errorf("words outside the lexicon add tokens: %v", got)
	}
}

func TestLexiconRoundTripAndVersions(t *testing.T) {
	t.Parallel()
	r := vecModel(t)
	m, raw := r.m, r.raw
	if m.vt == nil || m.vt.lex == nil || m.h.Ensemble == nil || m.h.Ensemble.SparseWeight != DefaultTrainOptions().Ensemble {
		t.Fatalf("small model: lexicon %v, ensemble %+v; want both", m.vt != nil && m.vt.lex != nil, m.h.Ensemble)
	}
	if v := binary.LittleEndian.Uint16(raw[8:]); v != 3 {
		t.Errorf("format version %d, want 3", v)
	}
	back, err := decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.vt.lex, m.vt.lex) {
		t.Errorf("lexicon masks differ after a round trip")
	}
	// A version 2 build never wrote a lexicon: such a file is corrupt.
	old := withVersion(raw, 2)
	if _, err := decode(old); !errors.Is(err, ErrCorrupt) {
		t.Errorf("version 2 file with a lexicon: %v, want ErrCorrupt", err)
	}
}

// TestEnsembleChangesWeights compares the shared vector model (Ensemble
// 0.5) with the same options and Ensemble 0.
func TestEnsembleChangesWeights(t *testing.T) {
	t.Parallel()
	small := smallData(t)
	o := vecOptions(t, 3, 2)
	if o.Ensemble != 0.5 {
		t.Fatalf("vecOptions has Ensemble %g, want 0.5", o.Ensemble)
	}
	b := vecModel(t).raw
	o.Ensemble = 0
	a := trainOn(t, small, o).raw
	ma, err := decode(a)
	if err != nil {
		t.Fatal(err)
	}
	if ma.h.Ensemble != nil {
		t.Errorf("Ensemble 0 recorded an ensemble")
	}
	if bytes.Equal(a, b) {
		t.Errorf("Ensemble 0.5 gave the same file as no ensemble")
	}
	mb, err := decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if mb.h.Ensemble == nil || mb.h.Ensemble.SparseWeight != 0.5 {
		t.Errorf("Ensemble 0.5 recorded %+v", mb.h.Ensemble)
	}
	if slices.Equal(ma.packed, mb.packed) && slices.Equal(ma.dense, mb.dense) {
		t.Errorf("Ensemble 0.5 left the weights unchanged")
	}
	o.Ensemble = 1
	if _, _, err := Train(context.Background(), small, o); !errors.Is(err, ErrTrain) {
		t.Errorf("Ensemble 1: %v, want ErrTrain", err)
	}
}

// TestLoadVersion2Layout: a file without lexicon and ensemble is laid out
// as format version 2 wrote it, so such a file with version 2 in its
// prefix must load and predict like the version 3 one: every score is
// compared, not only the tuned ones.
func TestLoadVersion2Layout(t *testing.T) {
	t.Parallel()
	o := vecOptions(t, 3, 2)
	o.Lexicon, o.Ensemble = nil, 0
	r := trainOn(t, smallData(t), o)
	m3, raw := r.m, r.raw
	if m3.vt == nil || m3.h.Primary == nil || !m3.h.Features.Negation {
		t.Fatalf("the version 2 layout model lacks word vectors, a primary rule or negation")
	}
	old := withVersion(raw, 2)
	m2, err := decode(old)
	if err != nil {
		t.Fatalf("version 2 file: %v", err)
	}
	zero := 0.0
	for _, text := range []string{"I am absolutely livid", "not happy at all 😢"} {
		for _, tax := range []Taxonomy{Ekman, GoEmotions} {
			if p, q := m3.Predict(text, tax, nil), m2.Predict(text, tax, nil); !slices.Equal(p.Emotions, q.Emotions) || p.Primary != q.Primary {
				t.Errorf("%s %q: version 2 file predicts %+v, version 3 %+v", tax, text, q, p)
			}
			if p, q := m3.Predict(text, tax, &zero), m2.Predict(text, tax, &zero); !slices.Equal(p.Emotions, q.Emotions) {
				t.Errorf("%s %q: version 2 file scores %+v, version 3 %+v", tax, text, q.Emotions, p.Emotions)
			}
		}
	}
}
