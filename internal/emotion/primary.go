package emotion

import "math"

// PrimaryRule decides the primary emotion for journal use. Without a rule
// the primary emotion is the most probable label. With one, it is the
// label l with the highest score
//
//	logit(p_l) − Shift · logit(prior_l)   (+ NeutralOffset for neutral)
//
// where prior_l is the share of training texts carrying l: a label-shift
// correction (Saerens et al., 2002) from GoEmotions' label frequencies,
// where neutral and joy dominate, towards equally likely emotions; a
// negative NeutralOffset makes neutral the primary emotion only when
// nothing else stands out. The Ekman fields are the same for the Ekman
// taxonomy. Emotions still lists the labels in the raw order of
// confidence (the primary emotion is always among them).
type PrimaryRule struct {
	Shift              float64   `json:"shift"`
	NeutralOffset      float64   `json:"neutral_offset"`
	Prior              []float64 `json:"prior"`
	EkmanShift         float64   `json:"ekman_shift"`
	EkmanNeutralOffset float64   `json:"ekman_neutral_offset"`
	EkmanPrior         []float64 `json:"ekman_prior"`
}

func (r *PrimaryRule) validate(labels, ekLabels int) bool {
	ok := func(x float64, lo, hi float64) bool { return x >= lo && x <= hi }
	priors := func(ps []float64, n int) bool {
		if len(ps) != n {
			return false
		}
		for _, p := range ps {
			if !ok(p, 1e-6, 1-1e-6) {
				return false
			}
		}
		return true
	}
	return ok(r.Shift, 0, 1) && ok(r.EkmanShift, 0, 1) && ok(r.NeutralOffset, -10, 10) && ok(r.EkmanNeutralOffset, -10, 10) &&
		priors(r.Prior, labels) && priors(r.EkmanPrior, ekLabels)
}

// primaryOf returns the index of the primary label among probs under the
// rule (shift, offset, prior) with neutral the index of neutral; with
// prior nil, the most probable label.
func primaryOf(probs []float64, neutral int, shift, offset float64, prior []float64) int {
	best := 0
	if prior == nil {
		for l, p := range probs {
			if p > probs[best] {
				best = l
			}
		}
		return best
	}
	bestScore := math.Inf(-1)
	for l, p := range probs {
		s := logit(p) - shift*logit(prior[l])
		if l == neutral {
			s += offset
		}
		if s > bestScore {
			best, bestScore = l, s
		}
	}
	return best
}

// primary returns the primary label of probs in taxonomy tax.
func (m *Model) primary(probs []float64, tax Taxonomy) int {
	r := m.h.Primary
	if r == nil {
		return primaryOf(probs, -1, 0, 0, nil)
	}
	if tax == Ekman {
		return primaryOf(probs, m.ekNeutral, r.EkmanShift, r.EkmanNeutralOffset, r.EkmanPrior)
	}
	return primaryOf(probs, m.neutral, r.Shift, r.NeutralOffset, r.Prior)
}

// labelPriors returns the share of examples carrying each label of tax.
func labelPriors(examples []Example, ekmanOf []int, n int, tax Taxonomy) []float64 {
	out := make([]float64, n)
	for _, ex := range examples {
		for l, on := range truthOf(ex, tax, ekmanOf, n) {
			if on {
				out[l]++
			}
		}
	}
	for l := range out {
		out[l] = min(max(out[l]/float64(max(len(examples), 1)), 1e-6), 1-1e-6)
	}
	return out
}
