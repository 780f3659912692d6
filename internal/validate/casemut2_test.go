package validate

import (
	"fmt"
	"strings"
	"testing"
)

// TestCaseMutRestUnescapeBackslash pins unescapeBackslash on escapes cut
// short at the end of the text and on the first and last octal digits.
func TestCaseMutRestUnescapeBackslash(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`\x4`, `\x4`},
		{`\x41`, "A"},
		{`\u004`, `\u004`},
		{`\u0041`, "A"},
		{`\u41`, `\u41`},
		{`\u`, `\u`},
		{`\u{`, `\u{`},
		{`\u{41}`, "A"},
		{`\012`, "\n"},
		{`\01`, `\01`},
		{`\101`, "A"},
		{`\010`, "\b"},
		{`\017`, "\x0f"},
		{`\018`, `\018`},
		{`\080`, `\080`},
		{`\377`, "\xff"},
		{`\312`, "\xca"},
		{`\477`, `\477`},
	}
	for _, tc := range tests {
		noPanic(t, fmt.Sprintf("unescapeBackslash(%q)", tc.in), func() {
			if got := unescapeBackslash(tc.in); got != tc.want {
				t.Errorf("unescapeBackslash(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestCaseMutRestB64Val pins b64Val at the ends of each letter range and on
// '+' and '/'.
func TestCaseMutRestB64Val(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c    byte
		want byte
	}{
		{'A', 0}, {'Z', 25}, {'a', 26}, {'z', 51}, {'0', 52}, {'9', 61}, {'+', 62}, {'/', 63},
	}
	for _, tc := range tests {
		if got := b64Val(tc.c); got != tc.want {
			t.Errorf("b64Val(%q) = %d, want %d", tc.c, got, tc.want)
		}
	}
}

// TestCaseMutRestForbiddenControl pins isForbiddenControl at the C1 range
// ends.
func TestCaseMutRestForbiddenControl(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r    rune
		want bool
	}{
		{0x7f, true}, {0x80, true}, {0x9f, true}, {0xa0, false}, {0x1f, true}, {0x20, false}, {'\t', false},
	}
	for _, tc := range tests {
		if got := isForbiddenControl(tc.r); got != tc.want {
			t.Errorf("isForbiddenControl(%#x) = %v, want %v", tc.r, got, tc.want)
		}
	}
}

// TestCaseMutRestNextFlagState pins nextFlagState at the tag-letter range
// ends, the eight-tag limit and the CANCEL TAG.
func TestCaseMutRestNextFlagState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		state int
		r     rune
		want  int
	}{
		{-1, 0x1f3f4, 0},
		{0, 0xe0020, 1},
		{0, 0xe001f, -1},
		{0, 0xe007e, 1},
		{3, 0xe0061, 4},
		{7, 0xe0061, 8},
		{8, 0xe0061, -1},
		{-1, 0xe0061, -1},
		{0, 0xe007f, 8},
		{7, 0xe007f, 8},
		{8, 0xe007f, -1},
		{-1, 0xe007f, -1},
		{0, 'a', -1},
	}
	for _, tc := range tests {
		if got := nextFlagState(tc.state, tc.r); got != tc.want {
			t.Errorf("nextFlagState(%d, %#x) = %d, want %d", tc.state, tc.r, got, tc.want)
		}
	}
}

// TestCaseMutRestCombiningMarks pins detectUnicode on runs of combining
// marks around the 4 and MaxCombiningRun thresholds.
func TestCaseMutRestCombiningMarks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int
		want Detection
	}{
		{4, Detection{}},
		{5, Detection{Unicode, 0.7, "long run of combining marks"}},
		{MaxCombiningRun, Detection{Unicode, 0.7, "long run of combining marks"}},
		{MaxCombiningRun + 1, Detection{Unicode, 0.9, "flood of combining marks"}},
	}
	for _, tc := range tests {
		var f findings
		s := "a" + strings.Repeat("\u0301", tc.n)
		detectUnicode(&f, s)
		if got := f[classIndex(Unicode)]; got != tc.want {
			t.Errorf("detectUnicode(a + %d marks) = %+v, want %+v", tc.n, got, tc.want)
		}
	}
}

// TestCaseMutRestScanLines pins scanLines on each kind of line break (CR,
// NEL, U+2028, U+2029), a NEL lead byte at the end and plain text.
func TestCaseMutRestScanLines(t *testing.T) {
	t.Parallel()
	enc := Detection{CRLF, 0.6, "encoded line break"}
	tests := []struct {
		name, text string
		want       Detection
	}{
		{"no break", "ab", Detection{}},
		{"cr", "a\rfoo", enc},
		{"nel", "a\u0085foo", enc},
		{"nel lead byte at the end", "a\xc2", Detection{}},
		{"nel lead byte then other", "a\xc2xfoo", Detection{}},
		{"u2028", "a\u2028foo", enc},
		{"u2029", "a\u2029foo", enc},
	}
	for _, tc := range tests {
		noPanic(t, tc.name, func() {
			var f findings
			scanLines(&f, tc.text, true)
			if got := f[classIndex(CRLF)]; got != tc.want {
				t.Errorf("%s: scanLines(%q) = %+v, want %+v", tc.name, tc.text, got, tc.want)
			}
		})
	}
}

// TestCaseMutRestForgedLine pins checkForgedLine's last encoded case.
func TestCaseMutRestForgedLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line    string
		encoded bool
		want    Detection
	}{
		{"foo", true, Detection{CRLF, 0.6, "encoded line break"}},
		{"foo", false, Detection{}},
		{"<b>", true, Detection{CRLF, 0.85, "encoded line break before markup"}},
	}
	for _, tc := range tests {
		var f findings
		checkForgedLine(&f, tc.line, tc.encoded, false)
		if got := f[classIndex(CRLF)]; got != tc.want {
			t.Errorf("checkForgedLine(%q, %v) = %+v, want %+v", tc.line, tc.encoded, got, tc.want)
		}
	}
}

// TestCaseMutRestTerminal pins detectTerminal on an 8-bit CSI and a lone
// 0xc2 byte.
func TestCaseMutRestTerminal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want float64
	}{
		{"\u009b", 0.9},
		{"x\u009b", 0.9},
		{"a\xc2", 0},
		{"ab", 0},
	}
	for _, tc := range tests {
		noPanic(t, fmt.Sprintf("detectTerminal(%q)", tc.text), func() {
			var f findings
			detectTerminal(&f, sameInput(tc.text))
			if got := f[classIndex(TerminalEscape)].Confidence; got != tc.want {
				t.Errorf("detectTerminal(%q) = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
}

// TestCaseMutRestWrappers pins scanWrappers on each PHP wrapper, a generic
// scheme and data: with and without a payload.
func TestCaseMutRestWrappers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want Detection
	}{
		{"php://x", Detection{PathTraversal, 0.95, "PHP stream wrapper"}},
		{"php://", Detection{PathTraversal, 0.95, "PHP stream wrapper"}},
		{"expect://id", Detection{PathTraversal, 0.95, "PHP stream wrapper"}},
		{"phar://x", Detection{PathTraversal, 0.95, "PHP stream wrapper"}},
		{"compress.zlib://x", Detection{PathTraversal, 0.95, "PHP stream wrapper"}},
		{"compress.bzip2://x", Detection{PathTraversal, 0.95, "PHP stream wrapper"}},
		{"gopher://x", Detection{PathTraversal, 0.85, "stream wrapper or internal-service URL"}},
		{"data://x", Detection{PathTraversal, 0.85, "stream wrapper or internal-service URL"}},
		{"data://", Detection{}},
	}
	for _, tc := range tests {
		var f findings
		scanWrappers(&f, tc.text)
		if got := f[classIndex(PathTraversal)]; got != tc.want {
			t.Errorf("scanWrappers(%q) = %+v, want %+v", tc.text, got, tc.want)
		}
	}
}

// TestCaseMutRestTraversal pins scanTraversal at two and three "../".
func TestCaseMutRestTraversal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want float64
	}{
		{"../../x", 0.85},
		{"../../../x", 0.95},
	}
	for _, tc := range tests {
		var f findings
		scanTraversal(&f, tc.text)
		if got := f[classIndex(PathTraversal)].Confidence; got != tc.want {
			t.Errorf("scanTraversal(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

// TestCaseMutRestLDAP pins detectLDAP's "component after a wildcard" case
// where the fallback "*)(" check does not fire (its first "*)(" is not
// followed by a component), and at i == 2, where it must win over a later
// equally strong "after a closed one".
func TestCaseMutRestLDAP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want Detection
	}{
		{"*)()*)(foo=bar", Detection{LDAP, 0.9, "LDAP filter component injected after a wildcard"}},
		{"*)(foo=bar)(cn=x", Detection{LDAP, 0.9, "LDAP filter component injected after a wildcard"}},
		{"x)(foo=bar", Detection{}},
		{"**(foo=bar", Detection{}},
	}
	for _, tc := range tests {
		noPanic(t, fmt.Sprintf("detectLDAP(%q)", tc.text), func() {
			var f findings
			detectLDAP(&f, sameInput(tc.text))
			if got := f[classIndex(LDAP)]; got != tc.want {
				t.Errorf("detectLDAP(%q) = %+v, want %+v", tc.text, got, tc.want)
			}
		})
	}
}

// TestCaseMutRestLDAPComponent pins ldapComponent on a bare attribute, "~="
// and the extensible ":=" operator.
func TestCaseMutRestLDAPComponent(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, attr, op, val string }{
		{"foo", "", "", ""},
		{"cn=x", "cn", "=", "x"},
		{"cn~=x", "cn", "~=", "x"},
		{"cn>=x", "cn", ">=", "x"},
		{"cn:dn:=x", "cn", ":=", "x"},
		{"cn:x", "", "", ""},
	}
	for _, tc := range tests {
		noPanic(t, fmt.Sprintf("ldapComponent(%q)", tc.in), func() {
			attr, op, val := ldapComponent(tc.in, 0)
			if attr != tc.attr || op != tc.op || val != tc.val {
				t.Errorf("ldapComponent(%q, 0) = %q, %q, %q, want %q, %q, %q", tc.in, attr, op, val, tc.attr, tc.op, tc.val)
			}
		})
	}
}
