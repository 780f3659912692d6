package emotion

import (
	"math"
	"slices"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestF1(t *testing.T) {
	tests := []struct {
		name       string
		tp, fp, fn int
		p, r, f    float64
	}{
		{"balanced errors", 2, 1, 1, 2.0 / 3, 2.0 / 3, 2.0 / 3},
		{"perfect precision", 3, 0, 1, 1, 0.75, 6.0 / 7},
		{"nothing at all", 0, 0, 0, 0, 0, 0},
		{"only mistakes", 0, 3, 2, 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, r, f := f1(tc.tp, tc.fp, tc.fn)
			if !near(p, tc.p) || !near(r, tc.r) || !near(f, tc.f) {
				t.Errorf("f1(%d,%d,%d) = %v,%v,%v, want %v,%v,%v", tc.tp, tc.fp, tc.fn, p, r, f, tc.p, tc.r, tc.f)
			}
		})
	}
}

func TestMacroMicro(t *testing.T) {
	c := newCounts(2)
	for _, e := range []struct{ truth, pred []bool }{
		{[]bool{true, true}, []bool{true, false}},   // label 0 tp, label 1 fn
		{[]bool{true, false}, []bool{true, false}},  // label 0 tp
		{[]bool{false, true}, []bool{true, false}},  // label 0 fp, label 1 fn
		{[]bool{true, false}, []bool{false, false}}, // label 0 fn
	} {
		c.add(e.truth, e.pred)
	}
	// label 0: tp 2, fp 1, fn 1 → F1 2/3; label 1: tp 0, fn 2 → F1 0.
	// pooled: tp 2, fp 1, fn 3 → 4/8.
	macro, micro := c.macroMicro()
	if !near(macro, 1.0/3) || !near(micro, 0.5) {
		t.Errorf("macro, micro = %v, %v, want %v, %v", macro, micro, 1.0/3, 0.5)
	}
}

func TestECE(t *testing.T) {
	tests := []struct {
		name string
		p    []float64
		y    []bool
		want float64
	}{
		// bin 0: confidence .05, rate 0 → .05; bin 9: confidence .95, rate .5 → .45.
		{"two bins", []float64{0.05, 0.05, 0.95, 0.95}, []bool{false, false, true, false}, 0.5*0.05 + 0.5*0.45},
		{"perfectly calibrated", []float64{0.5, 0.5}, []bool{true, false}, 0},
		{"edges land in end bins", []float64{0, 1}, []bool{true, false}, 1},
		{"empty", nil, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newCalibrationBins(10)
			for i := range tc.p {
				b.add(tc.p[i], tc.y[i])
			}
			if got := b.ece(); !near(got, tc.want) {
				t.Errorf("ece = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTuneThreshold(t *testing.T) {
	tests := []struct {
		name string
		p    []float64
		y    []bool
		want float64
	}{
		// cutting after 3 gives F1 2·2/(3+2) = 0.8, the best.
		{"best cut in the middle", []float64{0.9, 0.8, 0.7, 0.2}, []bool{true, false, true, false}, 0.45},
		{"all positive", []float64{0.3, 0.6}, []bool{true, true}, 0.3},
		{"no positives", []float64{0.3, 0.6}, []bool{false, false}, 0.5},
		{"ties are not split", []float64{0.9, 0.5, 0.5, 0.1}, []bool{true, true, false, false}, 0.3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tuneThreshold(tc.p, tc.y); !near(got, tc.want) {
				t.Errorf("tuneThreshold = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFitPlatt(t *testing.T) {
	z := []float64{-2, -1, 1, 2}
	y := []bool{false, false, true, true}
	c := fitPlatt(z, y)
	if c[0] <= 0 {
		t.Fatalf("slope = %v, want > 0 for scores that rank positives first", c[0])
	}
	if math.Abs(c[1]) > 1e-6 {
		t.Errorf("intercept = %v, want 0 for symmetric data", c[1])
	}
	// Smoothed targets are 3/4 and 1/4: the fit must not be overconfident.
	if p := platt(c, 2); p < 0.6 || p > 0.95 {
		t.Errorf("p(z=2) = %v, want in (0.6, 0.95)", p)
	}
	// A constant score cannot separate: the fit is the smoothed base rate.
	c = fitPlatt([]float64{1, 1, 1, 1}, []bool{true, false, false, false})
	if p, want := platt(c, 1), (1.0+1)/(1+2)*0.25+1.0/(3+2)*0.75; math.Abs(p-want) > 1e-4 {
		t.Errorf("p for constant scores = %v, want %v", p, want)
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name  string
		probs []float64
		thr   []float64
		fixed float64
		want  []bool
	}{
		{"top label when none passes", []float64{0.1, 0.2, 0.05}, []float64{0.5, 0.5, 0.5}, math.NaN(), []bool{false, true, false}},
		{"per-label thresholds", []float64{0.1, 0.2, 0.05}, []float64{0.1, 0.5, 0.01}, math.NaN(), []bool{true, true, true}},
		{"fixed threshold wins", []float64{0.1, 0.2, 0.05}, []float64{0.9, 0.9, 0.9}, 0.1, []bool{true, true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := make([]bool, len(tc.probs))
			decide(tc.probs, tc.thr, tc.fixed, got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("decide = %v, want %v", got, tc.want)
			}
		})
	}
}
