package mask

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Anonymize returns text as the Security Guide's mask_predictions shows it
// to analysts, with SAMO's PII detection in front: every detected entity is
// replaced by its "<TYPE>" tag (as Mask does), and every other word keeps
// only its first and last letter, the rest starred; words of three
// characters or fewer are starred entirely. "my SSN 123-45-6789 leaked and
// jane@example.com gets spam" becomes "** *** <US_SSN> l****d *** <EMAIL_ADDRESS> g**s s**m".
//
// A word is a run of letters, digits and combining marks, joined across a
// single apostrophe or hyphen between two such characters ("don't" is one
// word: "d***t"). Spaces, line breaks and punctuation are kept, so the
// shape of the text (and the length of each word, as in the Guide) stays
// visible; the words do not. Only tags produced by detection are kept: a
// literal "<FOO>" written by the user is starred like any other word.
func (m *Masker) Anonymize(text string) string {
	spans := m.detect(text)
	var b strings.Builder
	b.Grow(len(text) + 16)
	prev := 0
	for _, s := range spans {
		starWords(&b, text[prev:s.start])
		b.WriteByte('<')
		b.WriteString(string(s.typ))
		b.WriteByte('>')
		prev = s.end
	}
	starWords(&b, text[prev:])
	return b.String()
}

func isWordPart(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

func isJoiner(r rune) bool { return r == '\'' || r == '\u2019' || r == '-' }

// starWords writes s to b with each word starred. Invalid UTF-8 bytes are
// written as U+FFFD (stored text is valid UTF-8; this only keeps the output
// valid whatever the input).
func starWords(b *strings.Builder, s string) {
	var word []rune
	flush := func() {
		n := len(word)
		for i, r := range word {
			if n > 3 && (i == 0 || i == n-1) {
				b.WriteRune(r)
			} else {
				b.WriteByte('*')
			}
		}
		word = word[:0]
	}
	for i, r := range s {
		if isWordPart(r) {
			word = append(word, r)
		} else if isJoiner(r) && len(word) > 0 {
			next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
			if isWordPart(next) && isWordPart(word[len(word)-1]) {
				word = append(word, r)
				continue
			}
			flush()
			b.WriteRune(r)
		} else {
			flush()
			b.WriteRune(r)
		}
	}
	flush()
}
