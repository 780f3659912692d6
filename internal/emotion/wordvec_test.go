package emotion

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"
)

func TestWordVectorsRoundTrip(t *testing.T) {
	words := []string{"happy", "sad", "livid"}
	vecs := [][]float32{{1, -2, 0.5}, {-1, 0.25, 0}, {0.5, 2, -0.5}}
	v, err := QuantizeVectors("test", words, vecs)
	if err != nil {
		t.Fatal(err)
	}
	for i, vec := range vecs {
		for d, x := range vec {
			if got := float32(v.Data[i*3+d]) * v.Scale[d]; math.Abs(float64(got-x)) > float64(v.Scale[d])/2+1e-6 {
				t.Errorf("%s[%d] = %v after quantisation, want %v", words[i], d, got, x)
			}
		}
	}
	var buf bytes.Buffer
	if err := v.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := ReadWordVectors(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Words, v.Words) || !slices.Equal(got.Data, v.Data) || !slices.Equal(got.Scale, v.Scale) || got.Source != "test" {
		t.Errorf("round trip = %+v, want %+v", got, v)
	}
	if _, err := ReadWordVectors(bytes.NewReader(buf.Bytes()[:buf.Len()/2])); !errors.Is(err, ErrVectors) {
		t.Errorf("truncated file: %v, want ErrVectors", err)
	}
	if _, err := QuantizeVectors("x", words, vecs[:2]); !errors.Is(err, ErrVectors) {
		t.Errorf("mismatched lengths: %v, want ErrVectors", err)
	}
}

func TestNegationScope(t *testing.T) {
	c := FeatureConfig{Bits: 18, CharMin: 2, CharMax: 4, WordWeight: 1, CharWeight: 1, Negation: true}
	uni := func(text string, cfg FeatureConfig) []uint32 {
		var f featureBuf
		f.extract(text, cfg, nil)
		var out []uint32
		for i := 0; i < len(f.word); i += 2 { // unigram, bigram, unigram, ...
			out = append(out, f.word[i])
		}
		return out
	}
	happy := uni("happy", c)[0]
	if got := uni("not happy", c); got[1] == happy {
		t.Errorf("'happy' after 'not' has the plain unigram feature")
	}
	if got := uni("not today, happy", c); got[2] != happy {
		t.Errorf("a comma should end the negation scope")
	}
	if got := uni("not bad but happy", c); got[3] != happy {
		t.Errorf("'but' should end the negation scope")
	}
	if got := uni("never a b c happy", c); got[4] != happy {
		t.Errorf("the scope should end after %d words", NegationScope)
	}
	c.Negation = false
	if got := uni("not happy", c); got[1] != happy {
		t.Errorf("without Negation, 'happy' after 'not' should keep its feature")
	}
}

// TestTrainWithVectors inspects the shared vector model (vecModel) and
// trains its options again on 1 worker.
func TestTrainWithVectors(t *testing.T) {
	t.Parallel()
	r := vecModel(t)
	m, a := r.m, r.raw
	if m.vt == nil || len(m.dense) != m.vt.info.features()*m.h.Outputs {
		t.Fatalf("model has no word-vector block")
	}
	if b := trainOn(t, smallData(t), vecOptions(t, 3, 1)).raw; !bytes.Equal(a, b) {
		t.Errorf("training with vectors on 1 and 2 workers gave different files")
	}
	back, err := decode(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"I am absolutely livid", "not happy at all 😢", ""} {
		for _, tax := range []Taxonomy{GoEmotions, Ekman} {
			if p, q := m.Predict(text, tax, nil), back.Predict(text, tax, nil); !slices.Equal(p.Emotions, q.Emotions) || p.Primary != q.Primary {
				t.Errorf("%q: reloaded model predicts %+v, want %+v", text, q, p)
			}
		}
	}
	// The word vectors change the prediction: dropping them (from back,
	// this test's own copy; m is shared) must matter.
	plain := back
	plain.vt, plain.dense = nil, nil
	if p, q := m.Predict("I am absolutely livid", GoEmotions, &[]float64{0}[0]), plain.Predict("I am absolutely livid", GoEmotions, &[]float64{0}[0]); slices.Equal(p.Emotions, q.Emotions) {
		t.Errorf("word vectors have no effect on the prediction")
	}
}

func TestPrimaryRule(t *testing.T) {
	probs := []float64{0.30, 0.10, 0.60} // joy, sadness, neutral
	prior := []float64{0.30, 0.05, 0.40}
	if got := primaryOf(probs, 2, 0, 0, nil); got != 2 {
		t.Errorf("no rule: primary %d, want 2 (neutral)", got)
	}
	// Scores: joy logit(.3)-logit(.3)=0, sadness logit(.1)-logit(.05)≈0.75,
	// neutral logit(.6)-logit(.4)≈0.81 (+ offset).
	if got := primaryOf(probs, 2, 1, 0, prior); got != 2 {
		t.Errorf("shift 1, offset 0: primary %d, want neutral", got)
	}
	if got := primaryOf(probs, 2, 1, -0.5, prior); got != 1 {
		t.Errorf("shift 1, offset -0.5: primary %d, want sadness (rare, above its base rate)", got)
	}
	if got := primaryOf(probs, 2, 0, -1.5, prior); got != 0 {
		t.Errorf("shift 0, offset -1.5: primary %d, want joy (most probable emotion)", got)
	}
	if got := primaryOf(probs, 2, 0, 0, prior); got != 2 {
		t.Errorf("shift 0, offset 0: primary %d, want the most probable label", got)
	}
}
