package emotion

import (
	"fmt"
	"slices"
	"strings"
)

// LoadJournal reads the journal development set (data/journal/journal.tsv):
// lines "text<TAB>label,label,..." with GoEmotions label names, the first
// one the primary emotion; blank lines and lines starting with "#" are
// skipped. Labels index d.Labels, like the GoEmotions splits.
func LoadJournal(path string, d *Dataset) ([]Example, error) {
	raw, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	return parseJournal(string(raw), d.Labels)
}

func parseJournal(raw string, labels []string) ([]Example, error) {
	var out []Example
	for n, line := range strings.Split(raw, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		text, names, ok := strings.Cut(line, "\t")
		if !ok || strings.TrimSpace(text) == "" {
			return nil, fmt.Errorf("%w: journal line %d: want text<TAB>labels", ErrDataset, n+1)
		}
		var ex Example
		ex.Text = text
		for _, name := range strings.Split(names, ",") {
			l := slices.Index(labels, strings.TrimSpace(name))
			if l < 0 {
				return nil, fmt.Errorf("%w: journal line %d: unknown label %q", ErrDataset, n+1, name)
			}
			if !slices.Contains(ex.Labels, l) {
				ex.Labels = append(ex.Labels, l)
			}
		}
		out = append(out, ex)
	}
	return out, nil
}

// JournalClass is the primary-emotion accuracy on the sentences whose
// primary label is one class.
type JournalClass struct {
	Accuracy float64 `json:"accuracy"`
	Correct  int     `json:"correct"`
	Support  int     `json:"support"`
}

// JournalReport scores the primary emotion on the journal set. A sentence
// counts as right when the predicted primary emotion is one of its labels
// (mixed-feelings sentences carry two or three); StrictAccuracy only
// accepts its first label. PerClass groups sentences by their first label.
type JournalReport struct {
	Taxonomy       Taxonomy                `json:"taxonomy"`
	Examples       int                     `json:"examples"`
	Accuracy       float64                 `json:"accuracy"`
	StrictAccuracy float64                 `json:"strict_accuracy"`
	PerClass       map[string]JournalClass `json:"per_class"`
	// NeutralPredicted is how often the primary emotion is neutral.
	NeutralPredicted int `json:"neutral_predicted"`
	// Misses lists the sentences whose primary emotion is wrong.
	Misses []JournalMiss `json:"misses,omitempty"`
}

// JournalMiss is one wrongly predicted journal sentence.
type JournalMiss struct {
	Text      string  `json:"text"`
	Want      string  `json:"want"`
	Got       string  `json:"got"`
	Certainty float64 `json:"confidence"`
}

// EvaluateJournal scores m's primary emotion on journal sentences in
// taxonomy tax.
func (m *Model) EvaluateJournal(examples []Example, tax Taxonomy) JournalReport {
	r := JournalReport{Taxonomy: tax, Examples: len(examples), PerClass: map[string]JournalClass{}}
	labels := m.Labels(tax)
	var right, strict int
	for _, ex := range examples {
		p := m.Predict(ex.Text, tax, nil)
		want := make([]string, len(ex.Labels))
		for i, l := range ex.Labels {
			want[i] = m.h.Labels[l]
			if tax == Ekman {
				want[i] = labels[m.h.EkmanOf[l]]
			}
		}
		ok := slices.Contains(want, p.Primary)
		c := r.PerClass[want[0]]
		c.Support++
		if ok {
			right++
			c.Correct++
		} else {
			r.Misses = append(r.Misses, JournalMiss{Text: ex.Text, Want: strings.Join(want, ","), Got: p.Primary, Certainty: p.Confidence})
		}
		if p.Primary == want[0] {
			strict++
		}
		if p.Primary == "neutral" {
			r.NeutralPredicted++
		}
		r.PerClass[want[0]] = c
	}
	for k, c := range r.PerClass {
		c.Accuracy = float64(c.Correct) / float64(c.Support)
		r.PerClass[k] = c
	}
	if len(examples) > 0 {
		r.Accuracy = float64(right) / float64(len(examples))
		r.StrictAccuracy = float64(strict) / float64(len(examples))
	}
	return r
}
