package validate

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// confusables maps Cyrillic, Greek and Armenian letters that look like
// Latin letters to them (a subset of Unicode's confusables.txt, UTS #39).
// NFKC does not touch them, so "ѕсrірt" survives decoding.
var confusables = map[rune]rune{
	// Cyrillic
	'а': 'a', 'в': 'b', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'һ': 'h', 'і': 'i', 'ј': 'j', 'к': 'k', 'ӏ': 'l', 'м': 'm',
	'н': 'h', 'о': 'o', 'р': 'p', 'ԛ': 'q', 'ѕ': 's', 'т': 't', 'у': 'y', 'ԝ': 'w', 'х': 'x',
	'А': 'A', 'В': 'B', 'С': 'C', 'Е': 'E', 'Н': 'H', 'І': 'I', 'Ј': 'J', 'К': 'K', 'М': 'M', 'О': 'O', 'Р': 'P',
	'Ѕ': 'S', 'Т': 'T', 'Х': 'X', 'У': 'Y', 'Ԛ': 'Q', 'Ԝ': 'W',
	// Greek
	'α': 'a', 'ϲ': 'c', 'ς': 'c', 'ε': 'e', 'ι': 'i', 'ϳ': 'j', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'υ': 'u', 'χ': 'x',
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O', 'Ρ': 'P',
	'Τ': 'T', 'Υ': 'Y', 'Χ': 'X', 'Ϲ': 'C',
	// Armenian
	'օ': 'o', 'ս': 'u', 'ո': 'n', 'հ': 'h', 'զ': 'q',
}

// Keyword rules: what else a disguised keyword needs to be reported.
const (
	kwAlone  = iota // the word alone: it has no use in decorative prose
	kwCall          // followed by '(' (alert(1), eval(x))
	kwDotted        // followed by '.' (document.cookie)
	kwSQL           // with another kwSQL word anywhere in the text
)

// disguisedKeywords are words of attack payloads that someone spelling in
// look-alike or mathematical letters is hiding from a keyword filter.
// Ordinary words that decorative text uses ("alert", "document", "select")
// only count in the context their rule names.
var disguisedKeywords = map[string]int{
	"script": kwAlone, "javascript": kwAlone, "vbscript": kwAlone, "onerror": kwAlone, "onload": kwAlone,
	"onmouseover": kwAlone, "onfocus": kwAlone, "onclick": kwAlone, "ontoggle": kwAlone, "iframe": kwAlone,
	"srcdoc": kwAlone, "innerhtml": kwAlone, "outerhtml": kwAlone, "whoami": kwAlone, "passwd": kwAlone,
	"xp_cmdshell": kwAlone, "information_schema": kwAlone, "powershell": kwAlone, "cmdshell": kwAlone,
	"alert": kwCall, "prompt": kwCall, "confirm": kwCall, "eval": kwCall, "exec": kwCall, "system": kwCall,
	"sleep": kwCall, "settimeout": kwCall, "setinterval": kwCall, "fromcharcode": kwCall, "atob": kwCall,
	"document": kwDotted, "window": kwDotted,
	"select": kwSQL, "union": kwSQL, "from": kwSQL, "drop": kwSQL, "table": kwSQL, "insert": kwSQL,
	"into": kwSQL, "delete": kwSQL, "where": kwSQL, "update": kwSQL, "or": kwSQL, "and": kwSQL,
}

// disguise is what one pass over the words of a text found.
type disguise struct {
	skeleton string // the text with disguised words spelled in ASCII
	changed  bool
}

// detectDisguise finds words written to slip past keyword filters:
// keywords spelled in mathematical alphanumeric or other compatibility
// letters (𝐬𝐜𝐫𝐢𝐩𝐭), words mixing Latin letters with Cyrillic, Greek or
// Armenian look-alikes (jаvascript), and keywords spelled wholly in
// look-alikes (ЅСRІРТ). Words of real Cyrillic, Greek or Armenian text
// contain letters with no Latin look-alike and are left alone. It returns
// the text with the disguised words spelled in ASCII, for the other
// detectors to run on, or "" when nothing was disguised.
func detectDisguise(f *findings, in *input) string {
	if !isASCII(in.raw) {
		scanCompatWords(f, in.raw)
	}
	if isASCII(in.dec) {
		return ""
	}
	d := skeletonize(f, in.dec)
	if !d.changed {
		return ""
	}
	return d.skeleton
}

// scanCompatWords reports keywords written in letters that NFKC folds to
// ASCII (mathematical alphanumerics, fullwidth, circled letters).
func scanCompatWords(f *findings, s string) {
	ctx := keywordContext{lower: func() string { return asciiLower(norm.NFKC.String(s)) }, sqlWords: -1}
	forEachWord(s, func(w string, start, end int) {
		if isASCII(w) {
			return
		}
		k := strings.ToLower(norm.NFKC.String(w))
		if !isASCII(k) || k == strings.ToLower(w) {
			return
		}
		rule, ok := disguisedKeywords[k]
		if !ok {
			return
		}
		if ctx.inContext(rule, s[end:]) {
			f.add(Unicode, 0.85, "keyword spelled in mathematical or compatibility letters")
		}
	})
}

// skeletonize maps look-alike letters in words that mix them with Latin
// letters, or that spell a keyword, and reports both.
func skeletonize(f *findings, s string) disguise {
	var b strings.Builder
	last := 0
	var d disguise
	ctx := keywordContext{lower: func() string { return asciiLower(mapConfusables(s)) }, sqlWords: -1}
	forEachWord(s, func(w string, start, end int) {
		var ascii, look, other int
		for _, r := range w {
			switch _, hit := confusables[r]; {
			case r < 0x80:
				if isLetter(byte(r)) {
					ascii++
				}
			case hit:
				look++
			case unicode.IsLetter(r) || unicode.IsMark(r):
				other++
			}
		}
		if look == 0 || other > 0 {
			return
		}
		sk := strings.Map(func(r rune) rune {
			if m, hit := confusables[r]; hit {
				return m
			}
			return r
		}, w)
		k := asciiLower(sk)
		rule, isKW := disguisedKeywords[k]
		mixed := ascii > 0
		if isKW {
			if ctx.inContext(rule, s[end:]) {
				f.add(Unicode, 0.9, "keyword spelled with look-alike letters")
			} else if !mixed {
				return
			}
		}
		if mixed && utf8.RuneCountInString(w) >= 3 {
			f.add(Unicode, 0.6, "word mixing Latin and look-alike letters")
		}
		if !mixed && !isKW {
			return
		}
		b.WriteString(s[last:start])
		b.WriteString(sk)
		last = end
		d.changed = true
	})
	if d.changed {
		b.WriteString(s[last:])
		d.skeleton = b.String()
	}
	return d
}

// keywordContext answers keyword rules for one text; the SQL-word count
// is computed once, on first use.
type keywordContext struct {
	lower    func() string // the whole text, look-alikes folded, lower-cased
	sqlWords int           // -1 until counted
}

// inContext applies a keyword rule; after is the text following the word.
func (c *keywordContext) inContext(rule int, after string) bool {
	a := strings.TrimLeft(after, " \t")
	switch rule {
	case kwAlone:
		return true
	case kwCall:
		return strings.HasPrefix(a, "(")
	case kwDotted:
		return strings.HasPrefix(a, ".")
	case kwSQL:
		if c.sqlWords < 0 {
			c.sqlWords = 0
			for _, w := range strings.FieldsFunc(c.lower(), func(r rune) bool { return !(r < 0x80 && isIdent(byte(r))) }) {
				if rule, ok := disguisedKeywords[w]; ok && rule == kwSQL && w != "or" && w != "and" {
					c.sqlWords++
				}
			}
		}
		return c.sqlWords >= 2
	}
	return false
}

// mapConfusables folds every look-alike letter in s.
func mapConfusables(s string) string {
	return strings.Map(func(r rune) rune {
		if m, hit := confusables[r]; hit {
			return m
		}
		return r
	}, s)
}

// forEachWord calls fn for every maximal run of letters, digits, marks and
// '_' in s, with its byte offsets.
func forEachWord(s string, fn func(w string, start, end int)) {
	start := -1
	for i, r := range s {
		word := r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || (r >= 0x1d400 && r <= 0x1d7ff)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			fn(s[start:i], start, i)
			start = -1
		}
	}
	if start >= 0 {
		fn(s[start:], start, len(s))
	}
}
