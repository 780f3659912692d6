//go:build lab

package emotion

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

// TestLabBootstrap measures how much the test split's GoEmotions
// macro-F1 moves by chance: 2,000 bootstrap resamples of the test texts
// (seeded), the macro-F1 of LAB_A on each, and of LAB_B minus LAB_A on the
// same resample (the paired difference between two candidates).
//
//	LAB_A=internal/emotion/default.model LAB_B=/tmp/cand126.model go test -tags lab -run TestLabBootstrap -v ./internal/emotion/
func TestLabBootstrap(t *testing.T) {
	d, err := LoadDataset("../../data/goemotions")
	if err != nil {
		t.Fatal(err)
	}
	preds := func(path string) [][]bool {
		m, err := LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		probs, th := m.probabilitiesOf(d.Test, GoEmotions), m.Thresholds(GoEmotions)
		out := make([][]bool, len(d.Test))
		for i := range out {
			out[i] = make([]bool, len(th))
			decide(probs[i], th, math.NaN(), out[i])
		}
		return out
	}
	a, b := preds(os.Getenv("LAB_A")), preds(os.Getenv("LAB_B"))
	nl := len(d.Labels)
	truth := make([][]bool, len(d.Test))
	for i, ex := range d.Test {
		truth[i] = truthOf(ex, GoEmotions, d.EkmanOf, nl)
	}
	macro := func(p [][]bool, idx []int) float64 {
		c := newCounts(nl)
		for _, i := range idx {
			c.add(truth[i], p[i])
		}
		m, _ := c.macroMicro()
		return m
	}
	all := make([]int, len(d.Test))
	for i := range all {
		all[i] = i
	}
	fmt.Printf("test macro-F1: A %.4f, B %.4f\n", macro(a, all), macro(b, all))
	rng := rand.New(rand.NewPCG(1, 2))
	var fa, diff []float64
	idx := make([]int, len(all))
	for range 2000 {
		for k := range idx {
			idx[k] = rng.IntN(len(all))
		}
		ma, mb := macro(a, idx), macro(b, idx)
		fa, diff = append(fa, ma), append(diff, mb-ma)
	}
	slices.Sort(fa)
	slices.Sort(diff)
	sd := func(x []float64) float64 {
		var s, s2 float64
		for _, v := range x {
			s, s2 = s+v, s2+v*v
		}
		n := float64(len(x))
		return math.Sqrt(s2/n - (s/n)*(s/n))
	}
	q := func(x []float64, p float64) float64 { return x[int(p*float64(len(x)-1))] }
	fmt.Printf("bootstrap A: sd %.4f, 95%% interval [%.4f, %.4f]\n", sd(fa), q(fa, 0.025), q(fa, 0.975))
	fmt.Printf("bootstrap B−A: sd %.4f, 95%% interval [%+.4f, %+.4f], B better in %.1f %%\n", sd(diff), q(diff, 0.025), q(diff, 0.975),
		100*float64(len(diff)-slices.IndexFunc(diff, func(v float64) bool { return v > 0 }))/float64(len(diff)))
}
