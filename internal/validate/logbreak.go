package validate

import "strings"

// minBlankRun is the number of consecutive blank lines reported as log
// injection: enough to push a forged line out of view of a log viewer or
// to separate a forged record, more than paragraphs in a journal use.
const minBlankRun = 5

// escapedCRLFs are textual spellings of CR LF that log viewers, JSON
// decoders and templating layers turn into a real line break.
var escapedCRLFs = []string{`\r\n`, `\x0d\x0a`, `\u000d\u000a`, `\015\012`}

// detectLogBreaks finds line breaks that forge or hide log lines whatever
// the next line looks like: Unicode line and paragraph separators (a line
// break to many log viewers and JavaScript, invisible in most editors), a
// bare carriage return (the terminal returns to the start of the line and
// overwrites it), long runs of blank lines, and an escaped "\r\n" glued to
// the text around it. Prose that talks about "\r\n" has it as a word of its
// own.
func detectLogBreaks(f *findings, in *input) {
	for _, v := range in.views() {
		if !isASCII(v) && (strings.Contains(v, "\u2028") || strings.Contains(v, "\u2029")) {
			f.add(LineBreak, 0.85, "Unicode line or paragraph separator")
		}
	}
	scanBareCR(f, in.raw)
	if in.encBreak {
		scanBareCR(f, in.dec)
	}
	scanBlankRuns(f, in.raw)
	if in.encBreak || in.escBreak {
		scanBlankRuns(f, in.dec)
	}
	if in.escBreak {
		for _, e := range escapedCRLFs {
			forEach(in.rawLower, e, func(i int) {
				if gluedEscape(in.rawLower, i, len(e)) {
					f.add(LineBreak, 0.85, "escaped CR LF inside a line")
				}
			})
		}
	}
}

// scanBareCR reports a CR that is not part of CR LF and is followed, on the
// same line, by visible text.
func scanBareCR(f *findings, s string) {
	for i := strings.IndexByte(s, '\r'); i >= 0 && i < len(s); {
		j := i + 1
		if j < len(s) && s[j] != '\n' && s[j] != '\r' {
			k := j
			for k < len(s) && s[k] != '\n' && s[k] != '\r' && isSpace(s[k]) {
				k++
			}
			if k < len(s) && s[k] != '\n' && s[k] != '\r' {
				f.add(LineBreak, 0.8, "bare carriage return overwriting the line")
				return
			}
		}
		n := strings.IndexByte(s[j:], '\r')
		if n < 0 {
			return
		}
		i = j + n
	}
}

// scanBlankRuns reports minBlankRun or more blank lines in a row followed
// by more text.
func scanBlankRuns(f *findings, s string) {
	breaks := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n':
			breaks++
		case c == '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			breaks++
		case c == ' ' || c == '\t':
		default:
			if breaks > minBlankRun {
				f.add(LineBreak, 0.75, "run of blank lines")
				return
			}
			breaks = 0
		}
	}
}

// gluedEscape reports whether the escape at l[i:i+n] (and any escapes
// right after it) touches a word on either side, as in "ok\r\nadmin
// logged in", rather than standing alone as in "Windows uses \r\n here".
func gluedEscape(l string, i, n int) bool {
	j := i + n
	for j < len(l) && j-i < 64 && l[j] == '\\' && j+1 < len(l) && (l[j+1] == 'r' || l[j+1] == 'n') {
		j += 2
	}
	if j >= len(l) {
		return false // nothing follows the break
	}
	before := i > 0 && !isSpace(l[i-1]) && strings.IndexByte("`'\"(", l[i-1]) < 0
	after := isAlnum(l[j]) || strings.IndexByte("[<{", l[j]) >= 0
	return before || after
}
