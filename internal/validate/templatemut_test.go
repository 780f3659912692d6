package validate

import (
	"strings"
	"testing"
)

// TestClassifyExprEdges pins classifyExpr's confidence and reason on the
// inputs that decide its branches: lookup prefixes, ties between rules,
// hyphenated and $-prefixed identifiers, dunder names, quotes of each kind,
// subscripts, ")(" chains, operators at the end of the body, "**", and
// "=" against "==".
func TestClassifyExprEdges(t *testing.T) {
	t.Parallel()
	const (
		arith  = "arithmetic in a template expression"
		call   = "function call in a template expression"
		strArg = "string argument in a template expression"
		subStr = "subscript with a string key"
		cmp    = "comparison in a template expression"
		assign = "assignment in a template expression"
		reflAc = "reflective access in a template expression"
	)
	tests := []struct {
		name   string
		body   string
		conf   float64
		reason string
	}{
		{"env lookup", "env:x", 0.85, "template lookup"},
		{"jndi lookup", "jndi:ldap://h/a", 0.98, "JNDI lookup"},
		{"lookup prefix without a colon", "date x", 0, ""},
		{"lookup prefix followed by a dot", "env.x", 0.85, reflAc},
		{"first of two equal rules wins", "a+1 b(", 0.9, arith},
		{"identifier ends at a dot", "os.x", 0.85, reflAc},
		{"hyphenated identifier", "a-b", 0, ""},
		{"trailing hyphen", "a-", 0, ""},
		{"hyphen before a digit", "a-1", 0.9, arith},
		{"hyphen after a dollar", "$-a", 0.9, arith},
		{"string after an identifier", "a 'b'", 0.75, strArg},
		{"four underscores", "____", 0, ""},
		{"shortest dunder name", "__x__", 0.95, "object-model access in a template expression"},
		{"bare single-quoted string", "'a'", 0, ""},
		{"backtick string", "`id`", 0.9, "shell command in a template expression"},
		{"string followed by text", "'a' b", 0.75, strArg},
		{"open subscript at the end", "a[", 0, ""},
		{"single-quoted subscript", "a['b']", 0.85, subStr},
		{"double-quoted subscript", `a["b"]`, 0.85, subStr},
		{"numeric subscript", "a[1]", 0, ""},
		{"call on a parenthesised operand", "(a)(b)", 0.9, call},
		{"paren after a number", "1(2)", 0, ""},
		{"power operator", "a**b", 0.9, arith},
		{"star after plus", "a+*b", 0, ""},
		{"star at the end", "a*", 0, ""},
		{"plus at the end", "a+", 0, ""},
		{"plus before a close paren", "a+)", 0, ""},
		{"plus before a single-quoted string", "a+'b'", 0.9, arith},
		{"plus before a double-quoted string", `a+"b"`, 0.9, arith},
		{"plus before a paren", "a+(b)", 0.9, arith},
		{"plus before an underscore", "a+_b", 0.9, arith},
		{"equals at the end", "a=", 0.8, assign},
		{"double equals", "a==b", 0.8, cmp},
		{"single equals", "a=b", 0.8, assign},
		{"less than", "a<b", 0.8, cmp},
		{"sign after an open paren", "(+1", 0, ""},
		{"arithmetic after a subscript", "a[0]+1", 0.9, arith},
	}
	for _, tt := range tests {
		conf, reason := classifyExpr(tt.body)
		if conf != tt.conf || reason != tt.reason {
			t.Errorf("%s: classifyExpr(%q) = %v %q, want %v %q", tt.name, tt.body, conf, reason, tt.conf, tt.reason)
		}
	}
}

// TestTemplateHelpers pins dottedCall (a dot is required, the call must
// follow directly, the path is limited to 80 bytes from its start) and
// matchPairs (unmatched bytes are -1, a close with no open is ignored).
func TestTemplateHelpers(t *testing.T) {
	t.Parallel()
	calls := []struct {
		l    string
		i    int
		want bool
	}{
		{"a.b(", 0, true},
		{"ab(", 0, false},
		{"a.b)", 0, false},
		{"a.(", 0, false},
		{"a.b" + strings.Repeat("c", 76) + "(", 0, true},  // '(' at offset 79
		{"a.b" + strings.Repeat("c", 77) + "(", 0, false}, // '(' at offset 80
		{strings.Repeat(" ", 40) + "a.b(", 40, true},
	}
	for _, tt := range calls {
		if got := dottedCall(tt.l, tt.i); got != tt.want {
			t.Errorf("dottedCall(%q, %d) = %v, want %v", tt.l, tt.i, got, tt.want)
		}
	}
	pairs := []struct {
		s    string
		want []int32
	}{
		{"}{a}{", []int32{-1, 3, -1, -1, -1}},
		{"{{}}", []int32{3, 2, -1, -1}},
		{"", []int32{}},
	}
	for _, tt := range pairs {
		got := matchPairs(tt.s, '{', '}')
		if len(got) != len(tt.want) {
			t.Errorf("matchPairs(%q) = %v, want %v", tt.s, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("matchPairs(%q) = %v, want %v", tt.s, got, tt.want)
				break
			}
		}
	}
}

// TestTemplateScanEdges pins the scanners' confidence and reason: a '}'
// at offset 0, Razor calls after a blank, a directive name at the end,
// the exact body passed to the classifiers of {{ }}, {% %}, { } and @( ),
// empty, blank and comment ERB blocks, and the scriptlet floor.
func TestTemplateScanEdges(t *testing.T) {
	t.Parallel()
	detect := func(f *findings, s string) { detectTemplate(f, newInput(s)) }
	tests := []struct {
		name   string
		scan   func(*findings, string)
		s      string
		conf   float64
		reason string
	}{
		{"close brace first", detect, "}{{7*7}}", 0.9, "arithmetic in a template expression"},
		{"razor call after a blank", detect, "x @a.b()", 0.85, "Razor method call"},
		{"directive name at the end", detect, "#set", 0, ""},
		{"double-brace body excludes the closers", scanBraces, "{{config}}", 0.7, "template global object"},
		{"directive body excludes the closers", scanBraces, "{%x 'a'%}", 0.7, "template directive"},
		{"single-brace dangerous call", scanBraces, "{system('id')}", 0.85, "dangerous function call in a template"},
		{"empty ERB block then expression", scanERB, "<%%><%= 7*7 %>", 0.9, "arithmetic in a template expression"},
		{"ERB comment ending in '<'", scanERB, "<%#x<%>7*7 %>", 0, ""},
		{"blank ERB scriptlet", scanERB, "<% %>", 0, ""},
		{"ERB scriptlet at the floor", scanERB, "<% a=1 %>", 0.8, "assignment in a template expression"},
		{"ERB scriptlet below the floor", scanERB, "<% x %>", 0.8, "template scriptlet"},
		{"razor parens body excludes the opener", scanRazorParens, "@(env:x)", 0.85, "template lookup"},
	}
	for _, tt := range tests {
		d := scanFinding(tt.scan, Template, tt.s)
		if d.Confidence != tt.conf || d.Reason != tt.reason {
			t.Errorf("%s: %q = %v %q, want %v %q", tt.name, tt.s, d.Confidence, d.Reason, tt.conf, tt.reason)
		}
	}
}

// TestClassifyDirectiveAndSingleBrace pins the 0.7 floor of {% %}
// directives (a rule at exactly 0.7 keeps its reason) and the 0.8 bar and
// static-call rule of Smarty-style single braces.
func TestClassifyDirectiveAndSingleBrace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		classify func(string) (float64, string)
		body     string
		conf     float64
		reason   string
	}{
		{"directive rule at the floor", classifyDirective, "x config", 0.7, "template global object"},
		{"directive below the floor", classifyDirective, "x", 0.7, "template directive"},
		{"directive loading code", classifyDirective, " include x", 0.95, "template directive loading code"},
		{"directive without a name", classifyDirective, " - ", 0, ""},
		{"variable at the bar", classifySingleBrace, "$a=1", 0.8, "assignment in a template expression"},
		{"variable below the bar", classifySingleBrace, "$config", 0, ""},
		{"static call without a class", classifySingleBrace, "::x", 0, ""},
		{"static call", classifySingleBrace, "a::b", 0.85, "static method call in a template"},
	}
	for _, tt := range tests {
		conf, reason := tt.classify(tt.body)
		if conf != tt.conf || reason != tt.reason {
			t.Errorf("%s: %q = %v %q, want %v %q", tt.name, tt.body, conf, reason, tt.conf, tt.reason)
		}
	}
}
