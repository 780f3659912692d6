package mask

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }

func isLetterASCII(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// isWordRune reports whether r continues a word: a letter, a digit or '_'.
// Entities must not start or end next to one ("v1.2.3.4", "A1234567").
func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// prevRune returns the rune ending at byte offset i, or -1 at the start.
func prevRune(text string, i int) rune {
	if i <= 0 {
		return -1
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return r
}

// nextRune returns the rune starting at byte offset i, or -1 at the end.
func nextRune(text string, i int) rune {
	if i >= len(text) {
		return -1
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return r
}

// byteAt returns text[i], or 0 when i is out of range.
func byteAt(text string, i int) byte {
	if i < 0 || i >= len(text) {
		return 0
	}
	return text[i]
}

// continuesNumber reports whether the bytes at i continue a number written
// with decimal or grouping punctuation (".5", ",50", ":30"), which means a
// digit run ending before i is part of a larger number, time or ratio.
func continuesNumber(text string, i int) bool {
	switch byteAt(text, i) {
	case '.', ',', ':':
		return isDigit(byteAt(text, i+1))
	}
	return false
}

// followsNumber is continuesNumber looking backwards from a run starting at
// i: "1.|5", "3,|000", "10:|30".
func followsNumber(text string, i int) bool {
	switch byteAt(text, i-1) {
	case '.', ',', ':':
		return isDigit(byteAt(text, i-2))
	}
	return false
}

// contextWindow is how many bytes before a candidate are searched for
// context words.
const contextWindow = 48

// lastWords returns up to n lower-cased words (runs of letters) that end
// before byte offset i, nearest first, looking back at most contextWindow
// bytes.
func lastWords(text string, i, n int) []string {
	lo := max(0, i-contextWindow)
	seg := text[lo:i]
	words := strings.FieldsFunc(seg, func(r rune) bool { return !unicode.IsLetter(r) })
	if len(words) > 0 && lo > 0 && unicode.IsLetter(prevRune(text, lo)) && unicode.IsLetter(nextRune(text, lo)) {
		// The window cut the farthest word in half; drop it.
		words = words[1:]
	}
	out := make([]string, 0, n)
	for k := len(words) - 1; k >= 0 && len(out) < n; k-- {
		out = append(out, strings.ToLower(words[k]))
	}
	return out
}

// hasContext reports whether any of the n words before byte offset i
// (within contextWindow bytes) satisfies is.
func hasContext(text string, i, n int, is func(string) bool) bool {
	for _, w := range lastWords(text, i, n) {
		if is(w) {
			return true
		}
	}
	return false
}
