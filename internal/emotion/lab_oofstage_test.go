//go:build lab

package emotion

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

// TestLabOOFStage measures, on dev only, fitting the trainer's second
// stage for the GoEmotions labels (stack λ, Platt scaling, thresholds
// smoothed at LAB_BW) on out-of-fold scores of train instead of (or next
// to) dev: the default recipe (train only, unstacked) is trained on K-1
// folds of train (LAB_FOLDS = K, splitFold; saved as /tmp/lab-oofK-f.model
// and reused, see labOOFScores) and scores the held-out fold. On the same
// LAB_REPS random halvings of dev as TestLabStack (fit on half A, score
// half B with LAB_A's dev scores, then swap), each variant takes the
// stack (S), the Platt scalings (P) and the thresholds (T) from one
// source: "dev" (dev half A), "oof" (the train out-of-fold scores) or
// "mixW" (both, dev half A counted W times). LAB_A is the recipe trained
// on all of train, unstacked (the 2026.12.2 file: git show
// d2bdab7:internal/emotion/default.model). LAB_VARIANTS overrides the
// list ("S/P/T;…"). LAB_OOFREPS=r adds r−1 more fold assignments
// (labOOFScoresRep) to the out-of-fold rows; LAB_FB=margin scores with
// the margin fallback (labDecide); LAB_SOFT=C adds a softmax's logits to
// the stack's inputs (lab_soft_test.go).
//
//	LAB_A=/tmp/m122.model LAB_REPS=10 LAB_LAMBDA=10,30,100,300 go test -tags lab -run TestLabOOFStage -v -timeout 120m ./internal/emotion/
func TestLabOOFStage(t *testing.T) {
	a, d, devTruth, trTruth := labModelA(t)
	nl := len(a.h.Labels)
	k := int(labFloats("LAB_FOLDS", "2")[0])
	zOOF := labOOFScores(t, d, k)
	// LAB_OOFREPS=r > 1: r-1 more fold assignments (random, seeded by the
	// repetition), their scores appended as more out-of-fold rows.
	for r := 1; r < int(labFloats("LAB_OOFREPS", "1")[0]); r++ {
		zOOF = append(zOOF, labOOFScoresRep(t, d, k, r)...)
		trTruth = append(trTruth, trTruth[:len(d.Train)]...)
	}
	zDev := labLogits(a, d.Dev)
	// Rows 0…len(train)-1 are train (out-of-fold scores), the rest dev.
	z := append(append([][]float64(nil), zOOF...), zDev...)
	truth := append(append([][]bool(nil), trTruth...), devTruth...)
	nTr := len(zOOF)
	if os.Getenv("LAB_SOFT") != "" {
		z = labAddSoft(t, d, z, nTr)
	}
	oof := make([]int, nTr)
	for i := range oof {
		oof[i] = i
	}
	bw := labFloats("LAB_BW", "0.25")[0]
	variants := strings.Split(os.Getenv("LAB_VARIANTS"), ";")
	if os.Getenv("LAB_VARIANTS") == "" {
		variants = []string{"dev/dev/dev", "oof/oof/oof", "mix1/mix1/mix1", "mix2/mix2/mix2", "mix4/mix4/mix4",
			"dev/oof/oof", "dev/dev/oof", "dev/mix2/mix2", "oof/dev/dev", "mix2/dev/dev"}
	}
	splits := labSplits(len(zDev))
	for _, lambda := range labFloats("LAB_LAMBDA", "100") {
		// Stacks by source and split, fitted once per λ.
		stacks := map[string][][]float64{}
		stackOf := func(src string, s int) [][]float64 {
			key := labKey(src, s)
			if w, ok := stacks[key]; ok {
				return w
			}
			rows := labRows(src, oof, splits[s][0], nTr)
			ws := make([][]float64, nl)
			parallel(2, nl, func(l int, _ *featureBuf) { ws[l] = labFitStackSoft(z, truth, rows, l, lambda, a.h.Outputs) })
			stacks[key] = ws
			return ws
		}
		// Platt scalings and thresholds by sources and split.
		type fitted struct {
			cal [][2]float64
			th  []float64
		}
		fits := map[string]fitted{}
		for _, v := range variants {
			src := strings.Split(v, "/")
			start := time.Now()
			c := newCounts(nl)
			for s, sp := range splits {
				ws := stackOf(src[0], s)
				pRows := labRows(src[1], oof, sp[0], nTr)
				tRows := labRows(src[2], oof, sp[0], nTr)
				key := labKey(src[0], s) + "|" + labKey(src[1], s) + "|" + labKey(src[2], s)
				ft, ok := fits[key]
				need := labDev(sp[1], nTr)
				if !ok {
					need = append(append(need, pRows...), tRows...)
				}
				sz := make([][]float64, len(z))
				for _, i := range need {
					if sz[i] != nil {
						continue
					}
					sz[i] = make([]float64, nl)
					for l := 0; l < nl; l++ {
						sz[i][l] = logit(stackProb(ws[l], z[i]))
					}
				}
				if !ok {
					ft = fitted{make([][2]float64, nl), make([]float64, nl)}
					fits[key] = ft
					parallel(2, nl, func(l int, _ *featureBuf) {
						zz, y := make([]float64, len(pRows)), make([]bool, len(pRows))
						for k, i := range pRows {
							zz[k], y[k] = sz[i][l], truth[i][l]
						}
						ft.cal[l] = fitPlatt(zz, y)
						p, yt := make([]float64, len(tRows)), make([]bool, len(tRows))
						for k, i := range tRows {
							p[k], yt[k] = platt(ft.cal[l], sz[i][l]), truth[i][l]
						}
						ft.th[l] = tuneThresholdSmooth(p, yt, bw)
					})
				}
				cal, th := ft.cal, ft.th
				p, pred := make([]float64, nl), make([]bool, nl)
				for _, i := range labDev(sp[1], nTr) {
					for l := 0; l < nl; l++ {
						p[l] = platt(cal[l], sz[i][l])
					}
					labDecide(p, th, pred)
					c.add(truth[i], pred)
				}
			}
			g, _ := c.macroMicro()
			fmt.Printf("K=%d λ %-4g S/P/T %-16s dev 2-fold×%d goemotions %.4f rare[%s] (%.0f s)\n",
				k, lambda, v, len(splits)/2, g, labRare(labPerLabel(c), a.h.Labels), time.Since(start).Seconds())
		}
	}
}

// labKey names source src's rows for split s: the out-of-fold rows do
// not depend on the split.
func labKey(src string, s int) string {
	if src == "oof" {
		return src
	}
	return fmt.Sprintf("%s#%d", src, s)
}

// labDev maps dev rows to rows of the joined train+dev score matrix.
func labDev(rows []int, nTr int) []int {
	out := make([]int, len(rows))
	for k, i := range rows {
		out[k] = nTr + i
	}
	return out
}

// labRows returns the rows of source src ("dev", "oof" or "mixW") for
// the dev fitting half devFit.
func labRows(src string, oof, devFit []int, nTr int) []int {
	switch {
	case src == "dev":
		return labDev(devFit, nTr)
	case src == "oof":
		return oof
	case strings.HasPrefix(src, "mix"):
		var w int
		fmt.Sscan(src[3:], &w)
		out := append([]int(nil), oof...)
		for r := 0; r < w; r++ {
			out = append(out, labDev(devFit, nTr)...)
		}
		return out
	}
	panic("lab: unknown source " + src)
}

// labOOFScores returns out-of-fold raw scores of every train text: for
// each of k folds (splitFold), the default recipe (train only,
// unstacked, no dev retraining) trained on the other folds scores the
// fold. Models are saved under /tmp and reused.
func labOOFScores(t *testing.T, d *Dataset, k int) [][]float64 { return labOOFScoresRep(t, d, k, 0) }

// labDecide is decide, or with LAB_FB=margin the margin fallback: only
// the labels that reach their threshold, and when none does, the label
// closest to its threshold in log-odds instead of the most probable one.
func labDecide(p, th []float64, pred []bool) {
	if os.Getenv("LAB_FB") != "margin" {
		decide(p, th, math.NaN(), pred)
		return
	}
	none, closest, best := true, 0, math.Inf(-1)
	for l := range p {
		pred[l] = p[l] >= th[l]
		none = none && !pred[l]
		if d := logit(p[l]) - logit(th[l]); d > best {
			closest, best = l, d
		}
	}
	if none {
		pred[closest] = true
	}
}

// labOOFScoresRep is labOOFScores for fold assignment rep: 0 is
// splitFold's (rows i mod k), and for rep > 0 fold f holds the train rows
// at positions i mod k = f of a permutation drawn from PCG(1, rep).
func labOOFScoresRep(t *testing.T, d *Dataset, k, rep int) [][]float64 {
	perm := make([]int, len(d.Train))
	for i := range perm {
		perm[i] = i
	}
	if rep > 0 {
		perm = rand.New(rand.NewPCG(1, uint64(rep))).Perm(len(d.Train))
	}
	shuffled := make([]Example, len(perm))
	for j, i := range perm {
		shuffled[j] = d.Train[i]
	}
	z := make([][]float64, len(d.Train))
	for f := 0; f < k; f++ {
		path := fmt.Sprintf("/tmp/lab-oof%d-%d.model", k, f)
		if rep > 0 {
			path = fmt.Sprintf("/tmp/lab-oof%d-r%d-%d.model", k, rep, f)
		}
		if tag := os.Getenv("LAB_TAG"); tag != "" {
			path = fmt.Sprintf("/tmp/lab-v-%s-oof%d-r%d-%d.model", tag, k, rep, f)
		}
		fitEx, scoreEx, scoreIdx := splitFold(shuffled, k, f)
		m, err := LoadFile(path)
		labCoarsen(m)
		if err != nil {
			dd := *d
			dd.Train = fitEx
			start := time.Now()
			var raw []byte
			if m, raw, err = Train(context.Background(), &dd, labHyper(t)); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			fmt.Printf("trained %s in %.0f s\n", path, time.Since(start).Seconds())
		}
		for j, zz := range labLogits(m, scoreEx) {
			z[perm[scoreIdx[j]]] = zz
		}
	}
	return z
}
