package emotion

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"testing"
)

// TestStackFit: a label that follows another output's score gets a clear
// coefficient on that output when the penalty is small, and (almost) none
// when it is large; the own score keeps its coefficient either way.
func TestStackFit(t *testing.T) {
	t.Parallel()
	var z [][]float64
	var y []bool
	for i := 0; i < 400; i++ {
		own := float64(i%7) - 3          // weakly informative own score
		other := float64((i*13)%11) - 5  // decides the label
		noise := float64((i*29)%5)/2 - 1 // unrelated
		z = append(z, []float64{own, other, noise})
		y = append(y, other+0.3*own > 0.5)
	}
	loose := stackFit(z, y, 0, 0.01)
	tight := stackFit(z, y, 0, 1e6)
	if loose[2] < 1 {
		t.Errorf("small penalty: coefficient of the deciding output = %.3f, want > 1 (%v)", loose[2], loose)
	}
	if math.Abs(tight[2]) > 0.01 || math.Abs(tight[3]) > 0.01 {
		t.Errorf("large penalty: other outputs' coefficients %v, want ≈ 0", tight[2:])
	}
	if tight[1] <= 0 {
		t.Errorf("large penalty: own coefficient %.3f, want > 0 (unpenalised)", tight[1])
	}
	for _, w := range [][]float64{loose, tight} {
		if slices.ContainsFunc(w, func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }) {
			t.Errorf("non-finite coefficients %v", w)
		}
	}
}

// TestCholSolve checks the linear solver on a small definite system.
func TestCholSolve(t *testing.T) {
	t.Parallel()
	a := []float64{4, 2, 0, 2, 5, 1, 0, 1, 3}
	want := []float64{1, -2, 3}
	b := make([]float64, 3)
	for i := range 3 {
		for j := range 3 {
			b[i] += a[i*3+j] * want[j]
		}
	}
	got := cholSolve(a, b, 3)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-9 {
			t.Fatalf("cholSolve = %v, want %v", got, want)
		}
	}
}

func TestTuneThresholdSmooth(t *testing.T) {
	t.Parallel()
	if got := tuneThresholdSmooth([]float64{0.2, 0.4}, []bool{false, false}, 0.25); got != 0.5 {
		t.Errorf("no positives: %v, want 0.5", got)
	}
	// Positives at 0.3 and above, negatives at 0.01 and below: the
	// threshold falls between, well away from both groups.
	var p []float64
	var y []bool
	for i := 0; i < 50; i++ {
		p = append(p, 0.3+0.004*float64(i), 0.001+0.0002*float64(i))
		y = append(y, true, false)
	}
	got := tuneThresholdSmooth(p, y, 0.25)
	if !(got > 0.02 && got < 0.25) {
		t.Errorf("separable scores: threshold %.4f, want between the groups (0.02, 0.25)", got)
	}
	if exact := tuneThreshold(p, y); !(exact > 0.01 && exact < 0.3) {
		t.Errorf("exact threshold %.4f, want between the groups", exact)
	}
}

// TestStackLeavesEkman: stacking rewrites only the GoEmotions outputs, so
// a model trained with and without it has the same Ekman outputs, and the
// header records the options.
func TestStackLeavesEkman(t *testing.T) {
	t.Parallel()
	d := loadRepoData(t)
	small := *d
	small.Train, small.Dev, small.Test = d.Train[:1500], d.Dev[:500], nil
	o := smallOptions(5, 2)
	o.EkmanMode = ekmanOwn
	plain, rawPlain, err := Train(context.Background(), &small, o)
	if err != nil {
		t.Fatal(err)
	}
	o.StackLambda, o.ThresholdBandwidth, o.EkmanMode = 50, 0.25, ekmanOwn
	stacked, raw, err := Train(context.Background(), &small, o)
	if err != nil {
		t.Fatal(err)
	}
	// The new options need format version 4; without them the file stays
	// version 3, and a version 3 file carrying them is refused.
	if v, w := binary.LittleEndian.Uint16(raw[8:]), binary.LittleEndian.Uint16(rawPlain[8:]); v != 4 || w != 3 {
		t.Errorf("format versions %d (stacked) and %d (plain), want 4 and 3", v, w)
	}
	old := withVersion(raw, 3)
	if _, err := decode(old); !errors.Is(err, ErrCorrupt) {
		t.Errorf("version 3 file with stacking: %v, want ErrCorrupt", err)
	}
	if stacked.EkmanMode() != ekmanOwn {
		t.Errorf("EkmanMode option ignored: %s", stacked.EkmanMode())
	}
	if stacked.Info().StackLambda != 50 || stacked.Info().ThresholdBandwidth != 0.25 || plain.Info().StackLambda != 0 {
		t.Errorf("train info %+v / %+v: stack options not recorded", stacked.Info(), plain.Info())
	}
	nl := len(plain.h.Labels)
	sp, ss := &scratch{}, &scratch{}
	differ := false
	for _, ex := range small.Dev[:50] {
		plain.logits(sp, ex.Text)
		stacked.logits(ss, ex.Text)
		for o := nl; o < plain.h.Outputs; o++ {
			if sp.logits[o] != ss.logits[o] {
				t.Fatalf("%q: Ekman output %d changed by stacking: %v → %v", ex.Text, o-nl, sp.logits[o], ss.logits[o])
			}
		}
		differ = differ || !slices.Equal(sp.logits[:nl], ss.logits[:nl])
	}
	if !differ {
		t.Errorf("stacking left every GoEmotions score unchanged")
	}
	if !slices.Equal(plain.Thresholds(Ekman), stacked.Thresholds(Ekman)) {
		t.Errorf("Ekman thresholds changed")
	}
	o.EkmanMode = "mean"
	if _, _, err := Train(context.Background(), &small, o); !errors.Is(err, ErrTrain) {
		t.Errorf("EkmanMode mean: %v, want ErrTrain", err)
	}
	o.EkmanMode = ""
	o.StackLambda = -1
	if _, _, err := Train(context.Background(), &small, o); !errors.Is(err, ErrTrain) {
		t.Errorf("StackLambda -1: %v, want ErrTrain", err)
	}
	o.StackLambda, o.ThresholdBandwidth = 0, math.NaN()
	if _, _, err := Train(context.Background(), &small, o); !errors.Is(err, ErrTrain) {
		t.Errorf("ThresholdBandwidth NaN: %v, want ErrTrain", err)
	}
}
