package emotion

import (
	"context"
	"slices"
	"testing"
)

// TestOOFThresholds: with OOFFolds only the GoEmotions thresholds change:
// the weights (every score), the Platt scalings, the Ekman mode,
// calibration and thresholds stay bit for bit those of the same options
// without it; the file is format version 7 (a version 6 file carrying
// the field is refused), records the folds and stays deterministic
// whatever the number of workers.
func TestOOFThresholds(t *testing.T) {
	t.Parallel()
	d := smallData(t)
	o := vecOptions(t, 5, 2)
	o.StackLambda, o.ThresholdBandwidth, o.EkmanMode, o.DevInTrain = 50, 0.25, ekmanOwn, true
	base := trainOn(t, d, o)
	o.OOFFolds = 2
	oof := trainOn(t, d, o)
	if got := oof.m.Info().OOFFolds; got != 2 || base.m.Info().OOFFolds != 0 {
		t.Errorf("train info oof_folds = %d (without: %d), want 2 (0)", got, base.m.Info().OOFFolds)
	}
	if goEmotionsMoved(t, base.m, oof.m, slices.Concat(d.Dev[:30], d.Train[:30])) {
		t.Errorf("OOFFolds changed the GoEmotions scores: only thresholds may change")
	}
	if !slices.Equal(base.m.h.Calibration, oof.m.h.Calibration) || !slices.Equal(base.m.h.EkmanCalibration, oof.m.h.EkmanCalibration) ||
		base.m.EkmanMode() != oof.m.EkmanMode() || !slices.Equal(base.m.Thresholds(Ekman), oof.m.Thresholds(Ekman)) {
		t.Errorf("calibration, Ekman mode or Ekman thresholds changed")
	}
	if slices.Equal(base.m.Thresholds(GoEmotions), oof.m.Thresholds(GoEmotions)) {
		t.Errorf("OOFFolds left every GoEmotions threshold unchanged")
	}
	checkOptionFile(t, "OOFFolds", d, o, oof, 7)
}

// TestOOFScores: each train text's out-of-fold score is the score of the
// model Train makes from the other folds alone (so the text was not
// trained on), and stackScores applies the stack as the folded weights do.
func TestOOFScores(t *testing.T) {
	t.Parallel()
	d := smallData(t)
	o := vecOptions(t, 5, 2)
	o.EkmanMode, o.OOFFolds = ekmanOwn, 3
	vt, hashes, err := tableOf(o.Vectors, o.Features.Negation, o)
	if err != nil {
		t.Fatal(err)
	}
	h := vecModel(t).m.h
	z, err := oofScores(context.Background(), d, vt, hashes, o, 2, &h)
	if err != nil {
		t.Fatal(err)
	}
	s := &scratch{}
	for f := 0; f < o.OOFFolds; f++ {
		dd := *d
		dd.Train, _, _ = splitFold(d.Train, o.OOFFolds, f)
		oo := o
		oo.OOFFolds = 0
		m := trainOn(t, &dd, oo).m
		for i := f; i < len(d.Train); i += o.OOFFolds {
			m.logits(s, d.Train[i].Text)
			if !slices.Equal(z[i], s.logits[:m.h.Outputs]) {
				t.Fatalf("train text %d (fold %d): out-of-fold scores %v, want those of the model trained without its fold %v", i, f, z[i][:3], s.logits[:3])
			}
		}
	}
	coef := [][]float64{{0.5, 2, 0, -1}, {0, 0, 1, 0}}
	got := stackScores([][]float64{{1, 2, 3}}, coef, 2)
	if want := []float64{0.5 + 2 - 3, 2}; !slices.Equal(got[0], want) {
		t.Errorf("stackScores = %v, want %v", got[0], want)
	}
	if got := stackScores([][]float64{{1, 2, 3}}, nil, 2); !slices.Equal(got[0], []float64{1, 2}) {
		t.Errorf("stackScores without a stack = %v, want the first 2 scores", got[0])
	}
}
