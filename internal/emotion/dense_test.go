package emotion

import (
	"math"
	"math/rand/v2"
	"testing"
)

// addDenseRef is the plain loop addDense must equal bit for bit.
func addDenseRef(w []float32, x []float32, outputs int, logits []float64) {
	var acc [maxOutputs]float32
	for f, v := range x {
		if v == 0 {
			continue
		}
		for j, wj := range w[f*outputs : f*outputs+outputs] {
			acc[j] += v * wj
		}
	}
	for j := range outputs {
		logits[j] += float64(acc[j])
	}
}

// TestAddDenseMatchesPlainLoop checks that the four-row product sums in
// the plain loop's order: any reordering changes some float32 sum's
// rounding on inputs like these, which would move tuned thresholds.
func TestAddDenseMatchesPlainLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, tc := range []struct{ features, outputs int }{
		{300, 35}, {300, 28}, {301, 35}, {302, 7}, {303, 1}, {3, 35}, {0, 35}, {2348, 35},
	} {
		for rep := range 20 {
			w := make([]float32, tc.features*tc.outputs)
			for i := range w {
				w[i] = float32(rng.NormFloat64()) * 0.3
			}
			x := make([]float32, tc.features)
			for i := range x {
				// Zero runs of every length, as the negated-words pool and
				// cluster counts have, and nonzero values of mixed scale.
				if rng.IntN(3) > 0 || rep%5 == 0 {
					x[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(5)-2)))
				}
			}
			got := make([]float64, tc.outputs)
			want := make([]float64, tc.outputs)
			for j := range got {
				got[j] = float64(j) * 0.25
				want[j] = got[j]
			}
			addDense(w, x, tc.outputs, got)
			addDenseRef(w, x, tc.outputs, want)
			for j := range got {
				if math.Float64bits(got[j]) != math.Float64bits(want[j]) {
					t.Fatalf("%d features × %d outputs, rep %d: output %d = %v, plain loop %v",
						tc.features, tc.outputs, rep, j, got[j], want[j])
				}
			}
		}
	}
}

func BenchmarkAddDense(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	w := make([]float32, 300*35)
	for i := range w {
		w[i] = float32(rng.NormFloat64())
	}
	x := make([]float32, 300)
	for i := range 200 {
		x[i] = float32(rng.NormFloat64())
	}
	logits := make([]float64, 35)
	for b.Loop() {
		addDense(w, x, 35, logits)
	}
}
