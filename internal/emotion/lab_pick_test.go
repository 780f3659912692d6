//go:build lab

package emotion

import (
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestLabPick compares, by 2-fold cross-fitting on dev (fit on one half,
// score the other, both ways), ways of turning the saved models in
// LAB_MODELS (comma-separated, same labels) into decisions:
//
//   - each model alone, with the trainer's thresholds ("tuned") and with
//     thresholds stabilised for rare labels ("bag": the mean of the
//     thresholds tuned on bootstrap resamples; "smooth": the threshold
//     maximising a smoothed F1 curve);
//
//   - the logit average of all models;
//
//   - a per-label choice among the models (and their average), chosen on
//     the fitting half by its in-sample F1.
//
//     LAB_MODELS=default.model,/tmp/lab-c2.model go test -tags lab -run TestLabPick -v ./internal/emotion/
func TestLabPick(t *testing.T) {
	names := strings.Split(os.Getenv("LAB_MODELS"), ",")
	d := loadRepoData(t)
	var zs [][][]float64
	var h header
	for _, n := range names {
		m, err := LoadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		zs = append(zs, labLogits(m, d.Dev))
		h = m.h
	}
	nl, ne := len(h.Labels), len(h.EkmanLabels)
	truth, ekTruth := labTruth(h, d.Dev)
	avg := make([][]float64, len(d.Dev))
	for i := range avg {
		avg[i] = make([]float64, len(zs[0][i]))
		for _, z := range zs {
			for o := range avg[i] {
				avg[i][o] += z[i][o] / float64(len(zs))
			}
		}
	}
	cands := append(slices.Clone(zs), avg)
	cnames := append(slices.Clone(names), "average")
	for _, thr := range labThrRules() {
		for k, z := range cands {
			g, per := labCV2(z, truth, 0, nl, thr.fn)
			e, _ := labCV2(z, ekTruth, nl, ne, thr.fn)
			fmt.Printf("%-8s %-40s dev 2-fold goemotions %.4f ekman(own) %.4f  rare[%s]\n", thr.name, cnames[k], g, e, labRare(per, h.Labels))
		}
		g := labPickCV(cands, truth, nl, thr.fn)
		fmt.Printf("%-8s %-40s dev 2-fold goemotions %.4f\n", thr.name, "per-label pick", g)
	}
}

type labThrRule struct {
	name string
	fn   func(p []float64, y []bool) float64
}

func labThrRules() []labThrRule {
	if os.Getenv("LAB_BW") != "" {
		rules := []labThrRule{{"tuned", tuneThreshold}}
		for _, bw := range labFloats("LAB_BW", "") {
			rules = append(rules, labThrRule{fmt.Sprintf("sm%.2f", bw), func(p []float64, y []bool) float64 { return tuneThresholdSmooth(p, y, bw) }})
		}
		return rules
	}
	return []labThrRule{
		{"tuned", tuneThreshold},
		{"bag", func(p []float64, y []bool) float64 { return labBagThreshold(p, y, 50) }},
		{"smooth", labSmoothThreshold},
	}
}

func labRare(per []float64, labels []string) string {
	var s []string
	for _, n := range []string{"relief", "grief", "pride", "nervousness", "embarrassment", "disappointment", "realization"} {
		l := slices.Index(labels, n)
		s = append(s, fmt.Sprintf("%s %.2f", n[:4], per[l]))
	}
	return strings.Join(s, " ")
}

// labPerLabel returns each label's F1 in c.
func labPerLabel(c counts) []float64 {
	per := make([]float64, len(c.tp))
	for l := range per {
		_, _, per[l] = f1(c.tp[l], c.fp[l], c.fn[l])
	}
	return per
}

// labFold splits rows into the fitting half (i%2 == fold) and the rest.
func labFold(n, fold int) (fit, score []int) {
	for i := 0; i < n; i++ {
		if i%2 == fold {
			fit = append(fit, i)
		} else {
			score = append(score, i)
		}
	}
	return fit, score
}

// labCV2 scores outputs [off, off+n) of z against truth by 2-fold
// cross-fitting with threshold rule thr, under Predict's decision rule;
// it returns the macro-F1 and each label's F1.
func labCV2(z [][]float64, truth [][]bool, off, n int, thr func([]float64, []bool) float64) (float64, []float64) {
	c := newCounts(n)
	for _, sp := range labSplits(len(z)) {
		fit, score := sp[0], sp[1]
		cal, th := labFit(z, truth, fit, off, n, thr)
		p := make([]float64, n)
		pred := make([]bool, n)
		for _, i := range score {
			for l := 0; l < n; l++ {
				p[l] = platt(cal[l], z[i][off+l])
			}
			decide(p, th, math.NaN(), pred)
			c.add(truth[i], pred)
		}
	}
	macro, _ := c.macroMicro()
	return macro, labPerLabel(c)
}

func labFit(z [][]float64, truth [][]bool, rows []int, off, n int, thr func([]float64, []bool) float64) ([][2]float64, []float64) {
	cal, th := make([][2]float64, n), make([]float64, n)
	zz, y, p := make([]float64, len(rows)), make([]bool, len(rows)), make([]float64, len(rows))
	for l := 0; l < n; l++ {
		for k, i := range rows {
			zz[k], y[k] = z[i][off+l], truth[i][l]
		}
		cal[l] = fitPlatt(zz, y)
		for k := range zz {
			p[k] = platt(cal[l], zz[k])
		}
		th[l] = thr(p, y)
	}
	return cal, th
}

// labPickCV: per label, the candidate with the best F1 on the fitting
// half (in-sample) is used on the other half.
func labPickCV(cands [][][]float64, truth [][]bool, nl int, thr func([]float64, []bool) float64) float64 {
	c := newCounts(nl)
	for _, sp := range labSplits(len(truth)) {
		fit, score := sp[0], sp[1]
		type fitted struct {
			cal [][2]float64
			th  []float64
			f   []float64
		}
		var fs []fitted
		for _, z := range cands {
			cal, th := labFit(z, truth, fit, 0, nl, thr)
			f := make([]float64, nl)
			for l := 0; l < nl; l++ {
				tp, fp, fn := 0, 0, 0
				for _, i := range fit {
					pr := platt(cal[l], z[i][l]) >= th[l]
					switch {
					case pr && truth[i][l]:
						tp++
					case pr:
						fp++
					case truth[i][l]:
						fn++
					}
				}
				_, _, f[l] = f1(tp, fp, fn)
			}
			fs = append(fs, fitted{cal, th, f})
		}
		choice := make([]int, nl)
		for l := range choice {
			for k := range fs {
				if fs[k].f[l] > fs[choice[l]].f[l] {
					choice[l] = k
				}
			}
		}
		p := make([]float64, nl)
		pred := make([]bool, nl)
		th := make([]float64, nl)
		for _, i := range score {
			for l := 0; l < nl; l++ {
				k := choice[l]
				p[l] = platt(fs[k].cal[l], cands[k][i][l])
				th[l] = fs[k].th[l]
			}
			decide(p, th, math.NaN(), pred)
			c.add(truth[i], pred)
		}
	}
	macro, _ := c.macroMicro()
	return macro
}

// labBagThreshold is the mean of the thresholds tuned on b bootstrap
// resamples (fixed generator, so deterministic).
func labBagThreshold(p []float64, y []bool, b int) float64 {
	rng := uint64(0x9e3779b97f4a7c15)
	next := func() uint64 {
		rng += 0x9e3779b97f4a7c15
		return mix(rng)
	}
	bp, by := make([]float64, len(p)), make([]bool, len(p))
	sum := 0.0
	for r := 0; r < b; r++ {
		for k := range p {
			i := int(next() % uint64(len(p)))
			bp[k], by[k] = p[i], y[i]
		}
		sum += tuneThreshold(bp, by)
	}
	return sum / float64(b)
}

// labSmoothThreshold is the trainer's smoothed threshold at bandwidth 0.25.
func labSmoothThreshold(p []float64, y []bool) float64 { return tuneThresholdSmooth(p, y, 0.25) }

// TestLabStack: a second stage per GoEmotions label, a logistic regression
// on all the first stage's logits (LAB_MODELS[0]) with an L2 penalty
// lambda on every coefficient but the label's own logit and the bias
// (label co-occurrence), fitted on one half of dev and scored on the
// other; thresholds tuned on the fitting half.
func TestLabStack(t *testing.T) {
	m, err := LoadFile(strings.Split(os.Getenv("LAB_MODELS"), ",")[0])
	if err != nil {
		t.Fatal(err)
	}
	d := loadRepoData(t)
	z := labLogits(m, d.Dev)
	h := m.h
	nl := len(h.Labels)
	truth := make([][]bool, len(d.Dev))
	for i, ex := range d.Dev {
		truth[i] = truthOf(ex, GoEmotions, h.EkmanOf, nl)
	}
	reps := int(labFloats("LAB_REPS", "1")[0])
	for _, lambda := range labFloats("LAB_LAMBDA", "1e9,1000,300,100,30,10") {
		c := newCounts(nl)
		base := newCounts(nl)
		for f2 := 0; f2 < 2*reps; f2++ {
			fold := f2 % 2
			fit, score := labFold(len(z), fold)
			if reps > 1 {
				fit, score = labRandFold(len(z), f2/2, fold)
			}
			// The trainer's pipeline on the same split, for reference.
			thrFn := tuneThreshold
			if bw := labFloats("LAB_BW", "0")[0]; bw > 0 {
				thrFn = func(p []float64, y []bool) float64 { return tuneThresholdSmooth(p, y, bw) }
			}
			cal, bth := labFit(z, truth, fit, 0, nl, thrFn)
			bp := make([]float64, nl)
			bpred := make([]bool, nl)
			for _, i := range score {
				for l := 0; l < nl; l++ {
					bp[l] = platt(cal[l], z[i][l])
				}
				decide(bp, bth, math.NaN(), bpred)
				base.add(truth[i], bpred)
			}
			ws := make([][]float64, nl)
			for l := 0; l < nl; l++ {
				ws[l] = labFitStack(z, truth, fit, l, lambda)
			}
			// The stacked logits (what folding the stack into the weights
			// gives), then Platt and thresholds as the trainer does.
			sz := make([][]float64, len(z))
			for i := range z {
				sz[i] = make([]float64, nl)
				for l := 0; l < nl; l++ {
					sz[i][l] = logit(stackProb(ws[l], z[i]))
				}
			}
			scal, th := labFit(sz, truth, fit, 0, nl, thrFn)
			p := make([]float64, nl)
			pred := make([]bool, nl)
			for _, i := range score {
				for l := 0; l < nl; l++ {
					p[l] = platt(scal[l], sz[i][l])
				}
				decide(p, th, math.NaN(), pred)
				c.add(truth[i], pred)
			}
		}
		g, _ := c.macroMicro()
		bg, _ := base.macroMicro()
		fmt.Printf("stack lambda %g: dev 2-fold×%d goemotions %.4f (platt+tuned on the same splits %.4f) rare[%s]\n", lambda, reps, g, bg, labRare(labPerLabel(c), h.Labels))
	}
}

// labFitStack fits the stacker of label l on the dev rows given
// (stackFit, which the trainer uses).
func labFitStack(z [][]float64, truth [][]bool, rows []int, l int, lambda float64) []float64 {
	zs, ys := make([][]float64, len(rows)), make([]bool, len(rows))
	for k, i := range rows {
		zs[k], ys[k] = z[i], truth[i][l]
	}
	return stackFit(zs, ys, l, lambda)
}

// labRandFold is a random half split (repetition rep) of n rows.
func labRandFold(n, rep, fold int) (fit, score []int) {
	perm := make([]int, n)
	keys := make([]uint64, n)
	for i := range perm {
		perm[i] = i
		keys[i] = mix(uint64(i)*0x9e3779b97f4a7c15 + uint64(rep+1)*0xbf58476d1ce4e5b9)
	}
	sort.Slice(perm, func(a, b int) bool { return keys[perm[a]] < keys[perm[b]] })
	for k, i := range perm {
		if k%2 == fold {
			fit = append(fit, i)
		} else {
			score = append(score, i)
		}
	}
	return fit, score
}

// labSplits returns the (fit, score) row sets of the 2-fold estimate: the
// even/odd halves, or with LAB_REPS=r > 1, r random halvings both ways.
func labSplits(n int) [][2][]int {
	reps := int(labFloats("LAB_REPS", "1")[0])
	var out [][2][]int
	for f2 := 0; f2 < 2*max(reps, 1); f2++ {
		fit, score := labFold(n, f2%2)
		if reps > 1 {
			fit, score = labRandFold(n, f2/2, f2%2)
		}
		out = append(out, [2][]int{fit, score})
	}
	return out
}
