package validate

import (
	"math"
	"testing"
)

type markupCase struct {
	line   string
	conf   float64
	reason string
}

func checkMarkupCases(t *testing.T, name string, scan func(*findings, string), tests []markupCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			d := scanFinding(scan, Markup, tt.line)
			if math.Abs(d.Confidence-tt.conf) > 1e-9 || d.Reason != tt.reason {
				t.Errorf("%s(%q) = %v, %q, want %v, %q", name, tt.line, d.Confidence, d.Reason, tt.conf, tt.reason)
			}
		})
	}
}

// TestScanMarkupTextEdges pins scanMarkupText on the inputs that decide
// its rules outside tags: a Markdown link target in angle brackets or not
// and a link at the very end, CSS expression() with the ':' at the start
// or missing, and CSS behavior at the start of the text.
func TestScanMarkupTextEdges(t *testing.T) {
	t.Parallel()
	const (
		mdScript = "Markdown link with script URL"
		expr     = "CSS expression()"
		behavior = "CSS behavior or binding"
	)
	checkMarkupCases(t, "scanMarkupText", scanMarkupText, []markupCase{
		{"[x](javascript:alert(1))", 0.95 * 0.95, mdScript},
		{"[x](<javascript:alert(1)>)", 0.95 * 0.95, mdScript},
		{"[x]( <javascript:x>)", 0.95 * 0.95, mdScript},
		{"[x](", 0, ""},
		{"[x]( ", 0, ""},
		{"[x](<", 0, ""},
		{"a:expression(x)", 0.85, expr},
		{":expression(x)", 0.85, expr},
		{": expression (x)", 0.85, expr},
		{"expression(x)", 0, ""},
		{"a expression(x)", 0, ""},
		{"a:expression", 0, ""},
		{"a:expression x(", 0, ""},
		{"behavior:url(x)", 0.85, behavior},
		{"xxxxxxxxbehavior:url(x)", 0.85, behavior},
		{"behavior :url(x)", 0.85, behavior},
		{"behavior url(x)", 0, ""},
		{"behavior:x", 0, ""},
	})
}

// TestScanBareSchemesEdges pins scanBareSchemes: tab, CR and LF dropped
// inside a URL, the boundary byte before the scheme, and each of the
// java/vb/live prefixes of "script:".
func TestScanBareSchemesEdges(t *testing.T) {
	t.Parallel()
	const (
		script = "bare script URL"
		data   = "bare data URL with an active document type"
	)
	checkMarkupCases(t, "scanBareSchemes", scanBareSchemes, []markupCase{
		{"javascript:alert(1)", 0.95 * 0.9, script},
		{"java\tscript:alert(1)", 0.95 * 0.9, script},
		{"java\rscript:alert(1)", 0.95 * 0.9, script},
		{"java\nscript:alert(1)", 0.95 * 0.9, script},
		{"x\tjavascript:alert(1)", 0, ""},
		{"(javascript:alert(1))", 0.95 * 0.9, script},
		{"xjavascript:alert(1)", 0, ""},
		{"vbscript:msgbox(1)", 0.95 * 0.9, script},
		{"livescript:alert(1)", 0.95 * 0.9, script},
		{"script:alert(1)", 0, ""},
		{"(data:text/html,x", 0.9 * 0.9, data},
		{"xdata:text/html,x", 0, ""},
		{"data:text/html,x", 0.9 * 0.9, data},
	})
}

// TestIsURLBoundary pins every byte of the boundary set, including the
// first one, and bytes outside it.
func TestIsURLBoundary(t *testing.T) {
	t.Parallel()
	for _, c := range []byte("\"'`=(<>[,;{| \t\n") {
		if !isURLBoundary(c) {
			t.Errorf("isURLBoundary(%q) = false, want true", c)
		}
	}
	for _, c := range []byte("ax0)]}:/.-") {
		if isURLBoundary(c) {
			t.Errorf("isURLBoundary(%q) = true, want false", c)
		}
	}
}

// TestScanJSBreakoutEdges pins scanJSBreakout: each quote kind, up to four
// closers and up to four operators after the quote, a name at the end of
// the text, calls with '(' or a backtick, and '.' or '[' on a global.
func TestScanJSBreakoutEdges(t *testing.T) {
	t.Parallel()
	const (
		sink   = "script-string breakout calling a sink"
		global = "script-string breakout reaching a global object"
	)
	checkMarkupCases(t, "scanJSBreakout", scanJSBreakout, []markupCase{
		{`';alert(1)//`, 0.85, sink},
		{`"-alert(1)-"`, 0.85, sink},
		{"`;alert(1)", 0.85, sink},
		{"x;alert(1)", 0, ""},
		{`');alert(1)`, 0.85, sink},
		{`'));alert(1)`, 0.85, sink},
		{`'))));alert(1)`, 0.85, sink},
		{`')))));alert(1)`, 0, ""},
		{`'\ ;alert(1)`, 0.85, sink},
		{`';;;;alert(1)`, 0.85, sink},
		{`';;;;;alert(1)`, 0, ""},
		{`' ; alert(1)`, 0.85, sink},
		{`' alert(1)`, 0, ""},
		{`';alert`, 0, ""},
		{`';alert `, 0, ""},
		{"';alert`1`", 0.85, sink},
		{`';alert x`, 0, ""},
		{`';document.cookie`, 0.8, global},
		{`';window['x']`, 0.8, global},
		{`';document x`, 0, ""},
	})
}
