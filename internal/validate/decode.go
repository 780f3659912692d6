package validate

import (
	"html"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// decodeRounds bounds how many layers of encoding are peeled off (double
// percent-encoding needs two; a third catches mixed entity+percent forms).
const decodeRounds = 3

// decode peels off the obfuscations that browsers, servers and log readers
// undo but a naive filter does not: compatibility forms (fullwidth letters)
// via NFKC, NUL bytes, percent-encoding (with %uXXXX and overlong UTF-8),
// HTML character references, JavaScript/JSON backslash escapes and UTF-7.
// Each round is linear and the number of rounds is fixed.
func decode(s string) string {
	t := s
	for range decodeRounds {
		u := decodeOnce(t)
		if u == t {
			break
		}
		t = u
	}
	return t
}

func decodeOnce(s string) string {
	t := s
	if !isASCII(t) {
		t = norm.NFKC.String(t)
	}
	if strings.IndexByte(t, '%') >= 0 {
		t = percentDecode(t)
	}
	if strings.IndexByte(t, '&') >= 0 {
		t = html.UnescapeString(t)
	}
	if strings.IndexByte(t, '\\') >= 0 {
		t = unescapeBackslash(t)
	}
	if strings.IndexByte(t, '+') >= 0 && strings.IndexByte(t, '-') >= 0 {
		t = decodeUTF7(t)
	}
	if !utf8.ValidString(t) {
		t = fixOverlong(t)
	}
	if strings.IndexByte(t, 0) >= 0 {
		t = strings.ReplaceAll(t, "\x00", "")
	}
	return t
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// percentDecode decodes %XX and %uXXXX; anything malformed is kept.
func percentDecode(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				b = append(b, hexVal(s[i+1])<<4|hexVal(s[i+2]))
				i += 2
				continue
			}
			if i+5 < len(s) && (s[i+1]|0x20) == 'u' && isHex(s[i+2]) && isHex(s[i+3]) && isHex(s[i+4]) && isHex(s[i+5]) {
				r := rune(hexVal(s[i+2]))<<12 | rune(hexVal(s[i+3]))<<8 | rune(hexVal(s[i+4]))<<4 | rune(hexVal(s[i+5]))
				b = utf8.AppendRune(b, r)
				i += 5
				continue
			}
		}
		b = append(b, c)
	}
	return string(b)
}

// fixOverlong maps overlong UTF-8 encodings of ASCII (e.g. C0 AE for '.',
// C0 AF for '/') to the ASCII byte, as some old decoders did.
func fixOverlong(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c == 0xc0 || c == 0xc1) && i+1 < len(s) && s[i+1]&0xc0 == 0x80 {
			b = append(b, (c&0x1f)<<6|s[i+1]&0x3f)
			i++
			continue
		}
		if c == 0xe0 && i+2 < len(s) && s[i+1]&0xe0 == 0x80 && s[i+2]&0xc0 == 0x80 {
			if r := (s[i+1]&0x3f)<<6 | s[i+2]&0x3f; r < 0x80 {
				b = append(b, r)
				i += 2
				continue
			}
		}
		b = append(b, c)
	}
	return string(b)
}

// unescapeBackslash decodes \xHH, \uHHHH, \u{H...}, three-digit octal,
// \n, \r, \t and \/ as JavaScript, JSON and C string literals do.
func unescapeBackslash(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b = append(b, c)
			continue
		}
		n := s[i+1]
		switch {
		case n == 'n':
			b = append(b, '\n')
			i++
		case n == 'r':
			b = append(b, '\r')
			i++
		case n == 't':
			b = append(b, '\t')
			i++
		case n == '/':
			b = append(b, '/')
			i++
		case (n == 'x' || n == 'X') && i+3 < len(s) && isHex(s[i+2]) && isHex(s[i+3]):
			b = append(b, hexVal(s[i+2])<<4|hexVal(s[i+3]))
			i += 3
		case n == 'u' && i+5 < len(s) && isHex(s[i+2]) && isHex(s[i+3]) && isHex(s[i+4]) && isHex(s[i+5]):
			r := rune(hexVal(s[i+2]))<<12 | rune(hexVal(s[i+3]))<<8 | rune(hexVal(s[i+4]))<<4 | rune(hexVal(s[i+5]))
			b = utf8.AppendRune(b, r)
			i += 5
		case n == 'u' && i+3 < len(s) && s[i+2] == '{':
			j, r := i+3, rune(0)
			for j < len(s) && j < i+9 && isHex(s[j]) {
				r = r<<4 | rune(hexVal(s[j]))
				j++
			}
			if j < len(s) && s[j] == '}' && j > i+3 {
				b = utf8.AppendRune(b, r)
				i = j
			} else {
				b = append(b, c)
			}
		case n >= '0' && n <= '3' && i+3 < len(s) && s[i+2] >= '0' && s[i+2] <= '7' && s[i+3] >= '0' && s[i+3] <= '7':
			b = append(b, (n-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 3
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// decodeUTF7 decodes UTF-7 shifted sequences ("+ADw-" is '<') when they
// decode to printable ASCII, the form used to smuggle markup past filters.
func decodeUTF7(s string) string {
	var b []byte
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '+' {
			continue
		}
		j := i + 1
		for j < len(s) && isBase64(s[j]) {
			j++
		}
		out, ok := utf7Run(s[i+1 : j])
		if !ok {
			i = j - 1
			continue
		}
		if b == nil {
			b = make([]byte, 0, len(s))
		}
		b = append(b, s[last:i]...)
		b = append(b, out...)
		if j < len(s) && s[j] == '-' {
			j++
		}
		last = j
		i = j - 1
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

func isBase64(c byte) bool { return isAlnum(c) || c == '+' || c == '/' }

func utf7Run(run string) ([]byte, bool) {
	if len(run) < 3 || len(run) > 64 {
		return nil, false
	}
	var acc uint32
	var bits int
	var out []byte
	for k := 0; k < len(run); k++ {
		acc = acc<<6 | uint32(b64Val(run[k]))
		bits += 6
		if bits >= 16 {
			bits -= 16
			u := (acc >> uint(bits)) & 0xffff
			if u < 0x20 || u > 0x7e {
				return nil, false
			}
			out = append(out, byte(u))
		}
	}
	if acc&(1<<uint(bits)-1) != 0 || len(out) == 0 {
		return nil, false
	}
	return out, true
}

func b64Val(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return c - 'A'
	case c >= 'a' && c <= 'z':
		return c - 'a' + 26
	case isDigit(c):
		return c - '0' + 52
	case c == '+':
		return 62
	}
	return 63
}

// stripTags removes every complete tag-like segment "<x...>" that holds no
// other '<', as a single-pass sanitiser would; what is left reveals tags
// split by nesting, such as "<scr<script>ipt>".
func stripTags(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for i < len(s) {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				b.WriteString(s[i:])
				break
			}
			b.WriteString(s[i : i+j])
			i += j
			continue
		}
		j := -1
		for k := i + 1; k < len(s); k++ {
			if s[k] == '<' || s[k] == '>' {
				j = k - i - 1
				break
			}
		}
		if j >= 0 && s[i+1+j] == '>' && i+1 < len(s) && (isLetter(s[i+1]) || s[i+1] == '/' || s[i+1] == '!' || s[i+1] == '?') {
			i += j + 2
			continue
		}
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		b.WriteString(s[i : i+1+j])
		i += 1 + j
	}
	return b.String()
}
