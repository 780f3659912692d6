package validate

import (
	"strings"
	"testing"
)

// TestMayHaveTagEdges pins which byte after '<' opens a tag: letters, '/',
// '!' and '?' do, digits and '-' do not, nor a '<' at the end.
func TestMayHaveTagEdges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    string
		want bool
	}{
		{"a<b", true},
		{"a</", true},
		{"a<!", true},
		{"a<?", true},
		{"a<1", false},
		{"a<-", false},
		{"a<", false},
		{"<3 <-", false},
		{"<3 <x", true},
		{"", false},
	}
	for _, tt := range tests {
		if got := mayHaveTag(tt.v); got != tt.want {
			t.Errorf("mayHaveTag(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

// TestTokenizeMarkupEdges pins tokenizeMarkup's nesting report and its
// Markup/Template findings: '<' in tag names, attribute keys and values,
// re-tokenising of attribute values and comments up to maxMarkupDepth,
// style element text, and namespace prefixes.
func TestTokenizeMarkupEdges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		v          string
		depth      int
		wantNested bool
		wantConf   float64
		wantReason string
	}{
		{"plain tag", "<b>", 0, false, 0, ""},
		{"plain attribute", "<a title=x>", 0, false, 0, ""},
		{"end tag", "</b>", 0, false, 0, ""},
		{"lt inside a start tag name", "<a<b>", 0, true, 0, ""},
		{"lt inside an end tag name", "</a<b>", 0, true, 0, ""},
		{"attribute key starting with lt", "<a <x=1>", 0, true, 0, ""},
		{"attribute value starting with lt", `<a title="<b>">`, 0, true, 0, ""},
		{"script in an attribute value", `<a title="<script>">`, 0, true, 0.98, "script element"},
		{"attribute value at the depth limit", `<a title="<script>">`, 2, true, 0, ""},
		{"attribute value one below the limit", `<a title="<a title='<script>'>">`, 1, true, 0, ""},
		{"attribute value two levels deep", `<a title="<a title='<script>'>">`, 0, true, 0.98, "script element"},
		{"script in a comment", "<!--<script>-->", 0, false, 0.98, "script element"},
		{"comment at the depth limit", "<!--<script>-->", 2, false, 0, ""},
		{"comment one below the limit", "<!--<!--<script>-->", 1, false, 0, ""},
		{"comment two levels deep", "<!--<!--<script>-->", 0, false, 0.98, "script element"},
		{"style element text", "<style>expression(x)</style>", 0, false, 0.95, "CSS expression()"},
		{"self-closed style", "<style/>expression(x)", 0, false, 0.7, "style element"},
		{"text after another element", "<b>expression(x)", 0, false, 0, ""},
		{"text after a style end tag", "<style></style>expression(x)", 0, false, 0.7, "style element"},
		{"namespaced script", "<svg:script>", 0, false, 0.98, "script element"},
		{"link with href", "<link rel=stylesheet href=x>", 0, false, 0.8, "link element loading a resource"},
		{"link without href", "<link rel=stylesheet>", 0, false, 0, ""},
		{"php block", "<?php x ?>", 0, false, 0, ""},
	}
	for _, tt := range tests {
		var f findings
		nested := tokenizeMarkup(&f, tt.v, tt.depth)
		d := f[classIndex(Markup)]
		if nested != tt.wantNested || d.Confidence != tt.wantConf || d.Reason != tt.wantReason {
			t.Errorf("%s: tokenizeMarkup(%q, %d) = %v, %v %q; want %v, %v %q", tt.name, tt.v, tt.depth,
				nested, d.Confidence, d.Reason, tt.wantNested, tt.wantConf, tt.wantReason)
		}
	}
}

// TestLocalNameEdges pins namespace-prefix removal.
func TestLocalNameEdges(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"svg:script", "script"},
		{":script", "script"},
		{"a:b:c", "c"},
		{"script", "script"},
		{"x:", ""},
	} {
		if got := string(localName([]byte(tt.in))); got != tt.want {
			t.Errorf("localName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCheckElementEdges pins elements reported by name and the doubled
// names, which need more than six bytes.
func TestCheckElementEdges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want float64
	}{
		{"script", 0.98},
		{"style", 0.7},
		{"svgsvg", 0}, // six bytes: under the length guard, so "svg" in doubledTargets never fires here
		{"ssvgvg", 0},
		{"metameta", 0.9},
		{"scrscriptipt", 0.9},
		{"sscript", 0},
		{"div", 0},
	}
	for _, tt := range tests {
		var f findings
		checkElement(&f, []byte(tt.name))
		if got := f[classIndex(Markup)].Confidence; got != tt.want {
			t.Errorf("checkElement(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestCheckAttrEdges pins checkAttr's early returns and the findings of
// each branch: event handlers with and without a value, values holding
// ':', '&' or '=' (at index 0 too), state attributes, style, href.
func TestCheckAttrEdges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, val   string
		want       float64
		wantReason string
	}{
		{"onclick", "x", 0.95, "event-handler attribute"},
		{"onclick", "", 0, ""},
		{"onclick", "  ", 0, ""},
		{"on", "x", 0, ""},
		{"on1", "javascript:x", 0.95, "script URL"},
		{"src", "javascript:alert(1)", 0.95, "script URL"},
		{"src", " javascript:alert(1)", 0.95, "script URL"},
		{"src", "&{alert(1)}", 0.8, "JavaScript entity in an attribute"},
		{"src", "x&{y}", 0.8, "JavaScript entity in an attribute"},
		{"title", "=x onclick=y", 0.85, "event handler smuggled inside an attribute value"},
		{"title", "x onclick=y", 0.85, "event handler smuggled inside an attribute value"},
		{"title", "x onclick y", 0, ""},
		{"title", ":x", 0, ""},
		{"style", "expression(x)", 0.95, "CSS expression()"},
		{"style", "color:red", 0, ""},
		{"srcdoc", "x", 0.9, "srcdoc attribute holding a document"},
		{"attributename", "onload", 0.9, "SVG animation setting an event handler"},
	}
	for _, tt := range tests {
		var f findings
		var e elementState
		checkAttr(&f, &e, []byte(tt.key), []byte(tt.val))
		d := f[classIndex(Markup)]
		if d.Confidence != tt.want || d.Reason != tt.wantReason {
			t.Errorf("checkAttr(%q, %q) = %v %q, want %v %q", tt.key, tt.val, d.Confidence, d.Reason, tt.want, tt.wantReason)
		}
	}
	// href records whether the element has a non-empty link target.
	var f findings
	var e elementState
	checkAttr(&f, &e, []byte("href"), []byte("x"))
	if !e.hasHref {
		t.Errorf("checkAttr(href, x) left hasHref false")
	}
}

// TestInjectedHandlerEdges pins the handler-name scanner: the byte before
// "on", the 3..30-letter name, the '=' that must follow and not be "==",
// and, with needQuote, the quote seen earlier and the known event names.
func TestInjectedHandlerEdges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		l         string
		needQuote bool
		want      bool
	}{
		{"x onclick=1", false, true},
		{"x onclick=", false, true},
		{"x onclick==1", false, false},
		{"x onclick =1", false, true},
		{"x onclick", false, false},
		{"x onclick 1", false, false},
		{"xonclick=1", false, false},
		{"onclick=1 x", false, false},
		{"x/onclick=1", false, true},
		{" onabc=1", false, true},
		{" onab=1", false, false},
		{"x onab=1", false, false},
		{" on" + strings.Repeat("a", 30) + "=1", false, true},
		{" on" + strings.Repeat("a", 31) + "=1", false, false},
		{"x onclick=1", true, false},
		{`" onclick=1`, true, true},
		{"' onclick=1", true, true},
		{"` onclick=1", true, true},
		{`" onfoo=1`, true, false},
	}
	for _, tt := range tests {
		if got := injectedHandler(tt.l, tt.needQuote); got != tt.want {
			t.Errorf("injectedHandler(%q, %v) = %v, want %v", tt.l, tt.needQuote, got, tt.want)
		}
	}
}

// TestAllLettersEdges pins allLetters, which is false for the empty name.
func TestAllLettersEdges(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"", false},
		{"abc", true},
		{"a1", false},
		{"1a", false},
	} {
		if got := allLetters([]byte(tt.s)); got != tt.want {
			t.Errorf("allLetters(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

// TestSchemeDangerEdges pins scheme parsing: leading blanks, upper case,
// the 24-byte scheme buffer, and code-looking rests.
func TestSchemeDangerEdges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		val      string
		needCode bool
		want     float64
	}{
		{"", false, 0},
		{"   ", false, 0},
		{" javascript:x", false, 0.95},
		{"\x01\x1f javascript:x", false, 0.95},
		{"JAVASCRIPT:x", false, 0.95},
		{"AZ:x", false, 0},
		{"java\tscript:x", false, 0.95},
		{"dAta:text/html,x", false, 0.9},
		{"data:x", false, 0.6},
		{strings.Repeat("a", 23) + ":x", false, 0},
		{strings.Repeat("a", 24) + ":x", false, 0},
		{strings.Repeat("a", 30) + ":x", false, 0},
		{"javascript:alert(1)", true, 0.95},
		{"javascript: the good parts", true, 0},
		{"data:,alert(1)", true, 0.8},
		{":x", false, 0},
	}
	for _, tt := range tests {
		if got, _ := schemeDanger(tt.val, tt.needCode); got != tt.want {
			t.Errorf("schemeDanger(%q, %v) = %v, want %v", tt.val, tt.needCode, got, tt.want)
		}
	}
}

// TestLooksLikeCodeEdges pins the first-word window of looksLikeCode and
// its 64-byte identifier rule.
func TestLooksLikeCodeEdges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		want bool
	}{
		{"alert(1)", true},
		{"alert(1) x", true},
		{"ab cd(", false},
		{"", false},
		{" alert(1)", false},
		{"a//b", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 63), false},
		{strings.Repeat("a", 64) + " (x", true},
		{strings.Repeat("a", 63) + " (x", false},
		{strings.Repeat("a", 70) + "=alert(1)", true},
	}
	for _, tt := range tests {
		if got := looksLikeCode(tt.s); got != tt.want {
			t.Errorf("looksLikeCode(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

// TestNormCSSEdges pins normCSS's output on comments (empty, unclosed),
// hex escapes of 1..6 digits with an optional space, escapes of non-hex
// bytes, code points of 0x80 and above, quotes and case.
func TestNormCSSEdges(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"ABC", "abc"},
		{"Za", "za"},
		{"A1", "a1"},
		{"@[`{", "@[`{"},
		{"/*x*/a", "a"},
		{"ab/*x*/c", "abc"},
		{"/**/a", "a"},
		{"a/*x", "a"},
		{"a/", "a/"},
		{`\65x`, "ex"},
		{`\65 x`, "ex"},
		{`\0000651`, "e1"},
		{`\000065x`, "ex"},
		{`\80x`, "x"},
		{`\7fx`, "\x7fx"},
		{`a\zb`, "azb"},
		{`\`, `\`},
		{`a"b`, "ab"},
		{"a'b", "ab"},
		{"a b\tc", "abc"},
	}
	for _, tt := range tests {
		if got := normCSS(tt.in); got != tt.want {
			t.Errorf("normCSS(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCollapseTagSpaceEdges pins the removal of white space after '<' and
// "</" before a letter, including a trailing "< " and adjacent tags.
func TestCollapseTagSpaceEdges(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"< script>", "<script>"},
		{"</ script>", "</script>"},
		{"a< ", "a< "},
		{"<  ", "<  "},
		{"< 1", "< 1"},
		{"<script>", "<script>"},
		{"< a< b", "<a<b"},
		{"< ab< c", "<ab<c"},
	}
	for _, tt := range tests {
		if got := collapseTagSpace(tt.in); got != tt.want {
			t.Errorf("collapseTagSpace(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
