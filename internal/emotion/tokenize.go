package emotion

import (
	"unicode"
	"unicode/utf8"
)

// Token kinds. Words get character n-grams; symbols (emoji, "!", "?",
// emoticons, "[name]") are only word-level features.
const (
	kindWord   = 0
	kindSymbol = 1
)

// maxTokens bounds the work done on one text; longer texts are cut (the
// HTTP layer caps text length well below this anyway).
const maxTokens = 512

// tokens is a reusable tokenizer output: token i is buf[start(i):ends[i]].
type tokens struct {
	buf   []byte
	ends  []int32
	kinds []uint8
	// breaks[i] reports a clause boundary (".", ",", ";", ":", a "!" or
	// "?" token) just before token i; pending is set until the next token.
	breaks  []bool
	pending bool
}

func (t *tokens) reset() {
	t.buf = t.buf[:0]
	t.ends = t.ends[:0]
	t.kinds = t.kinds[:0]
	t.breaks = t.breaks[:0]
	t.pending = false
}

func (t *tokens) len() int { return len(t.ends) }

func (t *tokens) at(i int) ([]byte, uint8) {
	s := int32(0)
	if i > 0 {
		s = t.ends[i-1]
	}
	return t.buf[s:t.ends[i]], t.kinds[i]
}

// closeToken ends the token that started at buf offset start.
func (t *tokens) closeToken(start int, kind uint8) {
	if len(t.buf) == start || len(t.ends) >= maxTokens {
		t.buf = t.buf[:start]
		return
	}
	t.ends = append(t.ends, int32(len(t.buf)))
	t.kinds = append(t.kinds, kind)
	t.breaks = append(t.breaks, t.pending)
	t.pending = false
}

func (t *tokens) addString(s string, kind uint8) {
	start := len(t.buf)
	t.buf = append(t.buf, s...)
	t.closeToken(start, kind)
}

// straighten maps typographic quotes and apostrophes to their ASCII forms.
func straighten(r rune) rune {
	switch r {
	case '\u2018', '\u2019', '\u201a', '\u201b', '\u2032', '\u0060', '\u00b4', '\u02bc':
		return '\''
	case '\u201c', '\u201d', '\u201e', '\u201f', '\u2033':
		return '"'
	}
	return r
}

// isEmoji reports whether r is a pictographic symbol kept as its own token.
func isEmoji(r rune) bool {
	switch {
	case r >= 0x1F300 && r <= 0x1FAFF:
		return r < 0x1F3FB || r > 0x1F3FF // skin-tone modifiers are dropped
	case r >= 0x1F000 && r <= 0x1F2FF, // mahjong, cards, enclosed
		r >= 0x2600 && r <= 0x27BF, // misc symbols, dingbats (☹ ☺ ♥ ✨)
		r >= 0x2300 && r <= 0x23FF, // ⌛ ⏰
		r >= 0x2B00 && r <= 0x2BFF: // ⭐
		return true
	}
	return false
}

// isJoiner reports runes that glue emoji sequences together; they are
// dropped so "❤️" and "❤" give the same token.
func isJoiner(r rune) bool {
	return r == 0x200D || r == 0xFE0F || r == 0xFE0E || (r >= 0x1F3FB && r <= 0x1F3FF)
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func lower(r rune) rune {
	if r < utf8.RuneSelf {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(r)
}

// emoticons lists the ASCII faces recognised at a word boundary, longest
// first within each prefix, with the token each one becomes.
var emoticons = [...]struct{ face, token string }{
	{":-)", ":)"}, {":)", ":)"}, {"=)", ":)"}, {":]", ":)"},
	{":-(", ":("}, {":(", ":("}, {"=(", ":("}, {":[", ":("},
	{":'(", ":'("}, {":-d", ":d"}, {":d", ":d"},
	{";-)", ";)"}, {";)", ";)"}, {":-p", ":p"}, {":p", ":p"},
	{":-/", ":/"}, {":/", ":/"}, {":o", ":o"}, {"<3", "<3"},
}

// matchEmoticon returns the emoticon token at s[i:] and its byte length.
func matchEmoticon(s string, i int) (string, int) {
	for _, e := range emoticons {
		n := len(e.face)
		if i+n > len(s) {
			continue
		}
		ok := true
		for k := 0; k < n; k++ {
			c := s[i+k]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != e.face[k] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		// The face must end the "word": ":/" in "http://x" or ":d" in ":data" is not one.
		if i+n < len(s) {
			r, _ := utf8.DecodeRuneInString(s[i+n:])
			if isWordRune(r) || r == '/' || r == ':' {
				continue
			}
		}
		return e.token, n
	}
	return "", 0
}

// matchPlaceholder recognises GoEmotions' masks "[NAME]" and "[RELIGION]".
func matchPlaceholder(s string, i int) (string, int) {
	for _, p := range [...]string{"[name]", "[religion]"} {
		if i+len(p) > len(s) {
			continue
		}
		ok := true
		for k := 0; k < len(p); k++ {
			c := s[i+k]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != p[k] {
				ok = false
				break
			}
		}
		if ok {
			return p, len(p)
		}
	}
	return "", 0
}

// tokenize splits text into t (which it resets). See the package doc for
// the rules.
func tokenize(t *tokens, text string) {
	t.reset()
	wordStart := -1 // buf offset of the word being built, or -1
	var last rune   // last rune appended to the current word
	repeat := 0     // how many times last was appended in a row
	var lastSym rune
	symRepeat := 0
	prevWordish := false // the previous input rune belongs to a word (for emoticon boundaries)

	endWord := func() {
		if wordStart >= 0 {
			t.finishWord(wordStart)
			wordStart = -1
		}
	}
	for i := 0; i < len(text) && len(t.ends) < maxTokens; {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && size <= 1 {
			endWord()
			i += size
			prevWordish = false
			continue
		}
		r = straighten(r)
		if isJoiner(r) { // dropped without ending anything
			i += size
			continue
		}
		switch {
		case isWordRune(r):
			lr := lower(r)
			if wordStart < 0 {
				wordStart = len(t.buf)
				last, repeat = 0, 0
			}
			if lr == last && unicode.IsLetter(lr) {
				repeat++
				if repeat >= 2 { // "sooo" -> "soo": at most two in a row
					i += size
					continue
				}
			} else {
				last, repeat = lr, 0
			}
			t.buf = utf8.AppendRune(t.buf, lr)
			lastSym, symRepeat = 0, 0
			prevWordish = true
			i += size
			continue
		case r == '\'' && wordStart >= 0 && i+size < len(text):
			// Keep an apostrophe between letters ("don't", "i'm").
			nr, _ := utf8.DecodeRuneInString(text[i+size:])
			if isWordRune(nr) && !(len(t.buf) > wordStart && t.buf[len(t.buf)-1] == '\'') {
				t.buf = append(t.buf, '\'')
				last, repeat = '\'', 0
				i += size
				continue
			}
		}
		endWord()
		switch {
		case r == '[':
			if tok, n := matchPlaceholder(text, i); n > 0 {
				t.addString(tok, kindSymbol)
				i += n
				prevWordish = true
				lastSym, symRepeat = 0, 0
				continue
			}
		case r == ':' || r == ';' || r == '=' || r == '<':
			// ":)" may follow a word ("thanks:)"); "=(" and "<3" may not ("a=(b)").
			if r == ':' || r == ';' || !prevWordish {
				if tok, n := matchEmoticon(text, i); n > 0 {
					t.addString(tok, kindSymbol)
					i += n
					prevWordish = false
					lastSym, symRepeat = 0, 0
					continue
				}
			}
		case r == '!' || r == '?':
			if r == lastSym {
				symRepeat++
				if symRepeat == 1 { // "!!!" -> "!!"
					t.buf = append(t.buf, byte(r))
					t.ends[len(t.ends)-1]++
				}
			} else if len(t.ends) < maxTokens {
				t.addString(string(r), kindSymbol)
				lastSym, symRepeat = r, 0
			}
			t.pending = true
			i += size
			prevWordish = false
			continue
		case isEmoji(r):
			if r == lastSym {
				symRepeat++
			} else {
				lastSym, symRepeat = r, 0
			}
			if symRepeat < 2 {
				start := len(t.buf)
				t.buf = utf8.AppendRune(t.buf, r)
				t.closeToken(start, kindSymbol)
			}
			i += size
			prevWordish = false
			continue
		}
		if r == '.' || r == ',' || r == ';' || r == ':' {
			t.pending = true
		}
		lastSym, symRepeat = 0, 0
		prevWordish = false
		i += size
	}
	endWord()
}

// negatable lists stems whose "n't" (or apostrophe-less "nt") form is split
// into stem + "not".
var negatable = map[string]string{
	"do": "do", "does": "does", "did": "did", "is": "is", "was": "was",
	"were": "were", "are": "are", "have": "have", "has": "has", "had": "had",
	"could": "could", "should": "should", "would": "would", "must": "must",
	"need": "need", "ca": "can", "can": "can", "wo": "will", "sha": "shall", "ai": "ai",
	"might": "might", "dare": "dare",
}

// bareContractions expands contractions typed without the apostrophe.
var bareContractions = map[string][2]string{
	"dont": {"do", "not"}, "didnt": {"did", "not"}, "doesnt": {"does", "not"},
	"isnt": {"is", "not"}, "wasnt": {"was", "not"}, "werent": {"were", "not"},
	"arent": {"are", "not"}, "havent": {"have", "not"}, "hasnt": {"has", "not"},
	"hadnt": {"had", "not"}, "cant": {"can", "not"}, "couldnt": {"could", "not"},
	"shouldnt": {"should", "not"}, "wouldnt": {"would", "not"}, "wont": {"will", "not"},
	"aint": {"ai", "not"}, "mustnt": {"must", "not"}, "im": {"i", "am"},
	"ive": {"i", "have"}, "youre": {"you", "are"}, "theyre": {"they", "are"},
	"youve": {"you", "have"}, "theyve": {"they", "have"}, "weve": {"we", "have"},
	"thats": {"that", "'s"}, "whats": {"what", "'s"}, "itll": {"it", "will"},
	"youll": {"you", "will"},
}

// clitics maps an apostrophe suffix to the word it stands for.
var clitics = map[string]string{
	"'m": "am", "'re": "are", "'ve": "have", "'ll": "will", "'d": "would", "'s": "'s",
}

// finishWord closes the word at buf[start:], splitting contractions.
func (t *tokens) finishWord(start int) {
	w := t.buf[start:]
	// Drop apostrophes left dangling at the end.
	for len(w) > 0 && w[len(w)-1] == '\'' {
		w = w[:len(w)-1]
	}
	t.buf = t.buf[:start+len(w)]
	n := len(w)
	if n >= 4 && string(w[n-3:]) == "n't" {
		if stem, ok := negatable[string(w[:n-3])]; ok {
			t.buf = t.buf[:start]
			t.addString(stem, kindWord)
			t.addString("not", kindWord)
			return
		}
	}
	if n <= 8 {
		if exp, ok := bareContractions[string(w)]; ok {
			t.buf = t.buf[:start]
			t.addString(exp[0], kindWord)
			t.addString(exp[1], kindWord)
			return
		}
	}
	for k := n - 2; k >= 1 && k >= n-3; k-- {
		if w[k] != '\'' {
			continue
		}
		if full, ok := clitics[string(w[k:])]; ok {
			t.buf = t.buf[:start+k]
			t.closeToken(start, kindWord)
			t.addString(full, kindWord)
			return
		}
	}
	t.closeToken(start, kindWord)
}
