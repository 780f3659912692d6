package emotion

import "math"

// PrimaryRule decides how the primary emotion treats neutral. Without a
// rule the primary emotion is the most probable label. With one, when the
// most probable label is neutral, the most probable other label l becomes
// the primary emotion instead if its probability reaches Factor × its own
// tuned threshold (EkmanFactor for the Ekman taxonomy). Journal entries
// are written to say how one feels, so an emotion that the model finds
// plausible is preferred to "neutral"; Emotions still lists every label in
// the raw order of confidence, neutral included.
type PrimaryRule struct {
	Factor      float64 `json:"factor"`
	EkmanFactor float64 `json:"ekman_factor"`
}

func (r *PrimaryRule) validate(neutral, ekNeutral int) bool {
	ok := func(f float64) bool { return f > 0 && f <= 10 && !math.IsNaN(f) }
	return neutral >= 0 && ekNeutral >= 0 && ok(r.Factor) && ok(r.EkmanFactor)
}

// primaryOf returns the index of the primary label among probs: the most
// probable one, or, when that is neutral and factor > 0, the most probable
// non-neutral label if it reaches factor × its threshold. With a fixed
// threshold (not NaN) that threshold replaces the tuned ones.
func primaryOf(probs, thresholds []float64, fixed float64, neutral int, factor float64) int {
	best := 0
	for l, p := range probs {
		if p > probs[best] {
			best = l
		}
	}
	if best != neutral || factor <= 0 {
		return best
	}
	alt := -1
	for l, p := range probs {
		if l != neutral && (alt < 0 || p > probs[alt]) {
			alt = l
		}
	}
	t := fixed
	if math.IsNaN(t) {
		t = thresholds[alt]
	}
	if alt >= 0 && probs[alt] >= factor*t {
		return alt
	}
	return best
}

// rule returns the neutral label index and the factor to use for tax (a
// factor of 0 means no rule).
func (m *Model) rule(tax Taxonomy) (neutral int, factor float64) {
	if m.h.Primary == nil {
		return -1, 0
	}
	if tax == Ekman {
		return m.ekNeutral, m.h.Primary.EkmanFactor
	}
	return m.neutral, m.h.Primary.Factor
}
