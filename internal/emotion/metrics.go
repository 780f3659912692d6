package emotion

import (
	"math"
	"runtime"
	"sync"
)

// LabelScore is the precision, recall, F1 and support of one label.
type LabelScore struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// Report is the evaluation of a model on a labelled split.
type Report struct {
	Taxonomy Taxonomy `json:"taxonomy"`
	Split    string   `json:"split"`
	Examples int      `json:"examples"`
	// MacroF1 and MicroF1 use the tuned per-label thresholds.
	MacroF1 float64 `json:"macro_f1"`
	MicroF1 float64 `json:"micro_f1"`
	// MacroF1At03 uses one fixed threshold of 0.3 for every label.
	MacroF1At03 float64 `json:"macro_f1_at_0_3"`
	// ECE is the expected calibration error of every (text, label)
	// probability, in 10 equal-width bins.
	ECE      float64               `json:"ece"`
	PerLabel map[string]LabelScore `json:"per_label"`
}

// counts accumulates a confusion matrix per label.
type counts struct{ tp, fp, fn []int }

func newCounts(n int) counts {
	return counts{tp: make([]int, n), fp: make([]int, n), fn: make([]int, n)}
}

func (c counts) add(truth, pred []bool) {
	for l := range truth {
		switch {
		case truth[l] && pred[l]:
			c.tp[l]++
		case pred[l]:
			c.fp[l]++
		case truth[l]:
			c.fn[l]++
		}
	}
}

// f1 returns precision, recall and F1 from counts; each is 0 when its
// denominator is 0 (scikit-learn's zero_division=0).
func f1(tp, fp, fn int) (precision, recall, f float64) {
	if tp+fp > 0 {
		precision = float64(tp) / float64(tp+fp)
	}
	if tp+fn > 0 {
		recall = float64(tp) / float64(tp+fn)
	}
	if 2*tp+fp+fn > 0 {
		f = 2 * float64(tp) / float64(2*tp+fp+fn)
	}
	return precision, recall, f
}

// macroMicro returns the mean of the per-label F1 scores and the F1 of the
// pooled counts.
func (c counts) macroMicro() (macro, micro float64) {
	var tp, fp, fn int
	for l := range c.tp {
		_, _, f := f1(c.tp[l], c.fp[l], c.fn[l])
		macro += f
		tp += c.tp[l]
		fp += c.fp[l]
		fn += c.fn[l]
	}
	if len(c.tp) > 0 {
		macro /= float64(len(c.tp))
	}
	_, _, micro = f1(tp, fp, fn)
	return macro, micro
}

// calibrationBins accumulates an expected-calibration-error histogram.
type calibrationBins struct {
	n, pos []float64
	conf   []float64
	total  float64
}

func newCalibrationBins(bins int) *calibrationBins {
	return &calibrationBins{n: make([]float64, bins), pos: make([]float64, bins), conf: make([]float64, bins)}
}

func (b *calibrationBins) add(p float64, y bool) {
	k := int(p * float64(len(b.n)))
	k = min(max(k, 0), len(b.n)-1)
	b.n[k]++
	b.conf[k] += p
	if y {
		b.pos[k]++
	}
	b.total++
}

// ece returns Σ_bins (n_b/N)·|mean confidence_b − positive rate_b|.
func (b *calibrationBins) ece() float64 {
	if b.total == 0 {
		return 0
	}
	e := 0.0
	for k, n := range b.n {
		if n > 0 {
			e += n / b.total * math.Abs(b.conf[k]/n-b.pos[k]/n)
		}
	}
	return e
}

// truthOf returns, for each example, which labels of tax it carries.
func truthOf(ex Example, tax Taxonomy, ekmanOf []int, nLabels int) []bool {
	t := make([]bool, nLabels)
	for _, g := range ex.Labels {
		if tax == Ekman {
			t[ekmanOf[g]] = true
		} else {
			t[g] = true
		}
	}
	return t
}

// probabilitiesOf returns m's calibrated probabilities for every example,
// computed on all cores.
func (m *Model) probabilitiesOf(examples []Example, tax Taxonomy) [][]float64 {
	out := make([][]float64, len(examples))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			s := &scratch{}
			for i := w; i < len(examples); i += workers {
				m.logits(s, examples[i].Text)
				n := m.probabilities(s, tax)
				out[i] = append([]float64(nil), s.probs[:n]...)
			}
		}(w)
	}
	wg.Wait()
	return out
}

// Evaluate scores m on labelled examples in taxonomy tax, with Predict's
// decision rule (the top label is always predicted). Example labels index
// the model's GoEmotions labels (check with SameLabels); split only names
// the examples in the report.
func (m *Model) Evaluate(examples []Example, tax Taxonomy, split string) Report {
	labels := m.Labels(tax)
	thresholds := m.Thresholds(tax)
	probs := m.probabilitiesOf(examples, tax)
	tuned, fixed := newCounts(len(labels)), newCounts(len(labels))
	bins := newCalibrationBins(10)
	pred := make([]bool, len(labels))
	for i, ex := range examples {
		truth := truthOf(ex, tax, m.h.EkmanOf, len(labels))
		decide(probs[i], thresholds, math.NaN(), pred)
		tuned.add(truth, pred)
		decide(probs[i], thresholds, 0.3, pred)
		fixed.add(truth, pred)
		for l, p := range probs[i] {
			bins.add(p, truth[l])
		}
	}
	r := Report{Taxonomy: tax, Split: split, Examples: len(examples), ECE: bins.ece(), PerLabel: map[string]LabelScore{}}
	r.MacroF1, r.MicroF1 = tuned.macroMicro()
	r.MacroF1At03, _ = fixed.macroMicro()
	for l, name := range labels {
		p, rc, f := f1(tuned.tp[l], tuned.fp[l], tuned.fn[l])
		r.PerLabel[name] = LabelScore{Precision: p, Recall: rc, F1: f, Support: tuned.tp[l] + tuned.fn[l]}
	}
	return r
}
