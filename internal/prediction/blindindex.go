package prediction

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// BlindIndex turns words into keyed, truncated HMAC-SHA256 terms so stored
// predictions can be searched by word without storing or decrypting text.
//
// What it matches: whole words, case-insensitively, after NFKC
// normalisation, ignoring punctuation around them ("Happy!" matches "happy").
// What it cannot match: substrings, prefixes, phrases or word order, typos,
// and words shorter than 2 or longer than 64 characters. The terms reveal
// which stored texts share a word (equality), never the word itself without
// the key; the key is separate from the encryption keys.
type BlindIndex struct {
	pool sync.Pool
}

// TermSize is the stored length of a term in bytes (128 bits).
const TermSize = 16

// NewBlindIndex returns an index keyed with key (≥ 32 bytes).
func NewBlindIndex(key []byte) *BlindIndex {
	k := append([]byte(nil), key...)
	return &BlindIndex{pool: sync.Pool{New: func() any { return hmac.New(sha256.New, k) }}}
}

// Terms returns the distinct terms of every word in text.
func (b *BlindIndex) Terms(text string) [][]byte {
	seen := map[string]bool{}
	var out [][]byte
	for _, w := range words(text) {
		if seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, b.term(w))
	}
	return out
}

// Term returns the term for one searched word; ok is false when the query is
// not a single indexable word.
func (b *BlindIndex) Term(word string) ([]byte, bool) {
	ws := words(word)
	if len(ws) != 1 {
		return nil, false
	}
	return b.term(ws[0]), true
}

func (b *BlindIndex) term(w string) []byte {
	h := b.pool.Get().(hash.Hash)
	h.Reset()
	h.Write([]byte(w))
	sum := h.Sum(nil)
	b.pool.Put(h)
	return sum[:TermSize]
}

// words splits text into normalised indexable words: letters, digits and
// inner apostrophes ("don't"), lower-cased.
func words(text string) []string {
	text = strings.ToLower(norm.NFKC.String(strings.ReplaceAll(text, "’", "'")))
	var out []string
	for _, f := range strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	}) {
		f = strings.Trim(f, "'")
		if n := len([]rune(f)); n >= 2 && n <= 64 {
			out = append(out, f)
		}
	}
	return out
}
