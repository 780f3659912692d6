package validate

import (
	"fmt"
	"testing"
)

// TestCaseMutClassifyExpr pins classifyExpr on the case clauses for
// reflective names (followed by '.', '[' or something else, or standing
// alone) and for "::" (at the start, in the middle, a single ':' and a
// ':' at the end).
func TestCaseMutClassifyExpr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body   string
		conf   float64
		reason string
	}{
		{"config x", 0, ""},
		{"class.x", 0.85, "reflective access in a template expression"},
		{"class[0]", 0.85, "reflective access in a template expression"},
		{"config", 0.7, "template global object"},
		{"config.x", 0.85, "reflective access in a template expression"},
		{"a::b", 0.85, "static member access in a template expression"},
		{"::b", 0.85, "static member access in a template expression"},
		{"a:b", 0, ""},
		{"a:", 0, ""},
	}
	for _, tt := range tests {
		noPanic(t, fmt.Sprintf("classifyExpr(%q)", tt.body), func() {
			conf, reason := classifyExpr(tt.body)
			if conf != tt.conf || reason != tt.reason {
				t.Errorf("classifyExpr(%q) = %v %q, want %v %q", tt.body, conf, reason, tt.conf, tt.reason)
			}
		})
	}
}

// TestCaseMutCheckAttr pins checkAttr's switch on the attribute name: the
// finding of style, srcdoc and attributename, and the element state that
// http-equiv, rel, href and content record (and no other key does).
func TestCaseMutCheckAttr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, val   string
		conf       float64
		reason     string
		httpEquiv  string
		rel        string
		hasHref    bool
		contentURL bool
	}{
		{key: "style", val: "x:expression(1)", conf: 0.95, reason: "CSS expression()"},
		{key: "srcdoc", val: "a=b", conf: 0.9, reason: "srcdoc attribute holding a document"},
		{key: "attributename", val: "onclick", conf: 0.9, reason: "SVG animation setting an event handler"},
		{key: "title", val: "on:x"},
		{key: "http-equiv", val: "Refresh", httpEquiv: "refresh"},
		{key: "rel", val: "stylesheet", rel: "stylesheet"},
		{key: "href", val: "x", hasHref: true},
		{key: "content", val: "0;URL=x", contentURL: true},
		{key: "content", val: "0"},
	}
	for _, tt := range tests {
		var f findings
		var e elementState
		checkAttr(&f, &e, []byte(tt.key), []byte(tt.val))
		d := f[classIndex(Markup)]
		if d.Confidence != tt.conf || d.Reason != tt.reason {
			t.Errorf("checkAttr(%q, %q) = %v %q, want %v %q", tt.key, tt.val, d.Confidence, d.Reason, tt.conf, tt.reason)
		}
		if e.httpEquiv != tt.httpEquiv || e.rel != tt.rel || e.hasHref != tt.hasHref || e.contentURL != tt.contentURL {
			t.Errorf("checkAttr(%q, %q) state = %q %q %v %v, want %q %q %v %v", tt.key, tt.val,
				e.httpEquiv, e.rel, e.hasHref, e.contentURL, tt.httpEquiv, tt.rel, tt.hasHref, tt.contentURL)
		}
	}
}

// TestCaseMutNormCSS pins normCSS on the comment and escape clauses: a
// '/' or '\' at the end, a '/' not followed by '*', a "*/" before any
// "/*", and a hex escape.
func TestCaseMutNormCSS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"/*x*/a", "a"},
		{"a/", "a/"},
		{"a/b", "a/b"},
		{"*/x*/y", "*/x*/y"},
		{`\65`, "e"},
		{`a\`, `a\`},
		{`\/*x*/`, "/*x*/"},
	}
	for _, tt := range tests {
		noPanic(t, fmt.Sprintf("normCSS(%q)", tt.in), func() {
			if got := normCSS(tt.in); got != tt.want {
				t.Errorf("normCSS(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestCaseMutDottedCall pins dottedCall on a '.' that is or is not
// followed by a letter, preceded by a non-letter, or at the end.
func TestCaseMutDottedCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		l    string
		want bool
	}{
		{"a.b(", true},
		{"_.b(", true},
		{"a.", false},
		{"a.1(", false},
		{"a(", false},
	}
	for _, tt := range tests {
		noPanic(t, fmt.Sprintf("dottedCall(%q)", tt.l), func() {
			if got := dottedCall(tt.l, 0); got != tt.want {
				t.Errorf("dottedCall(%q, 0) = %v, want %v", tt.l, got, tt.want)
			}
		})
	}
}

// TestCaseMutScanBraces pins scanBraces' clauses: a single brace with a
// static call, a {# comment #} holding one, {{ }}, and "{%}" too short to
// be a directive after another byte.
func TestCaseMutScanBraces(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s      string
		conf   float64
		reason string
	}{
		{"{x::y}", 0.85, "static method call in a template"},
		{"{# x::y #}", 0, ""},
		{"x{%}", 0, ""},
		{"{%%}", 0, ""},
		{"{%import x%}", 0.95, "template directive loading code"},
		{"{{7*7}}", 0.9, "arithmetic in a template expression"},
	}
	for _, tt := range tests {
		noPanic(t, fmt.Sprintf("scanBraces(%q)", tt.s), func() {
			var f findings
			scanBraces(&f, tt.s)
			d := f[classIndex(Template)]
			if d.Confidence != tt.conf || d.Reason != tt.reason {
				t.Errorf("scanBraces(%q) = %v %q, want %v %q", tt.s, d.Confidence, d.Reason, tt.conf, tt.reason)
			}
		})
	}
}
