package validate

import (
	"slices"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestASCIILower checks asciiLower at the ends of 'A'..'Z': as the first
// upper-case letter (which starts the copy) and after it, and that the
// bytes either side of the range, non-ASCII and invalid UTF-8 are kept.
func TestASCIILower(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"A", "a"},
		{"Z", "z"},
		{"xA", "xa"},
		{"xZ", "xz"},
		{"AZ", "az"},
		{"ZA", "za"},
		{"@[`{", "@[`{"},
		{"M@[`{AZ", "m@[`{az"},
		{"SELECT * FROM Users", "select * from users"},
		{"É\xffQ", "É\xffq"},
	}
	for _, tt := range tests {
		if got := asciiLower(tt.in); got != tt.want {
			t.Errorf("asciiLower(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestHasPrefixAt checks the case-insensitive match that the shell
// detector's $IFS check relies on: a match at the start, in the middle
// and in upper case, a byte that differs anywhere in the prefix, and an
// index out of range or too near the end.
func TestHasPrefixAt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		i    int
		p    string
		want bool
	}{
		{"$ifs/etc", 0, "$ifs", true},
		{"cat$ifs", 3, "$ifs", true},
		{"cat${IFS}x", 3, "${ifs}", true},
		{"cat$IfS", 3, "$ifs", true},
		{"AZ", 0, "az", true}, // both ends of 'A'..'Z'
		{"$ifx", 0, "$ifs", false},
		{"$xfs", 0, "$ifs", false},
		{"#ifs", 0, "$ifs", false},
		{"cat$ifs", 4, "$ifs", false},
		{"cat$if", 3, "$ifs", false},
		{"$ifs", -1, "$ifs", false},
		{"$ifs", 0, "", true},
		{"[ifs", 0, "{ifs", false}, // '[' is not the upper case of '{'
		{"@ifs", 0, "`ifs", false}, // nor '@' of '`'
	}
	for _, tc := range tests {
		if got := hasPrefixAt(tc.s, tc.i, tc.p); got != tc.want {
			t.Errorf("hasPrefixAt(%q, %d, %q) = %v, want %v", tc.s, tc.i, tc.p, got, tc.want)
		}
	}
}

// TestIsSpace checks isSpace against unicode.IsSpace, which for ASCII is
// the same six bytes (space, tab, LF, VT, FF, CR): every byte value, so
// both ends of '\t'..'\r' and the bytes just outside it ('\b', 0x0e).
// Bytes at or above 0x80 are never space, though U+0085 and U+00A0 are:
// the scanners look at bytes, not runes.
func TestIsSpace(t *testing.T) {
	t.Parallel()
	for c := 0; c < 256; c++ {
		want := c < utf8.RuneSelf && unicode.IsSpace(rune(c))
		if got := isSpace(byte(c)); got != want {
			t.Errorf("isSpace(%#02x) = %v, want %v", c, got, want)
		}
	}
}

// TestSkipSpaceBack checks the backward skip: it stops at the last byte
// that is not space, including the byte at i itself, skips every kind of
// ASCII space (tab and CR are the ends of the range), and returns -1 when
// everything from i back to the start is space, also when only s[0] is
// left to look at.
func TestSkipSpaceBack(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		i    int
		want int
	}{
		{"", -1, -1},
		{"x", 0, 0},
		{" ", 0, -1},
		{"\t", 0, -1},
		{"\r", 0, -1},
		{"   ", 2, -1},
		{" x", 0, -1},
		{"x  ", 2, 0},
		{"ab", 1, 1},
		{"a b ", 3, 2},
		{"a \t\n\v\f\r", 6, 0},
		{"a\b", 1, 1},   // backspace, just below '\t', is not space
		{"a\x0e", 1, 1}, // nor 0x0e, just above '\r'
		{"a\xa0", 1, 1}, // nor a byte of non-ASCII
	}
	for _, tc := range tests {
		if got := skipSpaceBack(tc.s, tc.i); got != tc.want {
			t.Errorf("skipSpaceBack(%q, %d) = %d, want %d", tc.s, tc.i, got, tc.want)
		}
	}
}

// TestInSet checks word membership in a space-separated list: the first,
// a middle and the last word, a list of one word (which the SQL matcher's
// m.op(j, "=") passes), a word that is only part of a list word or spans
// two, the empty word, and a word with a space in it, which is never a
// list word, even where the list has two spaces in a row.
func TestInSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		w, list string
		want    bool
	}{
		{"get", "get post put", true},
		{"post", "get post put", true},
		{"put", "get post put", true},
		{"=", "=", true},
		{"get", "get", true},
		{"==", "= == <>", true},
		{"=", "== <>", false},
		{"po", "get post put", false},
		{"ost", "get post put", false},
		{"t p", "get post put", false},
		{"getpost", "get post", false},
		{"gets", "get", false},
		{"", "get post", false},
		{"", "", false},
		{" post", "get  post", false},
		{"post ", "post  get", false},
		{" ", "a  b", false},
		{"ab", "xab ab", true},   // the first occurrence is inside a word
		{"ab", "abx aab", false}, // every occurrence is inside a word
	}
	for _, tc := range tests {
		if got := inSet(tc.w, tc.list); got != tc.want {
			t.Errorf("inSet(%q, %q) = %v, want %v", tc.w, tc.list, got, tc.want)
		}
	}
}

// TestForEach checks that forEach reports every occurrence of sub, in
// order, overlapping ones too, including one that ends at the last byte
// and one that is the whole string.
func TestForEach(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s, sub string
		want   []int
	}{
		{"", "$", nil},
		{"abc", "$", nil},
		{"$", "$", []int{0}},
		{"ab", "ab", []int{0}},
		{"a", "ab", nil},
		{"$$", "$", []int{0, 1}},
		{"x$y$", "$", []int{1, 3}},
		{"aaa", "aa", []int{0, 1}},
		{"](a](", "](", []int{0, 3}},
		{"a(b)(c", "(", []int{1, 4}},
	}
	for _, tc := range tests {
		var got []int
		forEach(tc.s, tc.sub, func(i int) { got = append(got, i) })
		if !slices.Equal(got, tc.want) {
			t.Errorf("forEach(%q, %q) gave %v, want %v", tc.s, tc.sub, got, tc.want)
		}
	}
}
