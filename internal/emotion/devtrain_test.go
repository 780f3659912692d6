package emotion

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

// TestDevInTrain: with DevInTrain the GoEmotions weights are trained on
// train + dev while the stack, calibration and thresholds are those fitted
// on dev for the model trained on train alone, and the Ekman outputs stay
// bit for bit those of that model; the file is format version 5 (a
// version 4 file carrying the flag is refused) and stays deterministic
// whatever the number of workers.
func TestDevInTrain(t *testing.T) {
	t.Parallel()
	d := smallData(t)
	o := vecOptions(t, 5, 2)
	o.StackLambda, o.ThresholdBandwidth, o.EkmanMode = 50, 0.25, ekmanOwn
	o.DevInTrain = false
	base := trainOn(t, d, o)
	o.DevInTrain = true
	both := trainOn(t, d, o)
	if v := binary.LittleEndian.Uint16(base.raw[8:]); v != 4 {
		t.Errorf("format version %d without DevInTrain, want 4", v)
	}
	info := both.m.Info()
	if !info.DevInTrain || info.TrainExamples != len(d.Train)+len(d.Dev) || base.m.Info().DevInTrain {
		t.Errorf("train info %+v: DevInTrain or the example count not recorded", info)
	}
	for _, tax := range []Taxonomy{GoEmotions, Ekman} {
		if !slices.Equal(both.m.Thresholds(tax), base.m.Thresholds(tax)) {
			t.Errorf("%s thresholds differ: the calibration must come from the model trained on train", tax)
		}
	}
	if !slices.Equal(both.m.h.Calibration, base.m.h.Calibration) || both.m.EkmanMode() != base.m.EkmanMode() {
		t.Errorf("calibration or Ekman mode differ")
	}
	// The dev texts are now training data: the GoEmotions scores move,
	// the Ekman ones do not.
	if both.m.h.Outputs != base.m.h.Outputs {
		t.Fatalf("%d outputs with DevInTrain, %d without", both.m.h.Outputs, base.m.h.Outputs)
	}
	if !goEmotionsMoved(t, base.m, both.m, slices.Concat(d.Dev[:20], d.Train[:20])) {
		t.Errorf("training on dev left every score unchanged")
	}
	checkOptionFile(t, "DevInTrain", d, o, both, 5)
}

// checkOptionFile checks the file got of a model trained with options o,
// which need format version v because of option: its version is v, the
// same training on one worker writes the same bytes, and the file marked
// version v-1 is refused.
func checkOptionFile(t *testing.T, option string, d *Dataset, o TrainOptions, got trained, v uint16) {
	t.Helper()
	if fv := binary.LittleEndian.Uint16(got.raw[8:]); fv != v {
		t.Errorf("format version %d with %s, want %d", fv, option, v)
	}
	o.Workers = 1
	if one := trainOn(t, d, o); !bytes.Equal(one.raw, got.raw) {
		t.Errorf("%s on 1 and 2 workers gave different files", option)
	}
	if _, err := decode(withVersion(got.raw, v-1)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("version %d file with %s: %v, want ErrCorrupt", v-1, option, err)
	}
}

// goEmotionsMoved fails t if a and b give different Ekman scores to any
// of exs, and reports whether they give different GoEmotions scores to
// any.
func goEmotionsMoved(t *testing.T, a, b *Model, exs []Example) bool {
	t.Helper()
	sa, sb := &scratch{}, &scratch{}
	nl, outputs := len(a.h.Labels), a.h.Outputs
	moved := false
	for _, ex := range exs {
		a.logits(sa, ex.Text)
		b.logits(sb, ex.Text)
		moved = moved || !slices.Equal(sa.logits[:nl], sb.logits[:nl])
		if !slices.Equal(sa.logits[nl:outputs], sb.logits[nl:outputs]) {
			t.Fatalf("%q: Ekman scores changed: %v → %v", ex.Text, sa.logits[nl:outputs], sb.logits[nl:outputs])
		}
	}
	return moved
}

// TestSolveLRWarmStart: a solve started from the duals of a solve on a
// prefix of the examples reaches the same optimum as a cold solve on all
// of them, in fewer epochs.
func TestSolveLRWarmStart(t *testing.T) {
	t.Parallel()
	d := smallData(t)
	o := smallOptions(1, 1)
	all := append(slices.Clip(d.Train), d.Dev...)
	docs, _ := featurize(all, o.Features, nil, 1)
	x, _ := buildMatrix(docs, nil, o.Features.Bits, 1)
	y := targets(all, d)[:3]
	prob := func(rows int, warm [][]float64) lrProblem {
		sub := &csr{ptr: x.ptr[:rows+1], col: x.col, val: x.val, nCols: x.nCols}
		p := lrProblem{x: sub, eps: 1e-3, maxIter: 500, seed: 1, warm: warm}
		for _, t := range y {
			p.y = append(p.y, t[:rows])
			r := make([]float64, x.nCols)
			for c := range r {
				r[c] = 1
			}
			p.scale = append(p.scale, r)
			p.cPos, p.cNeg = append(p.cPos, 1), append(p.cNeg, 1)
		}
		return p
	}
	_, _, _, duals := solveLR(context.Background(), prob(len(d.Train), nil))
	cold, coldBias, coldIters, _ := solveLR(context.Background(), prob(len(all), nil))
	warm, warmBias, warmIters, _ := solveLR(context.Background(), prob(len(all), duals))
	for l := range cold {
		diff := 0.0
		for c := range cold[l] {
			diff = max(diff, abs(cold[l][c]-warm[l][c]))
		}
		if diff > 0.02 || abs(coldBias[l]-warmBias[l]) > 0.02 {
			t.Errorf("output %d: warm and cold solves differ by %.4f (bias %.4f vs %.4f)", l, diff, warmBias[l], coldBias[l])
		}
	}
	if sum(warmIters) >= sum(coldIters) {
		t.Errorf("warm start took %v epochs, cold %v", warmIters, coldIters)
	}
	t.Logf("epochs: warm %v, cold %v", warmIters, coldIters)
}

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
