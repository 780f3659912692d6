//go:build lab

package emotion

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// TestLabTrainDev estimates what training on train + dev gains, on dev
// only: for each even/odd half D_f of dev, model A (LAB_A, trained on
// train) fits the stack, Platt scaling and thresholds on D_f, and model
// B_f, trained on train + D_f with the same options (saved to
// /tmp/lab-td-F.model, reused when present), is scored on the other half
// through A's stack, Platt scaling and thresholds.
//
//	LAB_A=default.model go test -tags lab -run TestLabTrainDev -v -timeout 60m ./internal/emotion/
func TestLabTrainDev(t *testing.T) {
	a, err := LoadFile(os.Getenv("LAB_A"))
	if err != nil {
		t.Fatal(err)
	}
	d := loadRepoData(t)
	wv, err := LoadWordVectors(filepath.Join("..", "..", "data", "wordvectors", "glove-6b-100d-subset.vec.gz"))
	if err != nil {
		t.Fatal(err)
	}
	h := a.h
	nl, ne := len(h.Labels), len(h.EkmanLabels)
	truth, ekTruth := labTruth(h, d.Dev)
	za := labLogits(a, d.Dev)
	lambda := labFloats("LAB_LAMBDA", "100")[0]
	bw := labFloats("LAB_BW", "0.25")[0]
	thrFn := func(p []float64, y []bool) float64 { return tuneThresholdSmooth(p, y, bw) }
	type acc struct{ g, e counts }
	newAcc := func() acc { return acc{newCounts(nl), newCounts(ne)} }
	resA, resB, resAvg := newAcc(), newAcc(), newAcc()
	for fold := 0; fold < 2; fold++ {
		fit, score := labFold(len(d.Dev), fold)
		path := fmt.Sprintf("/tmp/lab-td-%d.model", fold)
		b, err := LoadFile(path)
		if err != nil {
			dd := *d
			dd.Train = slices.Clone(d.Train)
			dd.Dev = nil
			for _, i := range fit {
				dd.Train = append(dd.Train, d.Dev[i])
				dd.Dev = append(dd.Dev, d.Dev[i])
			}
			o := DefaultTrainOptions()
			o.Vectors = wv
			o.Primary = nil
			o.EkmanMode = ekmanOwn
			o.OOFFolds = 0 // the 2026.12.4 recipe this probe measured
			o.Progress = func(s string) { fmt.Println("   ", time.Now().Format("15:04:05"), s) }
			start := time.Now()
			var ru0, ru1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			var raw []byte
			if b, raw, err = Train(context.Background(), &dd, o); err != nil {
				t.Fatal(err)
			}
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			la, _ := os.ReadFile("/proc/loadavg")
			fmt.Printf("trained %s on %d texts: %.0f s wall, %.0f s user CPU; loadavg %s", path, len(dd.Train), time.Since(start).Seconds(),
				time.Duration(syscall.TimevalToNsec(ru1.Utime)-syscall.TimevalToNsec(ru0.Utime)).Seconds(), la)
			os.WriteFile(path, raw, 0o644)
		}
		zb := labLogits(b, d.Dev)
		ws := make([][]float64, nl)
		for l := 0; l < nl; l++ {
			ws[l] = labFitStack(za, truth, fit, l, lambda)
		}
		stacked := func(z [][]float64) [][]float64 {
			sz := make([][]float64, len(z))
			for i := range z {
				sz[i] = make([]float64, nl+ne)
				for l := 0; l < nl; l++ {
					sz[i][l] = logit(stackProb(ws[l], z[i]))
				}
				copy(sz[i][nl:], z[i][nl:nl+ne])
			}
			return sz
		}
		sa, sb := stacked(za), stacked(zb)
		avg := make([][]float64, len(sa))
		for i := range avg {
			avg[i] = make([]float64, nl+ne)
			for o := range avg[i] {
				avg[i][o] = (sa[i][o] + sb[i][o]) / 2
			}
		}
		cal, th := labFit(sa, truth, fit, 0, nl, thrFn)
		ecal, eth := labFit(sa, ekTruth, fit, nl, ne, tuneThreshold)
		for _, run := range []struct {
			z [][]float64
			r acc
		}{{sa, resA}, {sb, resB}, {avg, resAvg}} {
			p, pred := make([]float64, nl), make([]bool, nl)
			ep, epred := make([]float64, ne), make([]bool, ne)
			for _, i := range score {
				for l := 0; l < nl; l++ {
					p[l] = platt(cal[l], run.z[i][l])
				}
				decide(p, th, math.NaN(), pred)
				run.r.g.add(truth[i], pred)
				for l := 0; l < ne; l++ {
					ep[l] = platt(ecal[l], run.z[i][nl+l])
				}
				decide(ep, eth, math.NaN(), epred)
				run.r.e.add(ekTruth[i], epred)
			}
		}
	}
	for _, r := range []struct {
		name string
		a    acc
	}{{"A (train), stacked", resA}, {"B (train+half), A's stack/calibration", resB}, {"mean of A and B logits", resAvg}} {
		g, _ := r.a.g.macroMicro()
		e, _ := r.a.e.macroMicro()
		fmt.Printf("%-42s dev 2-fold goemotions %.4f ekman(own) %.4f rare[%s]\n", r.name, g, e, labRare(labPerLabel(r.a.g), h.Labels))
	}
}
