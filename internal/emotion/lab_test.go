//go:build lab

// The experiment harness used to choose the model's features and rules
// (docs/model.md, "How it was chosen"). It is not part of the test suite:
//
//	LAB='[{"name":"vec","vectors":true,"gamma":0.5}]' go test -tags lab -run TestLab -v -timeout 60m ./internal/emotion/
//
// Each variant is trained once on train (thresholds on dev) and saved to
// /tmp/lab-NAME.model; dev macro-F1 (in-sample for the thresholds) and the
// journal-set primary accuracy under several primary rules are printed.
// The test split is not read.
package emotion

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

type labVariant struct {
	Name     string  `json:"name"`
	Vectors  bool    `json:"vectors"`
	Gamma    float64 `json:"gamma"`
	Negation bool    `json:"negation"`
	C        float64 `json:"c"`
	Lexicon  bool    `json:"lexicon"`
	Ensemble float64 `json:"ensemble"`
	Balance  float64 `json:"balance"`
	Primary  bool    `json:"primary"` // keep the default primary rule (the file is then what samo model train writes)
	Load     string  `json:"load"`    // evaluate an existing model file instead of training
	Bits     int     `json:"bits"`    // hash-space bits (0: default)
	MinDF    int     `json:"min_df"`  // (0: default)
	CharMax  int     `json:"char_max"`
}

func TestLab(t *testing.T) {
	var vs []labVariant
	if err := json.Unmarshal([]byte(os.Getenv("LAB")), &vs); err != nil {
		t.Fatalf("LAB: %v", err)
	}
	d := loadRepoData(t)
	journal, err := LoadJournal(filepath.Join("..", "..", "data", "journal", "journal.tsv"), d)
	if err != nil {
		t.Fatal(err)
	}
	wv, err := LoadWordVectors(filepath.Join("..", "..", "data", "wordvectors", "glove-6b-100d-subset.vec.gz"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		var m *Model
		if v.Load != "" {
			if m, err = LoadFile(v.Load); err != nil {
				t.Fatal(err)
			}
		} else {
			o := DefaultTrainOptions()
			o.Vectors, o.VectorWeight = nil, 0
			if !v.Primary {
				o.Primary = nil
			}
			o.PositiveBalance = v.Balance
			o.Features.Negation = v.Negation
			o.Ensemble = v.Ensemble
			if !v.Lexicon {
				o.Lexicon = nil
			}
			o.Progress = func(s string) { fmt.Println("   ", s) }
			if v.Vectors {
				o.Vectors, o.VectorWeight = wv, v.Gamma
			}
			if v.Bits > 0 {
				o.Features.Bits = v.Bits
			}
			if v.MinDF > 0 {
				o.MinDF = v.MinDF
			}
			if v.CharMax > 0 {
				o.Features.CharMax = v.CharMax
			}
			if v.C > 0 {
				o.C, o.EkmanC = v.C, v.C
			}
			var raw []byte
			if m, raw, err = Train(context.Background(), d, o); err != nil {
				t.Fatal(err)
			}
			os.WriteFile("/tmp/lab-"+v.Name+".model", raw, 0o644)
		}
		labRules(m, journal, ekPrior(d))
		fmt.Printf("== %s: dev macro-F1 goemotions %.4f ekman %.4f (%s) size %d\n", v.Name, m.h.Train.DevMacroF1, m.h.Train.DevEkmanMacroF1, m.h.EkmanMode, m.Size())
		gp := labelPriors(d.Train, d.EkmanOf, len(d.Labels), GoEmotions)
		ep := labelPriors(d.Train, d.EkmanOf, len(ekmanLabels), Ekman)
		type rc struct{ shift, off float64 }
		grid := []rc{{0, 0}, {0.5, -1}, {0.75, -1}, {0.75, -1.5}, {1, -0.5}, {1, -1}, {1, -1.5}, {1, -2}, {1, -2.5}}
		for _, g := range grid {
			if g.shift == 0 {
				m.h.Primary = nil
			} else {
				m.h.Primary = &PrimaryRule{Shift: g.shift, NeutralOffset: g.off, Prior: gp, EkmanShift: g.shift, EkmanNeutralOffset: g.off, EkmanPrior: ep}
			}
			r := m.EvaluateJournal(journal, Ekman)
			gr := m.EvaluateJournal(journal, GoEmotions)
			var cls []string
			for _, k := range ekmanLabels {
				cls = append(cls, fmt.Sprintf("%s %.2f", k[:3], r.PerClass[k].Accuracy))
			}
			dev := m.Evaluate(d.Dev, Ekman, "dev")
			devG := m.Evaluate(d.Dev, GoEmotions, "dev")
			fmt.Printf("   shift %.2f off %+.1f: journal ekman %.3f (strict %.3f) [%s] neutral %d; goemo %.3f; dev macro ekman %.4f goemo %.4f\n",
				g.shift, g.off, r.Accuracy, r.StrictAccuracy, joinS(cls), r.NeutralPredicted, gr.Accuracy, dev.MacroF1, devG.MacroF1)
			if g.shift == 1 && g.off == -1.5 && os.Getenv("LAB_MISSES") != "" {
				for _, x := range r.Misses {
					fmt.Printf("      miss %-9s got %-9s %.2f %s\n", x.Want, x.Got, x.Certainty, x.Text)
				}
			}
		}
		m.h.Primary = nil
	}
	_ = slices.Contains[[]int]
}

func joinS(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

// labRules compares primary rules on the journal set from raw probabilities.
func labRules(m *Model, journal []Example, prior []float64) {
	ne := len(m.h.EkmanLabels)
	neutral := m.ekNeutral
	thr := m.h.EkmanThresholds
	type rule struct {
		name string
		pick func(p []float64) int
	}
	argmax := func(xs []float64) int {
		b := 0
		for i, x := range xs {
			if x > xs[b] {
				b = i
			}
		}
		return b
	}
	var rules []rule
	for _, f := range []float64{0.5, 0.6, 0.7, 0.8, 0.9, 1.0} {
		f := f
		rules = append(rules, rule{fmt.Sprintf("ratio-alt %.1f", f), func(p []float64) int {
			b := argmax(p)
			if b != neutral {
				return b
			}
			alt, best := -1, 0.0
			for l := range p {
				if l != neutral && p[l]/thr[l] > best {
					alt, best = l, p[l]/thr[l]
				}
			}
			if best >= f {
				return alt
			}
			return b
		}})
	}
	for _, w := range []float64{0.6, 0.8, 1.0, 1.2} {
		w := w
		rules = append(rules, rule{fmt.Sprintf("p/t, neutral×%.1f", w), func(p []float64) int {
			r := make([]float64, len(p))
			for l := range p {
				r[l] = p[l] / thr[l]
				if l == neutral {
					r[l] *= w
				}
			}
			return argmax(r)
		}})
	}
	for _, off := range []float64{-1, -0.5, 0, 0.5, 1} {
		off := off
		rules = append(rules, rule{fmt.Sprintf("prior-shift %+.1f", off), func(p []float64) int {
			r := make([]float64, len(p))
			for l := range p {
				r[l] = logit(p[l]) - logit(prior[l])
				if l == neutral {
					r[l] += off
				}
			}
			return argmax(r)
		}})
	}
	s := &scratch{}
	probs := make([][]float64, len(journal))
	for i, ex := range journal {
		m.logits(s, ex.Text)
		n := m.probabilities(s, Ekman)
		probs[i] = append([]float64(nil), s.probs[:n]...)
	}
	for _, r := range rules {
		right := 0
		per := make([]int, ne)
		sup := make([]int, ne)
		for i, ex := range journal {
			got := r.pick(probs[i])
			first := m.h.EkmanOf[ex.Labels[0]]
			sup[first]++
			for _, l := range ex.Labels {
				if m.h.EkmanOf[l] == got {
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
		fmt.Printf("   %-20s journal ekman %.3f [%s]\n", r.name, float64(right)/float64(len(journal)), joinS(cls))
	}
}

func ekPrior(d *Dataset) []float64 {
	n := make([]float64, len(ekmanLabels))
	for _, ex := range d.Train {
		seen := map[int]bool{}
		for _, l := range ex.Labels {
			seen[d.EkmanOf[l]] = true
		}
		for e := range seen {
			n[e]++
		}
	}
	for e := range n {
		n[e] /= float64(len(d.Train))
	}
	return n
}
