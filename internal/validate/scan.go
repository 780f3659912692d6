package validate

import "strings"

// Byte-level helpers shared by the scanners. They treat input as bytes, so
// they work on invalid UTF-8 and keep byte offsets stable.

func isLetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isHex(c byte) bool    { return isDigit(c) || ((c|0x20) >= 'a' && (c|0x20) <= 'f') }
func isAlnum(c byte) bool  { return isLetter(c) || isDigit(c) }
func isIdent(c byte) bool  { return isAlnum(c) || c == '_' }

// isSpace reports ASCII white space (space, tab, LF, VT, FF, CR).
func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

func hexVal(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	default:
		return (c | 0x20) - 'a' + 10
	}
}

// asciiLower lower-cases ASCII letters only, keeping byte offsets.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			// One allocation: the builder's buffer becomes the result.
			var b strings.Builder
			b.Grow(len(s))
			b.WriteString(s[:i])
			for j := i; j < len(s); j++ {
				c := s[j]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				b.WriteByte(c)
			}
			return b.String()
		}
	}
	return s
}

// skipSpace returns the first index at or after i that is not ASCII space.
func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// skipSpaceBack returns the last index at or before i that is not ASCII
// space, or -1.
func skipSpaceBack(s string, i int) int {
	for i >= 0 && isSpace(s[i]) {
		i--
	}
	return i
}

// identAt returns the identifier (letters, digits, '_') starting at i.
func identAt(s string, i int) string {
	j := i
	for j < len(s) && isIdent(s[j]) {
		j++
	}
	return s[i:j]
}

// hasPrefixAt reports whether s[i:] starts with the lower-case prefix p,
// comparing ASCII case-insensitively.
func hasPrefixAt(s string, i int, p string) bool {
	if i < 0 || len(s)-i < len(p) {
		return false
	}
	for k := 0; k < len(p); k++ {
		c := s[i+k]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[k] {
			return false
		}
	}
	return true
}

// inSet reports whether w is one of the words in the space-separated list.
// It searches the list with strings.Index (vectorised) and checks word
// boundaries, so a miss costs about one pass over the list.
func inSet(w, list string) bool {
	if w == "" || strings.IndexByte(w, ' ') >= 0 {
		return false
	}
	for off := 0; off+len(w) <= len(list); {
		i := strings.Index(list[off:], w)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(w)
		if (i == 0 || list[i-1] == ' ') && (end == len(list) || list[end] == ' ') {
			return true
		}
		off = i + 1
	}
	return false
}

// forEach calls fn with the index of every occurrence of sub in s.
func forEach(s, sub string, fn func(i int)) {
	for off := 0; off <= len(s)-len(sub); {
		j := strings.Index(s[off:], sub)
		if j < 0 {
			return
		}
		fn(off + j)
		off += j + 1
	}
}
