package validate

import (
	"errors"
	"strings"
	"testing"
)

// queryMutCode returns the FieldError code of err, "" for nil and "?" for
// any other error.
func queryMutCode(err error) string {
	if err == nil {
		return ""
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Code
	}
	return "?"
}

// TestTextMutField pins TextField around the early 4*MaxLength rejection
// (bytes against code points, and which error wins over a control
// character), MinLength equal to the length, and blank text with and
// without a minimum.
func TestTextMutField(t *testing.T) {
	t.Parallel()
	const e = "\u00e9" // two bytes, one code point, already NFC
	tests := []struct {
		name     string
		text     string
		lim      Limits
		want     string
		wantCode string
	}{
		{"more than 4*max code points", "aaaaa\x01", Limits{MaxLength: 1}, "", CodeTooLong},
		{"exactly 4*max code points in more bytes", e + "aa\x01", Limits{MaxLength: 1}, "", CodeControl},
		{"fewer than 4*max code points in more bytes", e + e + "\x01", Limits{MaxLength: 1}, "", CodeControl},
		{"max 2, six code points in eleven bytes", strings.Repeat(e, 5) + "\x01", Limits{MaxLength: 2}, "", CodeControl},
		{"max 2, nine code points", strings.Repeat("a", 8) + "\x01", Limits{MaxLength: 2}, "", CodeTooLong},
		{"length equal to max", "ab", Limits{MaxLength: 2}, "ab", ""},
		{"length above max", "abc", Limits{MaxLength: 2}, "", CodeTooLong},
		{"length equal to min", "ab", Limits{MinLength: 2}, "ab", ""},
		{"length below min", "a", Limits{MinLength: 2}, "", CodeTooShort},
		{"blank without min", "  ", Limits{}, "  ", ""},
		{"blank with min", "  ", Limits{MinLength: 1}, "", CodeBlank},
	}
	for _, tc := range tests {
		got, err := TextField("f", tc.text, tc.lim)
		if got != tc.want || queryMutCode(err) != tc.wantCode {
			t.Errorf("%s: TextField(%q, %+v) = %q, %v; want %q, code %q", tc.name, tc.text, tc.lim, got, err, tc.want, tc.wantCode)
		}
	}
}

// TestTextMutScanRunes pins scanRunes on tag characters outside a flag,
// a complete subdivision flag, and combining-mark runs at and above
// MaxCombiningRun.
func TestTextMutScanRunes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		n    int
		code string
	}{
		{"\U000E0041\U000E0041", 2, CodeZeroWidth},
		{"\U000E0041", 1, ""},
		{"\U0001F3F4\U000E0067\U000E0062\U000E007F", 4, ""},
		{"\u200b\u200b", 2, CodeZeroWidth},
		{"x" + strings.Repeat("\u0301", MaxCombiningRun), MaxCombiningRun + 1, ""},
		{"x" + strings.Repeat("\u0301", MaxCombiningRun+1), MaxCombiningRun + 2, CodeCombining},
	}
	for _, tc := range tests {
		n, code := scanRunes(tc.text)
		if n != tc.n || code != tc.code {
			t.Errorf("scanRunes(%+q) = %d, %q; want %d, %q", tc.text, n, code, tc.n, tc.code)
		}
	}
}

// TestUnicodeMutPredicates pins the range predicates at their bounds.
func TestUnicodeMutPredicates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func(rune) bool
		r    rune
		want bool
	}{
		{"isBidiControl", isBidiControl, 0x2029, false},
		{"isBidiControl", isBidiControl, 0x202a, true},
		{"isBidiControl", isBidiControl, 0x202e, true},
		{"isBidiControl", isBidiControl, 0x202f, false},
		{"isBidiControl", isBidiControl, 0x2066, true},
		{"isBidiControl", isBidiControl, 0x2069, true},
		{"isNoncharacter", isNoncharacter, 0xfdcf, false},
		{"isNoncharacter", isNoncharacter, 0xfdd0, true},
		{"isNoncharacter", isNoncharacter, 0xfdef, true},
		{"isNoncharacter", isNoncharacter, 0xfdf0, false},
		{"isInvisible", isInvisible, 0xdffff, false},
		{"isInvisible", isInvisible, 0xe0000, true},
		{"isInvisible", isInvisible, 0xe007f, true},
		{"isInvisible", isInvisible, 0xe0080, false},
		{"isMark", isMark, 0x2ff, false},
		{"isMark", isMark, 0x300, true},
		{"isLetterRune", isLetterRune, 'a', true},
		{"isLetterRune", isLetterRune, 'Z', true},
		{"isLetterRune", isLetterRune, 0x80, false},
		{"isLetterRune", isLetterRune, 0x141, false}, // low byte is 'A'
		{"isLetterRune", isLetterRune, 0x161, false}, // low byte is 'a'
	}
	for _, tc := range tests {
		if got := tc.fn(tc.r); got != tc.want {
			t.Errorf("%s(%#x) = %v, want %v", tc.name, tc.r, got, tc.want)
		}
	}
}

// TestUnicodeMutDetect pins detectUnicode on tag characters outside a
// flag, single and doubled invisible characters, and ZWJ, ZWNJ and ZWSP
// between ASCII letters or next to non-ASCII ones.
func TestUnicodeMutDetect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want float64
	}{
		{"\U000E0041\U000E0041", 0.85},
		{"\U000E0041", 0},
		{"\u200b", 0},
		{"\u200b\u200b", 0.85},
		{"a\u200db", 0},
		{"a\u200cb", 0},
		{"a\u200bb", 0.6},
		{"\u0141\u200bb", 0},
		{"a\u200b\u0141", 0},
	}
	for _, tc := range tests {
		var f findings
		detectUnicode(&f, tc.text)
		if got := f[classIndex(Unicode)].Confidence; got != tc.want {
			t.Errorf("detectUnicode(%+q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}
