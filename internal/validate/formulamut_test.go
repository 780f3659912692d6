package validate

import (
	"math"
	"testing"
)

// TestFormulaAtEdges pins formulaAt's confidence and reason on the inputs
// that decide its branches: repeated leading signs, two-letter names,
// dotted names (com.x.y(…)) and where their loop must stop, the '=' only
// rules, cell references followed by an operator, and the number-operator-
// number arithmetic shape at the end of the body.
func TestFormulaAtEdges(t *testing.T) {
	t.Parallel()
	const (
		external = "spreadsheet formula calling an external function"
		call     = "spreadsheet formula with a function call"
		cell     = "spreadsheet formula with a cell reference"
		arith    = "spreadsheet arithmetic formula"
	)
	tests := []struct {
		s      string
		conf   float64
		reason string
	}{
		// Every '=' after the first is skipped, not only '+', '-', '@', ' '.
		{"==hyperlink(x)", 0.95, external},
		{"=+-=@ cmd(x)", 0.95, external},
		// A two-letter name is a function name.
		{"=ab(1)", 0.8, call},
		{"=a(1)", 0, ""},
		// Dotted names: each segment must start with a letter and the
		// segments are walked one by one up to the '('.
		{"=foo.bar(1)", 0.8, call},
		{"=f1.bar(1)", 0.8, call},
		{"=foo.1(x)", 0, ""},
		{"=foo.", 0, ""},
		{"=foo.bar", 0, ""},
		// Only '=' goes on to cell references and arithmetic.
		{"=A1", 0.75, cell},
		{"+A1", 0, ""},
		{"-A1+1", 0, ""},
		{"=A1+1", 0.75, cell},
		{"=A1)", 0.75, cell},
		{"=A1x", 0, ""},
		{"=1+1", 0.6, arith},
		{"=12^3", 0.6, arith},
		{"=*1", 0, ""},
		{"=1+", 0, ""},
		{"=1+a", 0, ""},
		{"=1=1", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			conf, reason := formulaAt(tt.s, 0)
			if conf != tt.conf || reason != tt.reason {
				t.Errorf("formulaAt(%q, 0) = %v, %q, want %v, %q", tt.s, conf, reason, tt.conf, tt.reason)
			}
		})
	}
}

// TestFormulaDDE pins dde: an identifier byte before '|', optional blanks,
// then a single or double quote; a '|' at the end is not a link.
func TestFormulaDDE(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		want bool
	}{
		{"cmd|' /c calc'!a0", true},
		{`cmd| "x"`, true},
		{"cmd|", false},
		{"cmd|  ", false},
		{"cmd|x", false},
		{"|'x'", false},
		{"a |'x'", false},
	}
	for _, tt := range tests {
		if got := dde(tt.body); got != tt.want {
			t.Errorf("dde(%q) = %v, want %v", tt.body, got, tt.want)
		}
	}
}

// TestFormulaCellRef pins cellRef's length on the A1 forms: '$' on either
// side, at most three upper-case letters from A to Z, at most seven
// digits, lower case and letters past Z rejected.
func TestFormulaCellRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		want int
	}{
		{"A1", 2},
		{"Z9", 2},
		{"$A1", 3},
		{"A$1", 3},
		{"$A$1+", 4},
		{"ABC1", 4},
		{"ABCD1", 0},
		{"AB", 0},
		{"A", 0},
		{"a1", 0},
		{"[1", 0},
		{"$", 0},
		{"", 0},
		{"A1234567", 8},
		{"A12345678", 8},
	}
	for _, tt := range tests {
		if got := cellRef(tt.s); got != tt.want {
			t.Errorf("cellRef(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

// TestDetectFormulaSeparators pins detectFormula's Formula finding for
// formulas after ',', ';' and tab, the up-to-three blanks it skips after a
// separator, and the 0.85 floor for a formula that is not at the start.
func TestDetectFormulaSeparators(t *testing.T) {
	t.Parallel()
	const sep = "spreadsheet formula calling an external function after a field separator"
	tests := []struct {
		s      string
		conf   float64
		reason string
	}{
		{"abc,=hyperlink(x)", 0.95 * 0.9, sep},
		{"abc;=hyperlink(x)", 0.95 * 0.9, sep},
		{"abc\t=hyperlink(x)", 0.95 * 0.9, sep},
		{"abc, =hyperlink(x)", 0.95 * 0.9, sep},
		{"abc,   =hyperlink(x)", 0.95 * 0.9, sep},
		{"abc,    =hyperlink(x)", 0, ""},
		{"abc.=hyperlink(x)", 0, ""},
		{"abc,", 0, ""},
		{"abc, ", 0, ""},
		// Below the 0.85 floor after a separator; kept at the start.
		{"abc,=sum(a1)", 0, ""},
		{"abc,=A1", 0, ""},
		{"=sum(a1)", 0.8, "spreadsheet formula with a function call"},
		{"  =A1", 0.75, "spreadsheet formula with a cell reference"},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			var f findings
			detectFormula(&f, newInput(tt.s))
			d := f[classIndex(Formula)]
			if math.Abs(d.Confidence-tt.conf) > 1e-9 || d.Reason != tt.reason {
				t.Errorf("detectFormula(%q) = %v, %q, want %v, %q", tt.s, d.Confidence, d.Reason, tt.conf, tt.reason)
			}
		})
	}
}

// TestGoTemplateActionEdges pins goTemplateAction on variable lists: each
// "$name" and its ", " separator is walked before ":=" or "= ".
func TestGoTemplateActionEdges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		want bool
	}{
		{"$k, $v := .", true},
		{"$a1 = .x", true},
		{"$a1 .x", false},
		{"$x y", false},
		{"$_ :=", true},
	}
	for _, tt := range tests {
		if got := goTemplateAction(tt.body); got != tt.want {
			t.Errorf("goTemplateAction(%q) = %v, want %v", tt.body, got, tt.want)
		}
	}
}
