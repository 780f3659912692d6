package validate

import (
	"strings"
	"testing"
)

// TestLogBreakMutBareCR pins scanBareCR: a CR at offset 0, at the end, before
// blanks only, before LF or CR, and CR CR followed by text.
func TestLogBreakMutBareCR(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    string
		want float64
	}{
		{"CR first overwrites", "\rX", 0.8},
		{"CR last", "x\r", 0},
		{"CR then blank only", "\r ", 0},
		{"CR then blanks only", "\r  ", 0},
		{"CR then blank then LF", "\r \nx", 0},
		{"CR blank text", "\r x", 0.8},
		{"CR CR text", "\r\rx", 0.8},
		{"CR CR blank text", "\r\r x", 0.8},
		{"CR LF text", "a\r\nb", 0},
		{"no CR", "abc", 0},
	}
	for _, tc := range tests {
		if got := scanFinding(scanBareCR, LineBreak, tc.s).Confidence; got != tc.want {
			t.Errorf("%s: scanBareCR(%q) = %v, want %v", tc.name, tc.s, got, tc.want)
		}
	}
}

// TestLogBreakMutBlankRuns pins scanBlankRuns: CR LF counts as one break,
// a CR at either end, and the minBlankRun boundary.
func TestLogBreakMutBlankRuns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    string
		want float64
	}{
		{"three CRLF", "a" + strings.Repeat("\r\n", 3) + "b", 0},
		{"five CRLF", "a" + strings.Repeat("\r\n", 5) + "b", 0},
		{"six CRLF", "a" + strings.Repeat("\r\n", 6) + "b", 0.75},
		{"five LF", "a" + strings.Repeat("\n", 5) + "b", 0},
		{"six LF", "a" + strings.Repeat("\n", 6) + "b", 0.75},
		{"six CR", "a" + strings.Repeat("\r", 6) + "b", 0.75},
		{"CR first", "\rx", 0},
		{"CR last", "x\r", 0},
		{"blanks between breaks", "a\n \n\t\n\n\n\nb", 0.75},
		{"run without text after", "a" + strings.Repeat("\n", 8), 0},
	}
	for _, tc := range tests {
		if got := scanFinding(scanBlankRuns, LineBreak, tc.s).Confidence; got != tc.want {
			t.Errorf("%s: scanBlankRuns(%q) = %v, want %v", tc.name, tc.s, got, tc.want)
		}
	}
}

// TestLogBreakMutGluedEscape pins gluedEscape on escapes followed by more
// escapes, the 64-byte cap, a trailing backslash and the characters that
// count as a word on either side.
func TestLogBreakMutGluedEscape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		l    string
		i, n int
		want bool
	}{
		{"nothing follows", `\r\n`, 0, 4, false},
		{"text follows", `\r\nx`, 0, 4, true},
		{"escaped LF then text", `\r\n\nx`, 0, 4, true},
		{"escaped CR then text", `\r\n\rx`, 0, 4, true},
		{"escaped LF then blank", `\r\n\n x`, 0, 4, false},
		{"other escape then text", `\r\n\tx`, 0, 4, false},
		{"trailing backslash", `\r\n\`, 0, 4, false},
		{"escapes up to the cap", `\r\n` + strings.Repeat(`\n`, 31) + "x", 0, 4, false},
		{"escapes below the cap", `\r\n` + strings.Repeat(`\n`, 30) + "x", 0, 4, true},
		{"cap counts from i", strings.Repeat(" ", 60) + `\r\n\nx`, 60, 4, true},
		{"cap counts from i, long run", " " + `\r\n` + strings.Repeat(`\n`, 31) + "x", 1, 4, false},
		{"word before", `a\r\n x`, 1, 4, true},
		{"blank before", ` \r\n x`, 1, 4, false},
		{"backtick before", "`" + `\r\n x`, 1, 4, false},
		{"paren before", `(\r\n x`, 1, 4, false},
		{"bracket after", `\r\n[x`, 0, 4, true},
		{"brace after", `\r\n{x`, 0, 4, true},
		{"blank after", `\r\n x`, 0, 4, false},
	}
	for _, tc := range tests {
		if got := gluedEscape(tc.l, tc.i, tc.n); got != tc.want {
			t.Errorf("%s: gluedEscape(%q, %d, %d) = %v, want %v", tc.name, tc.l, tc.i, tc.n, got, tc.want)
		}
	}
}
