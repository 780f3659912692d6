package emotion

import "math/bits"

// FeatureConfig describes how a text becomes hashed features. It is stored
// in the model file so that a model is always read with the settings it was
// trained with.
type FeatureConfig struct {
	// Bits is the size of the hash space: features fall into 2^Bits buckets.
	Bits int `json:"bits"`
	// CharMin and CharMax bound the character n-grams taken inside each
	// word padded with a space on both sides (like scikit-learn's char_wb).
	CharMin int `json:"char_min"`
	CharMax int `json:"char_max"`
	// WordWeight and CharWeight scale the two feature blocks; each block is
	// divided by the square root of its number of features first.
	WordWeight float64 `json:"word_weight"`
	CharWeight float64 `json:"char_weight"`
	// Negation marks the words in the scope of a negator ("not", "never",
	// "no", ...): up to NegationScope words, stopping at a clause boundary
	// or "but". A marked word gets its own unigram feature ("not happy"
	// does not count as "happy") and its vector goes to a separate pool.
	Negation bool `json:"negation,omitempty"`
}

// NegationScope is how many words after a negator are marked as negated.
const NegationScope = 3

// isNegator reports whether a token opens a negation scope.
func isNegator(b []byte) bool {
	switch string(b) {
	case "not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "without", "hardly", "barely", "cannot":
		return true
	}
	return false
}

// validate reports whether c can be used.
func (c FeatureConfig) validate() bool {
	return c.Bits >= 8 && c.Bits <= 24 && c.CharMin >= 1 && c.CharMin <= c.CharMax && c.CharMax <= 8 &&
		c.WordWeight >= 0 && c.WordWeight <= 100 && c.CharWeight >= 0 && c.CharWeight <= 100
}

// maxCharWord is the longest word (in bytes) whose character n-grams are
// taken in full; longer "words" (URLs, keyboard mashing) are cut.
const maxCharWord = 32

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211

	seedWord   = fnvOffset ^ 0x9e3779b97f4a7c15
	seedBigram = 0x632be59bd9b4e019
	seedChar   = fnvOffset ^ 0xc2b2ae3d27d4eb4f
	seedVector = fnvOffset ^ 0x165667b19e3779f9
	seedNeg    = 0x27d4eb2f165667c5
	seedLex    = fnvOffset ^ 0x94d049bb133111eb
	hashBOS    = 0x2545f4914f6cdd1d
	hashEOS    = 0x5851f42d4c957f2d
)

// mix is the splitmix64 finaliser: it spreads every input bit over the
// output so the top bits make a good bucket index.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func fnv(seed uint64, b []byte) uint64 {
	h := uint64(seed)
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// featureBuf collects the hashed features of one text, per block.
type featureBuf struct {
	tok  tokens
	word []uint32
	char []uint32
	// vec lists the vocabulary row of each token that has a word vector,
	// neg whether that token is negated.
	vec []int32
	neg []bool
}

func (f *featureBuf) reset() {
	f.word = f.word[:0]
	f.char = f.char[:0]
	f.vec = f.vec[:0]
	f.neg = f.neg[:0]
}

// extract tokenizes text and appends its hashed features to f, and, when
// vt is not nil, the vocabulary rows of its tokens.
func (f *featureBuf) extract(text string, c FeatureConfig, vt *vecTable) {
	f.reset()
	tokenize(&f.tok, text)
	shift := uint(64 - c.Bits)
	prev := uint64(hashBOS)
	n := f.tok.len()
	negLeft := 0
	for i := 0; i < n; i++ {
		b, kind := f.tok.at(i)
		if f.tok.breaks[i] || kind != kindWord || string(b) == "but" {
			negLeft = 0
		}
		negated := negLeft > 0
		h := fnv(seedWord, b)
		if negated {
			negLeft--
			f.word = append(f.word, uint32(mix(h^seedNeg)>>shift))
		} else {
			f.word = append(f.word, uint32(mix(h)>>shift))
		}
		if c.Negation && isNegator(b) {
			negLeft = NegationScope
		}
		if vt != nil {
			if r, ok := vt.index[wordHash(b)]; ok {
				f.vec = append(f.vec, r)
				f.neg = append(f.neg, negated)
				if vt.lex != nil {
					f.appendLex(vt, vt.lex[r], negated, shift)
				}
			}
		}
		f.word = append(f.word, uint32(mix(prev^bits.RotateLeft64(h, 23)^seedBigram)>>shift))
		prev = h
		if kind == kindWord {
			f.appendChars(b, c, shift)
		}
	}
	if n > 0 {
		f.word = append(f.word, uint32(mix(prev^bits.RotateLeft64(hashEOS, 23)^seedBigram)>>shift))
	}
}

// appendLex appends the lexicon tokens of the classes in mask (marked
// as negated when the word is).
func (f *featureBuf) appendLex(vt *vecTable, mask uint16, negated bool, shift uint) {
	for mask != 0 {
		c := bits.TrailingZeros16(mask)
		mask &= mask - 1
		h := vt.lexHash[c]
		if negated {
			h ^= seedNeg
		}
		f.word = append(f.word, uint32(mix(h)>>shift))
	}
}

// appendChars appends the character n-grams of " word ".
func (f *featureBuf) appendChars(w []byte, c FeatureConfig, shift uint) {
	if len(w) > maxCharWord {
		w = w[:maxCharWord]
	}
	padded := len(w) + 2
	at := func(i int) byte {
		if i == 0 || i == padded-1 {
			return ' '
		}
		return w[i-1]
	}
	for s := 0; s < padded; s++ {
		h := uint64(seedChar)
		for n := 1; n <= c.CharMax && s+n <= padded; n++ {
			h ^= uint64(at(s + n - 1))
			h *= fnvPrime
			if n >= c.CharMin && !(n == 1 && (s == 0 || s == padded-1)) {
				f.char = append(f.char, uint32(mix(h)>>shift))
			}
		}
	}
}
