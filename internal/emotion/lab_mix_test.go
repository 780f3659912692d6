//go:build lab

package emotion

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLabMix scores logit mixtures of two saved models (LAB_A, LAB_B) on
// dev by 2-fold cross-fitting (calibration and thresholds fitted on one
// half of dev, scored on the other) and on the journal set:
//
//	LAB_A=testdata/model-v1-goemo-linear-2026.11.1.model LAB_B=default.model go test -tags lab -run TestLabMix -v ./internal/emotion/
func TestLabMix(t *testing.T) {
	ma, err := LoadFile(os.Getenv("LAB_A"))
	if err != nil {
		t.Fatal(err)
	}
	mb, err := LoadFile(os.Getenv("LAB_B"))
	if err != nil {
		t.Fatal(err)
	}
	d := loadRepoData(t)
	journal, err := LoadJournal(filepath.Join("..", "..", "data", "journal", "journal.tsv"), d)
	if err != nil {
		t.Fatal(err)
	}
	za, zb := labLogits(ma, d.Dev), labLogits(mb, d.Dev)
	ja, jb := labLogits(ma, journal), labLogits(mb, journal)
	h := mb.h
	nl, ne := len(h.Labels), len(h.EkmanLabels)
	truth, ekTruth := labTruth(h, d.Dev)
	gp := labelPriors(d.Train, d.EkmanOf, nl, GoEmotions)
	ep := labelPriors(d.Train, d.EkmanOf, ne, Ekman)
	for _, a := range labFloats("LAB_MIX", "0,0.25,0.4,0.5,0.6,0.75,1") {
		mix := func(x, y [][]float64) [][]float64 {
			out := make([][]float64, len(x))
			for i := range x {
				out[i] = make([]float64, len(x[i]))
				for o := range x[i] {
					out[i][o] = a*x[i][o] + (1-a)*y[i][o]
				}
			}
			return out
		}
		z, jz := mix(za, zb), mix(ja, jb)
		for _, tm := range []string{"tuned", "half", "avg"} {
			cvG, cvE := labCV(z, truth, ekTruth, h.EkmanOf, nl, ne, tm)
			fmt.Printf("a=%.2f thr=%-5s dev 2-fold macro-F1 goemotions %.4f ekman %.4f\n", a, tm, cvG, cvE)
		}
		// Full-dev fit, journal primary accuracy under a grid of rules.
		cal, thr, inG := fitLabels(z, truth, nl, nil)
		_ = thr
		ekCal, _, inE := labFitEkman(z, ekTruth, h.EkmanOf, cal, nl, ne)
		fmt.Printf("a=%.2f in-sample dev goemotions %.4f ekman %.4f\n", a, inG, inE)
		for _, g := range [][2]float64{{0.75, -1}, {0.75, -1.5}, {1, -1}, {1, -1.5}, {0.5, -1}} {
			right, per, sup := 0, make([]int, ne), make([]int, ne)
			for i, ex := range journal {
				p := labEkProbs(jz[i], h.EkmanOf, cal, ekCal, nl, ne)
				got := primaryOf(p, 6, g[0], g[1], ep)
				first := h.EkmanOf[ex.Labels[0]]
				sup[first]++
				for _, l := range ex.Labels {
					if h.EkmanOf[l] == got {
						right++
						per[first]++
						break
					}
				}
			}
			var cls []string
			for e := range ne {
				cls = append(cls, fmt.Sprintf("%s %.2f", ekmanLabels[e][:3], float64(per[e])/float64(sup[e])))
			}
			fmt.Printf("   rule %.2f/%+.1f journal ekman %.3f [%s]\n", g[0], g[1], float64(right)/float64(len(journal)), strings.Join(cls, ", "))
		}
		_ = gp
	}
}

// labTruth returns the GoEmotions and Ekman labels of each example, in
// the label order of h.
func labTruth(h header, ex []Example) (truth, ekTruth [][]bool) {
	nl, ne := len(h.Labels), len(h.EkmanLabels)
	truth, ekTruth = make([][]bool, len(ex)), make([][]bool, len(ex))
	for i, e := range ex {
		truth[i] = truthOf(e, GoEmotions, h.EkmanOf, nl)
		ekTruth[i] = truthOf(e, Ekman, h.EkmanOf, ne)
	}
	return truth, ekTruth
}

func labFloats(env, def string) []float64 {
	s := os.Getenv(env)
	if s == "" {
		s = def
	}
	var out []float64
	for _, f := range strings.Split(s, ",") {
		var x float64
		fmt.Sscan(f, &x)
		out = append(out, x)
	}
	return out
}

func labLogits(m *Model, ex []Example) [][]float64 {
	out := make([][]float64, len(ex))
	s := &scratch{}
	for i, e := range ex {
		m.logits(s, e.Text)
		out[i] = append([]float64(nil), s.logits[:m.h.Outputs]...)
	}
	return out
}

// labEkProbs returns calibrated Ekman probabilities (blend mode).
func labEkProbs(z []float64, ekmanOf []int, cal, ekCal [][2]float64, nl, ne int) []float64 {
	probs := make([]float64, nl)
	for l := range nl {
		probs[l] = platt(cal[l], z[l])
	}
	raw := make([]float64, ne)
	ekmanScores(ekmanBlend, ekmanOf, z, probs, raw)
	for e := range ne {
		raw[e] = platt(ekCal[e], raw[e])
	}
	return raw
}

func labFitEkman(z [][]float64, ekTruth [][]bool, ekmanOf []int, cal [][2]float64, nl, ne int) ([][2]float64, []float64, float64) {
	raw := make([][]float64, len(z))
	for i := range z {
		probs := make([]float64, nl)
		for l := range nl {
			probs[l] = platt(cal[l], z[i][l])
		}
		raw[i] = make([]float64, ne)
		ekmanScores(ekmanBlend, ekmanOf, z[i], probs, raw[i])
	}
	return fitLabels(raw, ekTruth, ne, nil)
}

// labCV: fit on even rows, score odd rows, and vice versa; pooled counts.
func labCV(z [][]float64, truth, ekTruth [][]bool, ekmanOf []int, nl, ne int, tm string) (float64, float64) {
	cg, ce := newCounts(nl), newCounts(ne)
	for fold := 0; fold < 2; fold++ {
		var fz, sz [][]float64
		var ft, st, fe, se [][]bool
		for i := range z {
			if i%2 == fold {
				fz, ft, fe = append(fz, z[i]), append(ft, truth[i]), append(fe, ekTruth[i])
			} else {
				sz, st, se = append(sz, z[i]), append(st, truth[i]), append(se, ekTruth[i])
			}
		}
		cal, thr, _ := fitLabels(fz, ft, nl, nil)
		ekCal, ekThr, _ := labFitEkman(fz, fe, ekmanOf, cal, nl, ne)
		thr = labThr(fz, ft, cal, thr, tm, nil)
		ekThr = labThr(fz, fe, nil, ekThr, tm, func(zz []float64) []float64 { return labEkProbs(zz, ekmanOf, cal, ekCal, nl, ne) })
		pred := make([]bool, nl)
		epred := make([]bool, ne)
		for i := range sz {
			p := make([]float64, nl)
			for l := range nl {
				p[l] = platt(cal[l], sz[i][l])
			}
			decide(p, thr, math.NaN(), pred)
			cg.add(st[i], pred)
			decide(labEkProbs(sz[i], ekmanOf, cal, ekCal, nl, ne), ekThr, math.NaN(), epred)
			ce.add(se[i], epred)
		}
	}
	g, _ := cg.macroMicro()
	e, _ := ce.macroMicro()
	return g, e
}

// labThr turns tuned thresholds into the variant tm: "tuned", "half"
// (half the best F1 reached, Lipton et al. 2014) or "avg" of the two.
func labThr(z [][]float64, y [][]bool, cal [][2]float64, thr []float64, tm string, probsOf func([]float64) []float64) []float64 {
	if tm == "tuned" {
		return thr
	}
	n := len(thr)
	out := make([]float64, n)
	for l := range n {
		tp, fp, fn := 0, 0, 0
		for i := range z {
			var p float64
			if probsOf != nil {
				p = probsOf(z[i])[l]
			} else {
				p = platt(cal[l], z[i][l])
			}
			switch {
			case p >= thr[l] && y[i][l]:
				tp++
			case p >= thr[l]:
				fp++
			case y[i][l]:
				fn++
			}
		}
		_, _, f := f1(tp, fp, fn)
		out[l] = f / 2
		if tm == "avg" {
			out[l] = (f/2 + thr[l]) / 2
		}
	}
	return out
}

// TestLabOffsets fits per-class offsets of the Ekman primary rule on the
// journal set (coordinate ascent) and estimates them by 5-fold CV.
func TestLabOffsets(t *testing.T) {
	m, err := LoadFile(os.Getenv("LAB_B"))
	if err != nil {
		t.Fatal(err)
	}
	d := loadRepoData(t)
	journal, err := LoadJournal(filepath.Join("..", "..", "data", "journal", "journal.tsv"), d)
	if err != nil {
		t.Fatal(err)
	}
	ep := labelPriors(d.Train, d.EkmanOf, 7, Ekman)
	probs := make([][]float64, len(journal))
	s := &scratch{}
	for i, ex := range journal {
		m.logits(s, ex.Text)
		n := m.probabilities(s, Ekman)
		probs[i] = append([]float64(nil), s.probs[:n]...)
	}
	for _, shift := range labFloats("LAB_SHIFT", "0.5,0.75,1") {
		score := func(idx []int, off []float64) (int, []int, []int) {
			right, per, sup := 0, make([]int, 7), make([]int, 7)
			for _, i := range idx {
				best, bs := 0, math.Inf(-1)
				for l, p := range probs[i] {
					if v := logit(p) - shift*logit(ep[l]) + off[l]; v > bs {
						best, bs = l, v
					}
				}
				first := m.h.EkmanOf[journal[i].Labels[0]]
				sup[first]++
				for _, l := range journal[i].Labels {
					if m.h.EkmanOf[l] == best {
						right++
						per[first]++
						break
					}
				}
			}
			return right, per, sup
		}
		fit := func(idx []int) []float64 {
			off := make([]float64, 7)
			off[6] = -1.5
			best, _, _ := score(idx, off)
			for sweep := 0; sweep < 4; sweep++ {
				for c := 0; c < 7; c++ {
					for v := -3.0; v <= 3.0; v += 0.25 {
						old := off[c]
						off[c] = v
						r, _, _ := score(idx, off)
						if r > best || (r == best && math.Abs(v) < math.Abs(old)) {
							best = r
						} else {
							off[c] = old
						}
					}
				}
			}
			return off
		}
		all := make([]int, len(journal))
		for i := range all {
			all[i] = i
		}
		off := fit(all)
		r, per, sup := score(all, off)
		var cls []string
		for e := range 7 {
			cls = append(cls, fmt.Sprintf("%s %.2f", ekmanLabels[e][:3], float64(per[e])/float64(sup[e])))
		}
		cvRight := 0
		cvPer := make([]int, 7)
		for f := 0; f < 5; f++ {
			var tr, te []int
			for i := range journal {
				if i%5 == f {
					te = append(te, i)
				} else {
					tr = append(tr, i)
				}
			}
			r, p, _ := score(te, fit(tr))
			cvRight += r
			for e := range p {
				cvPer[e] += p[e]
			}
		}
		var cvc []string
		for e := range 7 {
			cvc = append(cvc, fmt.Sprintf("%s %.2f", ekmanLabels[e][:3], float64(cvPer[e])/float64(sup[e])))
		}
		fmt.Printf("shift %.2f offsets %v: in-sample %.3f [%s]\n   5-fold CV %.3f [%s]\n", shift, off, float64(r)/float64(len(journal)), strings.Join(cls, ", "), float64(cvRight)/float64(len(journal)), strings.Join(cvc, ", "))
	}
}

// TestLabCPU measures the thread CPU time of one prediction (70-character
// text) of each model in LAB_MODELS (comma-separated), median of 7 runs
// of 20,000 predictions, interleaved so load changes hit all alike.
func TestLabCPU(t *testing.T) {
	var ms []*Model
	names := strings.Split(os.Getenv("LAB_MODELS"), ",")
	for _, n := range names {
		m, err := LoadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
			t.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	text := benchText
	fmt.Printf("text %d chars: %q\n", len(text), text)
	const n = 20000
	res := make([][]float64, len(ms))
	for run := 0; run < 7; run++ {
		for i, m := range ms {
			start := cpu()
			for k := 0; k < n; k++ {
				m.Predict(text, GoEmotions, nil)
			}
			res[i] = append(res[i], float64(cpu()-start)/n/1e3)
		}
	}
	for i, r := range res {
		slices.Sort(r)
		fmt.Printf("%s: median %.2f µs CPU per prediction (runs %v)\n", names[i], r[3], r)
	}
}

// TestLabRuleGrid: journal Ekman primary accuracy of the model LAB_B under
// a fine grid of (shift, neutral offset), and a 5-fold CV estimate of
// choosing the pair on the journal set.
func TestLabRuleGrid(t *testing.T) {
	m, err := LoadFile(os.Getenv("LAB_B"))
	if err != nil {
		t.Fatal(err)
	}
	d := loadRepoData(t)
	journal, err := LoadJournal(filepath.Join("..", "..", "data", "journal", "journal.tsv"), d)
	if err != nil {
		t.Fatal(err)
	}
	ep := labelPriors(d.Train, d.EkmanOf, 7, Ekman)
	probs := make([][]float64, len(journal))
	s := &scratch{}
	for i, ex := range journal {
		m.logits(s, ex.Text)
		n := m.probabilities(s, Ekman)
		probs[i] = append([]float64(nil), s.probs[:n]...)
	}
	score := func(idx []int, shift, off float64) (int, []int, []int) {
		right, per, sup := 0, make([]int, 7), make([]int, 7)
		for _, i := range idx {
			got := primaryOf(probs[i], m.ekNeutral, shift, off, ep)
			first := m.h.EkmanOf[journal[i].Labels[0]]
			sup[first]++
			for _, l := range journal[i].Labels {
				if m.h.EkmanOf[l] == got {
					right++
					per[first]++
					break
				}
			}
		}
		return right, per, sup
	}
	shifts := []float64{0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1}
	offs := []float64{-0.75, -1, -1.25, -1.5, -1.75, -2}
	all := make([]int, len(journal))
	for i := range all {
		all[i] = i
	}
	for _, sh := range shifts {
		for _, off := range offs {
			r, per, sup := score(all, sh, off)
			var cls []string
			worst := 1.0
			for e := range 7 {
				a := float64(per[e]) / float64(sup[e])
				worst = min(worst, a)
				cls = append(cls, fmt.Sprintf("%s %.2f", ekmanLabels[e][:3], a))
			}
			fmt.Printf("shift %.2f off %+.2f: %.3f min %.2f [%s]\n", sh, off, float64(r)/float64(len(journal)), worst, strings.Join(cls, ", "))
		}
	}
	cv := 0
	for f := 0; f < 5; f++ {
		var tr, te []int
		for i := range journal {
			if i%5 == f {
				te = append(te, i)
			} else {
				tr = append(tr, i)
			}
		}
		best, bs, bo := -1, 0.0, 0.0
		for _, sh := range shifts {
			for _, off := range offs {
				if r, _, _ := score(tr, sh, off); r > best {
					best, bs, bo = r, sh, off
				}
			}
		}
		r, _, _ := score(te, bs, bo)
		cv += r
	}
	fmt.Printf("5-fold CV of choosing the pair on the journal set: %.3f\n", float64(cv)/float64(len(journal)))
}

// TestLabSame reports whether the models LAB_A and LAB_B are the same
// except for the primary rule (the lab trains without one).
func TestLabSame(t *testing.T) {
	a, err := LoadFile(os.Getenv("LAB_A"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadFile(os.Getenv("LAB_B"))
	if err != nil {
		t.Fatal(err)
	}
	ha, hb := a.h, b.h
	ha.Primary, hb.Primary = nil, nil
	if mustJSON(t, ha) != mustJSON(t, hb) {
		t.Errorf("headers differ")
	}
	if !slices.Equal(a.packed, b.packed) || !slices.Equal(a.index, b.index) || !slices.Equal(a.dense, b.dense) ||
		!slices.Equal(a.vt.data, b.vt.data) || !slices.Equal(a.vt.lex, b.vt.lex) {
		t.Errorf("weights, word vectors or lexicon differ")
	}
}

// TestLabParentBlend: GoEmotions logits plus beta × the raw logit of the
// label's Ekman head output (LAB_B), dev 2-fold macro-F1.
func TestLabParentBlend(t *testing.T) {
	m, err := LoadFile(os.Getenv("LAB_B"))
	if err != nil {
		t.Fatal(err)
	}
	d := loadRepoData(t)
	z := labLogits(m, d.Dev)
	h := m.h
	nl, ne := len(h.Labels), len(h.EkmanLabels)
	truth, ekTruth := labTruth(h, d.Dev)
	for _, beta := range labFloats("LAB_BETA", "0,0.1,0.2,0.3,0.5") {
		zz := make([][]float64, len(z))
		for i := range z {
			zz[i] = slices.Clone(z[i])
			for g := 0; g < nl; g++ {
				zz[i][g] += beta * z[i][nl+h.EkmanOf[g]]
			}
		}
		cvG, _ := labCV(zz, truth, ekTruth, h.EkmanOf, nl, ne, "tuned")
		_, _, in := fitLabels(zz, truth, nl, nil)
		fmt.Printf("beta %.2f: dev 2-fold goemotions %.4f, in-sample %.4f\n", beta, cvG, in)
	}
}
