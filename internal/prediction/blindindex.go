package prediction

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

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
//
// A text's terms are packed into two byte strings of TermSize-byte terms:
// the words of its personal data (inside a detected PII span, or containing
// a digit) and the others, so readers who see PII masked can be kept from
// searching by it.
type BlindIndex struct {
	pool sync.Pool // *termHasher
}

// termHasher is what appendTerm borrows from the pool: the keyed hash and
// its working memory, so hashing a word allocates nothing. Nothing in it
// is referenced once appendTerm returns.
type termHasher struct {
	mac  hash.Hash
	word []byte // the word's bytes, cleared before the hasher goes back
	sum  [sha256.Size]byte
}

// TermSize is the stored length of a term in bytes (64 bits). Terms are
// compared whole and aligned (Contains), so a search's false-positive
// chance per stored word is 2⁻⁶⁴.
const TermSize = 8

// Span is a byte range [Start, End) of a text.
type Span struct{ Start, End int }

// NewBlindIndex returns an index keyed with key (≥ 32 bytes).
func NewBlindIndex(key []byte) *BlindIndex {
	k := append([]byte(nil), key...)
	return &BlindIndex{pool: sync.Pool{New: func() any { return &termHasher{mac: hmac.New(sha256.New, k)} }}}
}

// Index returns the packed terms of text's distinct words: those of its
// personal data in pii, the rest in plain. A word is personal data when it
// contains a digit or occurs inside one of the spans (widened to whole
// words); a word found both inside and outside a span counts as personal.
func (b *BlindIndex) Index(text string, spans []Span) (plain, pii []byte) {
	var private map[string]bool
	for _, s := range spans {
		for _, w := range words(text[wordStart(text, s.Start):wordEnd(text, s.End)]) {
			if private == nil {
				private = map[string]bool{}
			}
			private[w] = true
		}
	}
	ws := words(text)
	seen := make(map[string]struct{}, len(ws))
	for _, w := range ws {
		if _, dup := seen[w]; dup {
			continue
		}
		seen[w] = struct{}{}
		if private[w] || strings.ContainsFunc(w, unicode.IsDigit) {
			pii = b.appendTerm(pii, w)
		} else {
			plain = b.appendTerm(plain, w)
		}
	}
	return plain, pii
}

// Term returns the term for one searched word; ok is false when the query is
// not a single indexable word.
func (b *BlindIndex) Term(word string) ([]byte, bool) {
	ws := words(word)
	if len(ws) != 1 {
		return nil, false
	}
	return b.appendTerm(nil, ws[0]), true
}

// Contains reports whether packed (terms as Index returns them) holds term
// at a term boundary.
func Contains(packed, term []byte) bool {
	if len(term) != TermSize {
		return false
	}
	for i := 0; i+TermSize <= len(packed); i += TermSize {
		if bytes.Equal(packed[i:i+TermSize], term) {
			return true
		}
	}
	return false
}

// TermFilter returns a 64-bit Bloom filter of the terms packed in each of
// sets: three bits per term, numbered by its first three bytes modulo 64.
// Terms are keyed hashes, so the bits are uniform and reveal nothing the
// terms do not. The store keeps a record's filter beside its terms so a
// search can pass over most records without reading them: a record can
// hold term only if filter&TermFilter(term) == TermFilter(term); the terms
// themselves decide. With 13 terms about one record in ten passes a search
// for an absent word. An all-ones filter (-1) lets every search through.
func TermFilter(sets ...[]byte) int64 {
	var f uint64
	for _, packed := range sets {
		for i := 0; i+TermSize <= len(packed); i += TermSize {
			f |= 1<<(packed[i]&63) | 1<<(packed[i+1]&63) | 1<<(packed[i+2]&63)
		}
	}
	return int64(f) // #nosec G115 -- the filter's bits, not a number
}

func (b *BlindIndex) appendTerm(dst []byte, w string) []byte {
	t := b.pool.Get().(*termHasher)
	t.mac.Reset()
	t.word = append(t.word[:0], w...)
	t.mac.Write(t.word)
	dst = append(dst, t.mac.Sum(t.sum[:0])[:TermSize]...)
	clear(t.word)
	b.pool.Put(t)
	return dst
}

// isWordRune reports whether r belongs to an indexable word.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’'
}

// wordStart moves i back to the start of the word it is in.
func wordStart(text string, i int) int {
	i = min(max(i, 0), len(text))
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(text[:i])
		if !isWordRune(r) && !unicode.Is(unicode.Mn, r) {
			break
		}
		i -= n
	}
	return i
}

// wordEnd moves i forward to the end of the word it is in.
func wordEnd(text string, i int) int {
	i = min(max(i, 0), len(text))
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) && !unicode.Is(unicode.Mn, r) {
			break
		}
		i += n
	}
	return i
}

// words splits text into normalised indexable words: letters, digits and
// inner apostrophes ("don't"), lower-cased.
func words(text string) []string {
	text = strings.ToLower(norm.NFKC.String(strings.ReplaceAll(text, "’", "'")))
	fields := strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
	out := fields[:0] // the words kept, filtered in place: fields is ours
	for _, f := range fields {
		f = strings.Trim(f, "'")
		if n := len([]rune(f)); n >= 2 && n <= 64 {
			out = append(out, f)
		}
	}
	return out
}
