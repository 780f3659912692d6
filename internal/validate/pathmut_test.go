package validate

import (
	"errors"
	"strings"
	"testing"
)

// TestPathMutTraversal pins scanTraversal on the inputs that decide its
// branches: segment runs, ";" segments, the "....//" bypass, identifiers
// before "..", what a segment reaches, and backslash paths.
func TestPathMutTraversal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		l    string
		want float64
	}{
		{"two segments", "../../x", 0.85},
		{"three segments", "../../../x", 0.95},
		{"one segment", "../x", 0},
		{"ident before first segment", "a../../x", 0},
		{"semicolon segments", "..;/..;/x", 0.85},
		{"semicolon at the end", "/..;", 0},
		{"doubled separator between segments", "..//../x", 0.85},
		{"filter bypass at start", "....//", 0.85},
		{"filter bypass after a word", "x....//", 0.85},
		{"five dots", ".....//", 0},
		{"segment to sensitive file", "../etc/passwd", 0.95},
		{"doubled separator to sensitive file", "..//etc/passwd", 0.7},
		{"backslash first", `\etc\passwd`, 0.7},
		{"backslash later", `x\etc\passwd`, 0.7},
		{"slash path", "/etc/passwd", 0.7},
		{"dots at the end", "x/..", 0},
		{"file url", "file://x", 0.8},
	}
	for _, tc := range tests {
		if got := scanFinding(scanTraversal, PathTraversal, tc.l).Confidence; got != tc.want {
			t.Errorf("%s: scanTraversal(%q) = %v, want %v", tc.name, tc.l, got, tc.want)
		}
	}
}

// TestPathMutWrappers pins scanWrappers: the jar: separator, the word
// boundary before the scheme and an empty data:// URL.
func TestPathMutWrappers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		l    string
		want float64
	}{
		{"jar file", "jar:file:///x", 0.85},
		{"jar other", "jar:x", 0},
		{"php filter", "php://filter", 0.95},
		{"dot before scheme", "x.php://a", 0},
		{"underscore before scheme", "x_php://a", 0},
		{"letter before scheme", "xphp://a", 0},
		{"blank before scheme", " php://a", 0.95},
		{"empty data url", "data://", 0},
		{"data url", "data://x", 0.85},
		{"data without slashes", "data:text", 0},
	}
	for _, tc := range tests {
		if got := scanFinding(scanWrappers, PathTraversal, tc.l).Confidence; got != tc.want {
			t.Errorf("%s: scanWrappers(%q) = %v, want %v", tc.name, tc.l, got, tc.want)
		}
	}
}

// TestPathMutUNC pins scanUNC: the word boundary before "\\", runs of
// backslashes, the 253-byte host cap, what may follow the share separator
// and which short hosts count.
func TestPathMutUNC(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		l    string
		want float64
	}{
		{"unc path", `\\host\share`, 0.85},
		{"letter before", `a\\host\share`, 0},
		{"colon before", `c:\\dir\x`, 0},
		{"dot before", `.\\host\share`, 0},
		{"blank before", ` \\host\share`, 0.85},
		{"backslashes only", `\\\`, 0},
		{"host only", `\\host`, 0},
		{"host and separator", `\\host\`, 0},
		{"host at the cap", `\\` + strings.Repeat("a", 253) + `\x`, 0.85},
		{"host over the cap", `\\` + strings.Repeat("a", 254) + `\x`, 0},
		{"dollar share", `\\host\$x`, 0.85},
		{"underscore share", `\\host\_x`, 0.85},
		{"percent share", `\\host\%x`, 0.85},
		{"dash share", `\\host\-x`, 0},
		{"dot device", `\\.\pipe\x`, 0.85},
		{"question device", `\\?\c:\x`, 0.85},
		{"two-digit host", `\\12\share`, 0.85},
		{"one-digit host", `\\1\share`, 0},
		{"one-letter host", `\\a\share`, 0.85},
		{"nt object path", `\??\x`, 0.9},
	}
	for _, tc := range tests {
		if got := scanFinding(scanUNC, PathTraversal, tc.l).Confidence; got != tc.want {
			t.Errorf("%s: scanUNC(%q) = %v, want %v", tc.name, tc.l, got, tc.want)
		}
	}
}

// TestPolicyMutParseError pins the 1-based entry number in ParsePolicy's
// malformed-entry error.
func TestPolicyMutParseError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		want string
	}{
		{"sql", "validate: invalid policy: entry 1 is not class=action"},
		{"sql=flag,,", "validate: invalid policy: entry 2 is not class=action"},
	}
	for _, tc := range tests {
		_, err := ParsePolicy(tc.s)
		if err == nil || !errors.Is(err, ErrPolicy) || err.Error() != tc.want {
			t.Errorf("ParsePolicy(%q) error = %v, want %q", tc.s, err, tc.want)
		}
	}
}

// TestPolicyMutDecide pins Decide's choice of the highest-priority class
// when the first rejecting detection has index 0.
func TestPolicyMutDecide(t *testing.T) {
	t.Parallel()
	p, err := ParsePolicy("all=reject")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ds   []Detection
		want Class
	}{
		{[]Detection{{Class: classOrder[0]}, {Class: PathTraversal}}, classOrder[0]},
		{[]Detection{{Class: PathTraversal}, {Class: classOrder[0]}}, classOrder[0]},
		{[]Detection{{Class: SQL}, {Class: CRLF}, {Class: SQL}}, CRLF},
	}
	for _, tc := range tests {
		rej, c := p.Decide(tc.ds)
		if !rej || c != tc.want {
			t.Errorf("Decide(%v) = %v, %q, want true, %q", tc.ds, rej, c, tc.want)
		}
	}
}
