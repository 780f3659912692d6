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
	Load     string  `json:"load"` // evaluate an existing model file instead of training
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
			o.Vectors, o.VectorWeight, o.Primary = nil, 0, nil
			o.Features.Negation = v.Negation
			if v.Vectors {
				o.Vectors, o.VectorWeight = wv, v.Gamma
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
		fmt.Printf("== %s: dev macro-F1 goemotions %.4f ekman %.4f (%s) size %d\n", v.Name, m.h.Train.DevMacroF1, m.h.Train.DevEkmanMacroF1, m.h.EkmanMode, m.Size())
		for _, f := range []float64{0, 0.25, 0.5, 0.75, 1, 1.5} {
			mm := m // the rule is read per call: switch it in place
			if f > 0 {
				mm.h.Primary = &PrimaryRule{Factor: f, EkmanFactor: f}
			} else {
				mm.h.Primary = nil
			}
			r := mm.EvaluateJournal(journal, Ekman)
			g := mm.EvaluateJournal(journal, GoEmotions)
			var cls []string
			for _, k := range ekmanLabels {
				cls = append(cls, fmt.Sprintf("%s %.2f", k[:3], r.PerClass[k].Accuracy))
			}
			dev := mm.Evaluate(d.Dev, Ekman, "dev")
			fmt.Printf("   factor %.2f: journal ekman %.3f (strict %.3f) [%s] neutral %d; goemo %.3f; dev ekman macro %.4f\n",
				f, r.Accuracy, r.StrictAccuracy, joinS(cls), r.NeutralPredicted, g.Accuracy, dev.MacroF1)
			if f == 1 && os.Getenv("LAB_MISSES") != "" {
				for _, x := range r.Misses {
					fmt.Printf("      miss %-9s got %-9s %.2f %s\n", x.Want, x.Got, x.Certainty, x.Text)
				}
			}
		}
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
