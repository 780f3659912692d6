package emotion

import (
	"fmt"
	"math"
)

// LexiconClass is one class of the seed lexicon: a name and seed words.
// A vocabulary word joins the class when the cosine similarity of its
// vector to the class prototype (the normalised mean of the seeds'
// normalised vectors) reaches the lexicon threshold and beats every
// other class's by the margin.
type LexiconClass struct {
	Name  string   `json:"name"`
	Seeds []string `json:"seeds"`
}

// maxLexClasses bounds the lexicon classes (one bit each in a uint16).
const maxLexClasses = 16

// DefaultLexicon returns the seed lexicon of the embedded model: for each
// Ekman emotion, ten common synonyms from Parrott's (2001) emotion lists
// and a thesaurus, written before looking at the model's errors.
func DefaultLexicon() []LexiconClass {
	return []LexiconClass{
		{"anger", []string{"angry", "furious", "rage", "outraged", "irritated", "annoyed", "mad", "resentful", "hostile", "fury"}},
		{"disgust", []string{"disgust", "disgusting", "disgusted", "gross", "revulsion", "repulsive", "nauseating", "vile", "sickening", "loathing"}},
		{"fear", []string{"afraid", "scared", "frightened", "terrified", "fear", "anxious", "nervous", "panic", "dread", "worried"}},
		{"joy", []string{"happy", "joyful", "delighted", "glad", "cheerful", "elated", "thrilled", "pleased", "joy", "excited"}},
		{"sadness", []string{"sad", "unhappy", "depressed", "miserable", "sorrow", "grief", "lonely", "gloomy", "heartbroken", "despair"}},
		{"surprise", []string{"surprised", "astonished", "amazed", "shocked", "stunned", "astounded", "startled", "surprise", "unexpected", "amazement"}},
	}
}

// validLexicon reports whether the lexicon fields of d are usable.
func (d *denseInfo) validLexicon() bool {
	if len(d.Lexicon) == 0 {
		return d.LexThreshold == 0 && d.LexMargin == 0
	}
	if len(d.Lexicon) > maxLexClasses || !(d.LexThreshold > 0 && d.LexThreshold <= 1) || !(d.LexMargin >= 0 && d.LexMargin <= 1) {
		return false
	}
	for _, c := range d.Lexicon {
		if c.Name == "" || len(c.Seeds) == 0 || len(c.Seeds) > 1000 {
			return false
		}
	}
	return true
}

// lexiconMasks computes each vocabulary row's lexicon classes: class c
// when cos(row, prototype c) ≥ LexThreshold and exceeds every other
// class's cosine by at least LexMargin. A class none of whose seeds has a
// vector is an error.
func (t *vecTable) lexiconMasks(info denseInfo) ([]uint16, error) {
	d := t.info.Dims
	row := func(r int32, dst []float64) {
		n := 0.0
		for k := range d {
			dst[k] = float64(t.data[int(r)*d+k]) * float64(t.info.Scale[k])
			n += dst[k] * dst[k]
		}
		if n = math.Sqrt(n); n > 0 {
			for k := range d {
				dst[k] /= n
			}
		}
	}
	nc := len(info.Lexicon)
	protos := make([]float64, nc*d)
	v := make([]float64, d)
	for c, cl := range info.Lexicon {
		p := protos[c*d : c*d+d]
		found := false
		for _, s := range cl.Seeds {
			r, ok := t.index[wordHashString(s)]
			if !ok {
				continue
			}
			found = true
			row(r, v)
			for k := range d {
				p[k] += v[k]
			}
		}
		if !found {
			return nil, fmt.Errorf("lexicon class %q: no seed has a word vector", cl.Name)
		}
		n := 0.0
		for _, x := range p {
			n += x * x
		}
		for k := range p {
			p[k] /= math.Sqrt(n)
		}
	}
	masks := make([]uint16, t.info.Words)
	cos := make([]float64, nc)
	for r := range masks {
		row(int32(r), v)
		for c := range nc {
			s := 0.0
			for k, x := range protos[c*d : c*d+d] {
				s += x * v[k]
			}
			cos[c] = s
		}
		for c, s := range cos {
			if s < info.LexThreshold {
				continue
			}
			ok := true
			for o, x := range cos {
				if o != c && s-x < info.LexMargin {
					ok = false
					break
				}
			}
			if ok {
				masks[r] |= 1 << c
			}
		}
	}
	return masks, nil
}

// LexiconSize is one lexicon class of a model and how many vocabulary
// words belong to it.
type LexiconSize struct {
	Name  string `json:"name"`
	Words int    `json:"words"`
}

// Lexicon returns the model's lexicon classes with their sizes (nil
// without a lexicon).
func (m *Model) Lexicon() []LexiconSize {
	if m.vt == nil || m.vt.lex == nil {
		return nil
	}
	out := make([]LexiconSize, len(m.vt.info.Lexicon))
	for c, cl := range m.vt.info.Lexicon {
		out[c].Name = cl.Name
	}
	for _, mask := range m.vt.lex {
		for c := range out {
			if mask&(1<<c) != 0 {
				out[c].Words++
			}
		}
	}
	return out
}

// EnsembleWeight returns the weight of the sparse-only member of the
// ensemble the model's weights average (TrainOptions.Ensemble; 0: one
// model).
func (m *Model) EnsembleWeight() float64 {
	if m.h.Ensemble == nil {
		return 0
	}
	return m.h.Ensemble.SparseWeight
}
