package emotion

import (
	"math"
	"slices"
	"sort"
)

// fitPlatt fits p = σ(a·z + b) to binary targets by Newton's method with
// backtracking, on Platt's smoothed targets (Lin, Lin & Weng 2007). It
// returns {a, b}; with no positives or no negatives it returns a map
// onto the smoothed base rate.
func fitPlatt(z []float64, y []bool) [2]float64 {
	var pos, neg float64
	for _, t := range y {
		if t {
			pos++
		} else {
			neg++
		}
	}
	hi := (pos + 1) / (pos + 2)
	lo := 1 / (neg + 2)
	target := func(i int) float64 {
		if y[i] {
			return hi
		}
		return lo
	}
	// Platt's parametrisation: P(y=1) = 1/(1+exp(A·z+B)).
	A, B := 0.0, math.Log((neg+1)/(pos+1))
	objective := func(A, B float64) float64 {
		f := 0.0
		for i, d := range z {
			v := d*A + B
			t := target(i)
			if v >= 0 {
				f += t*v + math.Log1p(math.Exp(-v))
			} else {
				f += (t-1)*v + math.Log1p(math.Exp(v))
			}
		}
		return f
	}
	fval := objective(A, B)
	const minStep, sigma = 1e-10, 1e-12
	for iter := 0; iter < 100; iter++ {
		h11, h22, h21, g1, g2 := sigma, sigma, 0.0, 0.0, 0.0
		for i, d := range z {
			v := d*A + B
			var p, q float64
			if v >= 0 {
				e := math.Exp(-v)
				p, q = e/(1+e), 1/(1+e)
			} else {
				e := math.Exp(v)
				p, q = 1/(1+e), e/(1+e)
			}
			d2 := p * q
			h11 += d * d * d2
			h22 += d2
			h21 += d * d2
			d1 := target(i) - p
			g1 += d * d1
			g2 += d1
		}
		if math.Abs(g1) < 1e-5 && math.Abs(g2) < 1e-5 {
			break
		}
		det := h11*h22 - h21*h21
		dA := -(h22*g1 - h21*g2) / det
		dB := -(-h21*g1 + h11*g2) / det
		gd := g1*dA + g2*dB
		step := 1.0
		for step >= minStep {
			nA, nB := A+step*dA, B+step*dB
			if nf := objective(nA, nB); nf < fval+1e-4*step*gd {
				A, B, fval = nA, nB, nf
				break
			}
			step /= 2
		}
		if step < minStep {
			break
		}
	}
	return [2]float64{-A, -B}
}

// tuneThreshold returns the probability threshold that maximises the F1 of
// predicting p ≥ threshold for targets y: the midpoint between the lowest
// accepted and the highest rejected probability. With no positives it
// returns 0.5.
func tuneThreshold(p []float64, y []bool) float64 {
	order := make([]int, len(p))
	positives := 0
	for i := range order {
		order[i] = i
		if y[i] {
			positives++
		}
	}
	if positives == 0 {
		return 0.5
	}
	sort.SliceStable(order, func(a, b int) bool { return p[order[a]] > p[order[b]] })
	best, bestK, tp := -1.0, 0, 0
	for k, i := range order {
		if y[i] {
			tp++
		}
		// Only cut between distinct probabilities.
		if k+1 < len(order) && p[order[k+1]] == p[i] {
			continue
		}
		if f := 2 * float64(tp) / float64(k+1+positives); f > best {
			best, bestK = f, k+1
		}
	}
	if bestK >= len(order) {
		return p[order[len(order)-1]]
	}
	return (p[order[bestK-1]] + p[order[bestK]]) / 2
}

// tuneThresholdSmooth returns the probability threshold that maximises a
// smoothed F1 of predicting p ≥ threshold for targets y: each example
// counts as accepted with weight σ((logit p − logit t)/bw) rather than 0
// or 1, which is the expected F1 when the scores carry logistic noise of
// scale bw. Candidates are 200 thresholds evenly spaced in logit space
// from σ(−7) ≈ 0.0009 up to (not including) 0.5; the lowest of equally
// good ones is kept. With no positives it returns 0.5. Compared with
// tuneThreshold, it does not fit the threshold to the few extreme scores
// that decide a rare label's exact F1 on dev (docs/model.md).
func tuneThresholdSmooth(p []float64, y []bool, bw float64) float64 {
	pos := 0
	for _, t := range y {
		if t {
			pos++
		}
	}
	if pos == 0 {
		return 0.5
	}
	lp := make([]float64, len(p))
	for i := range p {
		lp[i] = logit(p[i])
	}
	best, bestT := -1.0, 0.5
	for g := 0; g < 200; g++ {
		lt := -7 + 7*float64(g)/200
		var tp, acc float64
		for i, z := range lp {
			a := sigmoid((z - lt) / bw)
			acc += a
			if y[i] {
				tp += a
			}
		}
		if f := 2 * tp / (acc + float64(pos)); f > best {
			best, bestT = f, sigmoid(lt)
		}
	}
	return bestT
}

// calibrate scores d.Dev with the quantized model, fits a Platt scaling
// and tunes a threshold per label, picks the Ekman mode with the best dev
// macro-F1 (or uses ekmanMode when it is not empty), and records all of
// it in h. With oof (not nil) the GoEmotions thresholds are tuned on the
// out-of-fold train scores it holds and on dev (oofThresholds).
func calibrate(h *header, q *quantized, d *Dataset, workers int, ekmanMode string, oof *oofSet) error {
	nl, ne := len(h.Labels), len(h.EkmanLabels)
	identity := func(n int) ([][2]float64, []float64) {
		c, t := make([][2]float64, n), make([]float64, n)
		for i := range c {
			c[i], t[i] = [2]float64{1, 0}, 0.5
		}
		return c, t
	}
	h.Calibration, h.Thresholds = identity(nl)
	h.EkmanCalibration, h.EkmanThresholds = identity(ne)
	m, err := q.model(h)
	if err != nil {
		return err
	}
	dev := d.Dev
	logits := make([][]float64, len(dev))
	parallel(workers, len(dev), func(i int, _ *featureBuf) {
		s := &scratch{}
		m.logits(s, dev[i].Text)
		logits[i] = slices.Clone(s.logits[:h.Outputs])
	})
	// GoEmotions: calibrate each label, then tune its threshold.
	probs := make([][]float64, len(dev))
	for i := range probs {
		probs[i] = make([]float64, nl)
	}
	truth := make([][]bool, len(dev))
	ekTruth := make([][]bool, len(dev))
	for i, ex := range dev {
		truth[i] = truthOf(ex, GoEmotions, h.EkmanOf, nl)
		ekTruth[i] = truthOf(ex, Ekman, h.EkmanOf, ne)
	}
	h.Calibration, h.Thresholds, h.Train.DevMacroF1 = fitLabelsBW(logits, truth, nl, probs, h.Train.ThresholdBandwidth)
	if oof != nil {
		h.Thresholds = oofThresholds(oof.z, oof.truth, probs, truth, h.Calibration, nl, h.Train.ThresholdBandwidth, workers)
		h.Train.DevMacroF1 = macroF1(probs, truth, h.Thresholds)
	}
	// Ekman: every mode gets its own calibration and thresholds.
	h.Train.EkmanCandidates = map[string]float64{}
	best := -1.0
	for _, mode := range []string{ekmanOwn, ekmanNoisyOr, ekmanMax, ekmanBlend} {
		raw := make([][]float64, len(dev))
		for i := range dev {
			raw[i] = make([]float64, ne)
			ekmanScores(mode, h.EkmanOf, logits[i], probs[i], raw[i])
		}
		cal, thr, f := fitLabels(raw, ekTruth, ne, nil)
		h.Train.EkmanCandidates[mode] = f
		if ekmanMode != "" && mode != ekmanMode {
			continue
		}
		if f > best {
			best = f
			h.EkmanMode, h.EkmanCalibration, h.EkmanThresholds, h.Train.DevEkmanMacroF1 = mode, cal, thr, f
		}
	}
	return nil
}

// fitLabels fits a Platt scaling and a threshold for each of n labels from
// raw scores and truth, writes the calibrated probabilities into probs
// (when not nil) and returns the dev macro-F1 under Predict's rule.
func fitLabels(raw [][]float64, truth [][]bool, n int, probs [][]float64) ([][2]float64, []float64, float64) {
	return fitLabelsBW(raw, truth, n, probs, 0)
}

// fitLabelsBW is fitLabels with thresholds from tuneThresholdSmooth with
// bandwidth bw (tuneThreshold when bw is 0).
func fitLabelsBW(raw [][]float64, truth [][]bool, n int, probs [][]float64, bw float64) ([][2]float64, []float64, float64) {
	cal := make([][2]float64, n)
	thr := make([]float64, n)
	if probs == nil {
		probs = make([][]float64, len(raw))
		for i := range probs {
			probs[i] = make([]float64, n)
		}
	}
	z := make([]float64, len(raw))
	y := make([]bool, len(raw))
	p := make([]float64, len(raw))
	for l := 0; l < n; l++ {
		for i := range raw {
			z[i], y[i] = raw[i][l], truth[i][l]
		}
		cal[l] = fitPlatt(z, y)
		for i := range raw {
			p[i] = platt(cal[l], z[i])
			probs[i][l] = p[i]
		}
		if bw > 0 {
			thr[l] = tuneThresholdSmooth(p, y, bw)
		} else {
			thr[l] = tuneThreshold(p, y)
		}
	}
	return cal, thr, macroF1(probs, truth, thr)
}

// macroF1 is the macro-F1 of probs against truth under Predict's rule
// with thresholds thr.
func macroF1(probs [][]float64, truth [][]bool, thr []float64) float64 {
	c := newCounts(len(thr))
	pred := make([]bool, len(thr))
	for i := range probs {
		decide(probs[i], thr, math.NaN(), pred)
		c.add(truth[i], pred)
	}
	macro, _ := c.macroMicro()
	return macro
}
