//go:build lab

package emotion

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"testing"
	"time"
)

// TestLabEkmanAware measures, on dev only, whether cluster-aware Ekman
// heads help the GoEmotions labels through the stack while the emitted
// Ekman heads stay those of the shipped recipe: 7 Ekman heads trained on
// train with LAB_K word clusters (never emitted) join the stack's inputs
// as extra scores, penalised like the others. They are trained as the
// "GoEmotions" labels of a dataset relabelled to the Ekman taxonomy
// (Labels = the 7 Ekman classes, EkmanOf the identity), whose first 7
// outputs are then solved with the cluster columns at C = EkmanC; saved
// to /tmp/lab-ek-cl-K.model and reused when present. Variants, each by
// dev 2-fold×LAB_REPS cross-fitting of the trainer's second stage (stack,
// Platt, thresholds smoothed at LAB_BW) at each LAB_LAMBDA: LAB_A (the
// recipe on train, unstacked; base), LAB_B (the same with the GoEmotions
// cluster block, TestLabClusters with LAB_K=1024), each stacked alone,
// with the aware heads added, and with them in place of its own Ekman
// heads.
//
//	LAB_A=/tmp/m122.model LAB_B=/tmp/lab-cl-1024.model LAB_K=1024 LAB_REPS=10 LAB_LAMBDA=100,300 go test -count=1 -tags lab -run TestLabEkmanAware -v -timeout 60m ./internal/emotion/
func TestLabEkmanAware(t *testing.T) {
	t.Setenv("LAB_SIDEFREE", "0") // every extra score is penalised
	d := loadRepoData(t)
	k := int(labFloats("LAB_K", "1024")[0])
	path := fmt.Sprintf("/tmp/lab-ek-cl-%d.model", k)
	ek, err := LoadFile(path)
	if err != nil {
		de := &Dataset{Labels: slices.Clone(ekmanLabels[:]), EkmanOf: make([]int, len(ekmanLabels))}
		for i := range de.EkmanOf {
			de.EkmanOf[i] = i
		}
		relabel := func(ex []Example) []Example {
			out := make([]Example, len(ex))
			for i, e := range ex {
				var ls []int
				for _, l := range e.Labels {
					if g := d.EkmanOf[l]; !slices.Contains(ls, g) {
						ls = append(ls, g)
					}
				}
				slices.Sort(ls)
				out[i] = Example{Text: e.Text, Labels: ls}
			}
			return out
		}
		de.Train, de.Dev = relabel(d.Train), relabel(d.Dev)
		o := labTrainOnly(t)
		o.EkmanMode, o.Primary = ekmanOwn, nil
		o.C = o.EkmanC
		o.Clusters = k
		start := time.Now()
		var raw []byte
		if ek, raw, err = Train(context.Background(), de, o); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("trained %s in %.0f s\n", path, time.Since(start).Seconds())
	}
	ne := len(ekmanLabels)
	zEk := labLogits(ek, d.Dev)
	aware := make([][]float64, len(zEk))
	for i, z := range zEk {
		aware[i] = z[:ne]
	}
	for _, name := range []string{os.Getenv("LAB_A"), os.Getenv("LAB_B")} {
		if name == "" {
			continue
		}
		m, err := LoadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		nl := len(m.h.Labels)
		truth, _ := labTruth(m.h, d.Dev)
		z := labLogits(m, d.Dev)
		// The relabelled model's own (cluster-free) Ekman heads should be
		// those of m: same features, same targets.
		diff := -1.0 // -1: the relabelled model kept its first 7 outputs only (EkmanMode not "own")
		for i := range z {
			if len(zEk[i]) < 2*ne {
				break
			}
			for e := 0; e < ne; e++ {
				diff = max(diff, abs(z[i][nl+e]-zEk[i][ne+e]))
			}
		}
		var sd, sa float64
		for i := range z {
			for e := 0; e < ne; e++ {
				dd := z[i][nl+e] - aware[i][e]
				sd, sa = sd+dd*dd, sa+z[i][nl+e]*z[i][nl+e]
			}
		}
		fmt.Printf("%s: aware − emitted Ekman dev scores: rms %.3f (rms of the emitted %.3f)\n", name, math.Sqrt(sd/float64(len(z)*ne)), math.Sqrt(sa/float64(len(z)*ne)))
		fmt.Printf("%s: largest difference of its Ekman scores from the relabelled model's cluster-free heads %g\n", name, diff)
		for _, lambda := range labFloats("LAB_LAMBDA", "100,300") {
			bw := labFloats("LAB_BW", "0.25")[0]
			start := time.Now()
			plain := labStackCV(z, truth, nl, nil, lambda, bw)
			withAware := labStackCV(z, truth, nl, aware, lambda, bw)
			// The aware heads in place of the emitted ones as stack inputs
			// (what the stack saw when clusters went to every output).
			swapped := make([][]float64, len(z))
			for i := range z {
				swapped[i] = append(slices.Clone(z[i][:nl]), aware[i]...)
			}
			instead := labStackCV(swapped, truth, nl, nil, lambda, bw)
			fmt.Printf("%s λ %g: stacked %.4f, + cluster-aware Ekman heads %.4f, aware heads instead of the emitted ones %.4f (%.0f s)\n", name, lambda, plain, withAware, instead, time.Since(start).Seconds())
		}
	}
}
