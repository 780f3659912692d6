//go:build lab

package emotion

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestLabLexicon(t *testing.T) {
	wv, err := LoadWordVectors(filepath.Join("..", "..", "data", "wordvectors", "glove-6b-100d-subset.vec.gz"))
	if err != nil {
		t.Fatal(err)
	}
	d := loadRepoData(t)
	journal, _ := LoadJournal(filepath.Join("..", "..", "data", "journal", "journal.tsv"), d)
	idx := map[string]int{}
	for i, w := range wv.Words {
		idx[w] = i
	}
	vec := func(i int) []float64 {
		v := make([]float64, wv.Dims)
		n := 0.0
		for k := range v {
			v[k] = float64(wv.Data[i*wv.Dims+k]) * float64(wv.Scale[k])
			n += v[k] * v[k]
		}
		n = math.Sqrt(n)
		for k := range v {
			v[k] /= n
		}
		return v
	}
	tau := labFloats("LAB_TAU", "0.6")[0]
	delta := labFloats("LAB_DELTA", "0.05")[0]
	var protos [][]float64
	for _, c := range DefaultLexicon() {
		p := make([]float64, wv.Dims)
		for _, s := range c.Seeds {
			i, ok := idx[s]
			if !ok {
				fmt.Printf("  %s: seed %q missing\n", c.Name, s)
				continue
			}
			for k, x := range vec(i) {
				p[k] += x
			}
		}
		n := 0.0
		for _, x := range p {
			n += x * x
		}
		for k := range p {
			p[k] /= math.Sqrt(n)
		}
		protos = append(protos, p)
	}
	vecs := make([][]float64, len(wv.Words))
	for i := range wv.Words {
		vecs[i] = vec(i)
	}
	for ci, c := range DefaultLexicon() {
		type ws struct {
			w string
			s float64
		}
		var all []ws
		for i, w := range wv.Words {
			v := vecs[i]
			cs := make([]float64, len(protos))
			for j, p := range protos {
				for k := range v {
					cs[j] += v[k] * p[k]
				}
			}
			s := cs[ci]
			second := -1.0
			for j, x := range cs {
				if j != ci {
					second = max(second, x)
				}
			}
			if s >= tau && s-second >= delta {
				all = append(all, ws{w, s})
			}
		}
		sort.Slice(all, func(a, b int) bool { return all[a].s > all[b].s })
		var top []string
		for _, x := range all[:min(60, len(all))] {
			top = append(top, x.w)
		}
		var jw []string
		for _, ex := range journal {
			for _, tok := range Tokens(ex.Text) {
				if slices.ContainsFunc(all, func(x ws) bool { return x.w == tok }) && !slices.Contains(jw, tok) {
					jw = append(jw, tok)
				}
			}
		}
		fmt.Printf("%s: %d words ≥ %.2f: %s\n   journal: %s\n", c.Name, len(all), tau, strings.Join(top, " "), strings.Join(jw, " "))
	}
	_ = os.Getenv
}
