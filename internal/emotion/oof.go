package emotion

import (
	"context"
	"fmt"
	"slices"
)

// Out-of-fold thresholds (TrainOptions.OOFFolds). A rare label's
// threshold tuned on dev rests on a handful of dev comments (relief: 18).
// With OOFFolds = k, the recipe is also trained on k−1 of k folds of train
// (fold f: the train rows i with i mod k = f), k times, and each fold
// model scores the fold it did not see: every train text gets an
// out-of-fold score for each output. These scores go through the stack
// fitted on dev (the same coefficients, applied to the fold models' raw
// scores) and the Platt scalings fitted on dev, and each GoEmotions
// threshold is then tuned (smoothed, with ThresholdBandwidth) on the
// out-of-fold train scores and dev's scores together, dev counted
// oofDevWeight times: 54,262 texts, ten times dev alone. The stack, the
// Platt scalings, the Ekman outputs and everything Ekman stay as without
// the option.

// oofDevWeight is how many times dev counts next to the out-of-fold
// train scores when thresholds are tuned: dev's scores come from the
// model trained on all of train, whose scores the shipped model's are
// closer to than the fold models' (trained on less). Chosen on dev
// (docs/model.md: the dev half of the probe counted 4 times, the same
// share of the tuning texts as all of dev counted twice).
const oofDevWeight = 2

// oofSet is the out-of-fold data calibrate tunes the GoEmotions
// thresholds on: the stacked GoEmotions scores of the train texts
// (stackScores of oofScores) and their labels.
type oofSet struct {
	z     [][]float64
	truth [][]bool
}

// newOOFSet returns the out-of-fold set of o.OOFFolds folds (nil when 0)
// with the stack coef fitted on dev (nil: none), and records the folds in
// h.
func newOOFSet(ctx context.Context, d *Dataset, vt *vecTable, hashes []uint64, o TrainOptions, workers int, h *header, coef [][]float64) (*oofSet, error) {
	if o.OOFFolds == 0 {
		return nil, nil
	}
	z, err := oofScores(ctx, d, vt, hashes, o, workers, h)
	if err != nil {
		return nil, err
	}
	nl := len(h.Labels)
	s := &oofSet{z: stackScores(z, coef, nl)}
	for _, ex := range d.Train {
		s.truth = append(s.truth, truthOf(ex, GoEmotions, h.EkmanOf, nl))
	}
	h.Train.OOFFolds = o.OOFFolds
	o.progress("scored train out of fold (%d folds)", o.OOFFolds)
	return s, nil
}

// oofScores returns, for each example of d.Train, the raw scores of every
// output of the recipe trained (without dev retraining) on the other
// folds of train and quantized as a shipped model is, followed by the
// fold's softmax logits with TrainOptions.Softmax; h is the header of
// the model trained on all of train, whose shape and dense block the fold
// models share.
func oofScores(ctx context.Context, d *Dataset, vt *vecTable, hashes []uint64, o TrainOptions, workers int, h *header) ([][]float64, error) {
	k := o.OOFFolds
	z := make([][]float64, len(d.Train))
	for f := 0; f < k; f++ {
		fit, held, idx := splitFold(d.Train, k, f)
		a, err := fitLinear(ctx, fit, d, vt, hashes, o, workers, fmt.Sprintf(" (fold %d of %d)", f+1, k), nil, 0)
		if err != nil {
			return nil, err
		}
		q, err := a.quantize()
		if err != nil {
			return nil, err
		}
		hh := *h
		hh.Bias = a.bias
		nl, ne := len(h.Labels), len(h.EkmanLabels)
		hh.Calibration, hh.Thresholds = make([][2]float64, nl), make([]float64, nl)
		hh.EkmanCalibration, hh.EkmanThresholds = make([][2]float64, ne), make([]float64, ne)
		m, err := q.model(&hh)
		if err != nil {
			return nil, err
		}
		var soft [][]float64
		if a.soft != nil {
			soft = a.soft.logits(held, a.buckets, o, vt, workers)
		}
		parallel(workers, len(held), func(i int, _ *featureBuf) {
			s := &scratch{}
			m.logits(s, held[i].Text)
			z[idx[i]] = slices.Clone(s.logits[:q.outputs])
			if soft != nil {
				z[idx[i]] = append(z[idx[i]], soft[i]...)
			}
		})
	}
	return z, nil
}

// splitFold splits examples into fold f of k (the examples i with
// i mod k = f: held, at indexes idx) and the others (fit).
func splitFold(examples []Example, k, f int) (fit, held []Example, idx []int) {
	for i, ex := range examples {
		if i%k == f {
			held, idx = append(held, ex), append(idx, i)
		} else {
			fit = append(fit, ex)
		}
	}
	return fit, held, idx
}

// stackScores returns the GoEmotions scores of raw scores z (one row per
// text, every output) after the stack coef (stackCoefs; nil: none): the
// first nl outputs, each replaced by its stacked score.
func stackScores(z [][]float64, coef [][]float64, nl int) [][]float64 {
	out := make([][]float64, len(z))
	for i, zi := range z {
		out[i] = slices.Clone(zi[:nl])
		if coef == nil {
			continue
		}
		for l := 0; l < nl; l++ {
			s := coef[l][0]
			for o, v := range zi {
				s += coef[l][1+o] * v
			}
			out[i][l] = s
		}
	}
	return out
}

// oofThresholds tunes the threshold of each of the nl GoEmotions labels
// (smoothed with bandwidth bw, exact when 0) on the calibrated
// probabilities of the out-of-fold scores z (stackScores) with targets
// truth, together with those of dev (devP, devTruth) counted
// oofDevWeight times, under the Platt scalings cal fitted on dev.
func oofThresholds(z [][]float64, truth [][]bool, devP [][]float64, devTruth [][]bool, cal [][2]float64, nl int, bw float64, workers int) []float64 {
	th := make([]float64, nl)
	parallel(workers, nl, func(l int, _ *featureBuf) {
		n := len(z) + oofDevWeight*len(devP)
		p, y := make([]float64, 0, n), make([]bool, 0, n)
		for i := range z {
			p, y = append(p, platt(cal[l], z[i][l])), append(y, truth[i][l])
		}
		for range oofDevWeight {
			for i := range devP {
				p, y = append(p, devP[i][l]), append(y, devTruth[i][l])
			}
		}
		if bw > 0 {
			th[l] = tuneThresholdSmooth(p, y, bw)
		} else {
			th[l] = tuneThreshold(p, y)
		}
	})
	return th
}
