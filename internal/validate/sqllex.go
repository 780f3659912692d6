package validate

import "strings"

// SQL token kinds.
const (
	tWord = iota + 1
	tNum
	tStr     // a quoted string; open is set when unterminated
	tOp      // comparison and logic operators
	tLP      // (
	tRP      // )
	tComma   // ,
	tSemi    // ;
	tStar    // *
	tComment // --, #, /* */
	tOther
)

type sqlTok struct {
	kind       uint8
	open       bool // tStr: unterminated; tComment: holds letters
	start, end int32
}

// lexSQL splits s into SQL tokens. ctx is 0 to lex from the top level, or a
// quote byte to lex as if s were pasted inside a string literal opened
// with that quote (the usual injection point); the text up to the first
// matching quote is then one string token. '+' counts as white space
// unless it sits between digits (URL-encoded spaces in payloads). The
// contents of /*!...*/ (MySQL executable comments) are lexed as code.
func lexSQL(s string, ctx byte, toks []sqlTok) []sqlTok {
	toks = toks[:0]
	i := 0
	if ctx != 0 {
		j := strings.IndexByte(s, ctx)
		if j < 0 {
			return toks
		}
		toks = append(toks, sqlTok{kind: tStr, start: 0, end: int32(j)})
		i = j + 1
	}
	execComment := false
	emit := func(kind uint8, a, b int) {
		toks = append(toks, sqlTok{kind: kind, start: int32(a), end: int32(b)})
	}
	for i < len(s) {
		c := s[i]
		switch {
		case isSpace(c):
			i++
		case c == '+' && !(i > 0 && isDigit(s[i-1]) && i+1 < len(s) && isDigit(s[i+1])):
			i++
		case isLetter(c) || c == '_' || c == '@':
			j := i + 1
			for j < len(s) && (isIdent(s[j]) || s[j] == '@' || s[j] == '$' || (s[j] == '.' && j+1 < len(s) && (isIdent(s[j+1]) || s[j+1] == '@'))) {
				j++
			}
			emit(tWord, i, j)
			i = j
		case isDigit(c):
			j := i + 1
			for j < len(s) && (isAlnum(s[j]) || s[j] == '.') {
				j++
			}
			emit(tNum, i, j)
			i = j
		case c == '\'' || c == '"' || c == '`':
			j := strings.IndexByte(s[i+1:], c)
			kind := uint8(tStr)
			if c == '`' {
				kind = tWord
			}
			if j < 0 {
				toks = append(toks, sqlTok{kind: kind, open: true, start: int32(i + 1), end: int32(len(s))})
				i = len(s)
			} else {
				emit(kind, i+1, i+1+j)
				i += j + 2
			}
		case c == '-' && i+1 < len(s) && s[i+1] == '-', c == '#':
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				j = len(s) - i
			}
			toks = append(toks, sqlTok{kind: tComment, open: hasLetter(s[i : i+j]), start: int32(i), end: int32(i + j)})
			i += j
		case c == '/' && strings.HasPrefix(s[i:], "/*!"):
			i += 3
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			execComment = true
		case c == '*' && execComment && strings.HasPrefix(s[i:], "*/"):
			i += 2
			execComment = false
		case c == '/' && strings.HasPrefix(s[i:], "/*"):
			// A closed inline comment is white space; an unclosed one
			// comments out the rest of the application's query.
			j := strings.Index(s[i+2:], "*/")
			if j >= 0 {
				i += 2 + j + 2
				continue
			}
			toks = append(toks, sqlTok{kind: tComment, open: hasLetter(s[i:]), start: int32(i), end: int32(len(s))})
			i = len(s)
		case c == '(':
			emit(tLP, i, i+1)
			i++
		case c == ')':
			emit(tRP, i, i+1)
			i++
		case c == ',':
			emit(tComma, i, i+1)
			i++
		case c == ';':
			emit(tSemi, i, i+1)
			i++
		case c == '*':
			emit(tStar, i, i+1)
			i++
		case strings.IndexByte("=<>!|&^~%/:-", c) >= 0:
			j := i + 1
			if j < len(s) && strings.IndexByte("=<>|&", s[j]) >= 0 {
				j++
			}
			if s[i:j] == "<=" && j < len(s) && s[j] == '>' {
				j++ // MySQL's NULL-safe equality, <=>
			}
			emit(tOp, i, j)
			i = j
		default:
			// Collapse runs of other bytes into one token.
			if n := len(toks); n > 0 && toks[n-1].kind == tOther && int(toks[n-1].end) == i {
				toks[n-1].end++
			} else {
				emit(tOther, i, i+1)
			}
			i++
		}
	}
	return toks
}

func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if isLetter(s[i]) {
			return true
		}
	}
	return false
}

// stripSQLComments removes /* ... */ comments (but keeps the code inside
// MySQL /*! ... */ ones), so that "UN/**/ION" reads "UNION".
func stripSQLComments(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "/*")
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		b.WriteString(s[i : i+j])
		i += j
		if strings.HasPrefix(s[i:], "/*!") {
			i += 3
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			if k := strings.Index(s[i:], "*/"); k >= 0 {
				b.WriteString(s[i : i+k])
				i += k + 2
			}
			continue
		}
		k := strings.Index(s[i+2:], "*/")
		if k < 0 {
			break
		}
		i += 2 + k + 2
	}
	return b.String()
}
