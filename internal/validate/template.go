package validate

import "strings"

// detectTemplate finds template-engine expressions that compute something
// (arithmetic, calls, attribute or index access, comparisons, assignments,
// object-model and reflection names, lookups such as ${jndi:...}) and
// directives ({% import %}, <%@ %>, #set(...), <#assign>), in the syntaxes
// of Jinja2/Django/Twig/Nunjucks/Liquid/Go ({{ }}, {% %}), JavaScript, EL,
// FreeMarker, Velocity, Mako, Log4j (${ }), Ruby/Pug/JSF (#{ }), Thymeleaf
// (*{ } @{ } ~{ }), OGNL (%{ }), ERB/EJS/JSP/ASP (<% %>), PHP (<?php ?>),
// Razor (@( ) @{ }) and Smarty ({$x.y} {php}). A placeholder around a plain
// name or dotted path — {{name}}, ${price}, {{ user.name | upper }},
// {{#each items}} — is not an expression and is not reported.
func detectTemplate(f *findings, in *input) {
	s, l := in.dec, in.lower
	if strings.IndexByte(s, '{') >= 0 && strings.IndexByte(s, '}') >= 0 {
		scanBraces(f, s)
	}
	if strings.Contains(s, "<%") {
		scanERB(f, s)
	}
	if strings.Contains(l, "<?php") || strings.Contains(l, "<?=") {
		f.add(Template, 0.95, "PHP code block")
	}
	if strings.Contains(l, "${jndi:") || strings.Contains(l, "${${") {
		f.add(Template, 0.95, "JNDI or nested lookup")
	}
	if strings.Contains(s, "@(") {
		scanRazorParens(f, s)
	}
	forEach(l, "@", func(i int) {
		if (i == 0 || isSpace(l[i-1])) && dottedCall(l, i+1) {
			f.add(Template, 0.85, "Razor method call")
		}
	})
	forEach(l, "$", func(i int) {
		if i+1 < len(l) && isLetter(l[i+1]) && dottedCall(l, i+1) {
			f.add(Template, 0.85, "template variable method call")
		}
	})
	forEach(l, "#", func(i int) {
		name := identAt(l, i+1)
		if inSet(name, "set foreach if elseif macro evaluate include parse define") {
			if j := skipSpace(l, i+1+len(name)); j < len(l) && l[j] == '(' {
				f.add(Template, 0.85, "template directive")
			}
		}
		if i > 0 && (l[i-1] == '<' || l[i-1] == '[') && inSet(name, "assign import include list if macro function attempt setting global local visit recurse ftl") {
			f.add(Template, 0.85, "template directive")
		}
	})
}

// dottedCall reports an identifier path with at least one '.' followed by
// '(' at i, e.g. "system.diagnostics.process.start(".
func dottedCall(l string, i int) bool {
	dots := 0
	j := i
	for j < len(l) && j-i < 80 {
		switch c := l[j]; {
		case isIdent(c):
		case c == '.' && j+1 < len(l) && isLetter(l[j+1]):
			dots++
		default:
			return dots > 0 && c == '(' && j > i
		}
		j++
	}
	return false
}

// matchPairs returns, for every open byte, the index of its matching close
// byte (or -1), computed in one pass with a stack.
func matchPairs(s string, open, close byte) []int32 {
	match := make([]int32, len(s))
	var stack []int32
	for i := 0; i < len(s); i++ {
		match[i] = -1
		switch s[i] {
		case open:
			stack = append(stack, int32(i))
		case close:
			if n := len(stack); n > 0 {
				match[stack[n-1]] = int32(i)
				stack = stack[:n-1]
			}
		}
	}
	return match
}

// scanBraces classifies each outermost brace-delimited expression once, so
// nested delimiters ("{{{{...}}}}") cost linear time.
func scanBraces(f *findings, s string) {
	match := matchPairs(s, '{', '}')
	for o := 0; o < len(s); o++ {
		c := int(match[o])
		if s[o] != '{' || c < 0 {
			continue
		}
		var prefix byte
		if o > 0 {
			prefix = s[o-1]
		}
		switch {
		case strings.IndexByte("$#*@~%", prefix) >= 0 && prefix != 0:
			if conf, reason := classifyExpr(s[o+1 : c]); conf > 0 {
				f.add(Template, conf, reason)
			}
		case o+1 < c && s[o+1] == '{' && match[o+1] == int32(c-1):
			if goTemplateAction(s[o+2 : c-1]) {
				f.add(Template, 0.85, "Go template action on the data")
			}
			if conf, reason := classifyExpr(s[o+2 : c-1]); conf > 0 {
				f.add(Template, conf, reason)
			}
		case c-o >= 3 && s[o+1] == '%' && s[c-1] == '%':
			if conf, reason := classifyDirective(s[o+2 : c-1]); conf > 0 {
				f.add(Template, conf, reason)
			}
		case o+1 < c && s[o+1] == '#':
			// {# comment #}
		default:
			if conf, reason := classifySingleBrace(s[o+1 : c]); conf > 0 {
				f.add(Template, conf, reason)
			}
		}
		o = c
	}
}

// scanERB handles <% %> blocks: <%= expr %>, <%- expr %>, <%@ directive %>,
// <%! declaration %>, <%# comment %> and <% scriptlet %>.
func scanERB(f *findings, s string) {
	for i := 0; i < len(s); {
		o := strings.Index(s[i:], "<%")
		if o < 0 {
			return
		}
		o += i
		c := strings.Index(s[o+2:], "%>")
		if c < 0 {
			return
		}
		c += o + 2
		body := s[o+2 : c]
		i = c + 2
		if body == "" {
			continue
		}
		switch body[0] {
		case '=', '-':
			if conf, reason := classifyExpr(strings.TrimLeft(body, "=-")); conf > 0 {
				f.add(Template, conf, reason)
			}
		case '@', '!':
			f.add(Template, 0.9, "template directive")
		case '#', '%':
		default:
			if strings.TrimSpace(body) != "" {
				conf, reason := classifyExpr(body)
				if conf < 0.8 {
					conf, reason = 0.8, "template scriptlet"
				}
				f.add(Template, conf, reason)
			}
		}
	}
}

func scanRazorParens(f *findings, s string) {
	match := matchPairs(s, '(', ')')
	for o := 1; o < len(s); o++ {
		c := int(match[o])
		if s[o] != '(' || c < 0 {
			continue
		}
		if s[o-1] == '@' {
			if conf, reason := classifyExpr(s[o+1 : c]); conf > 0 {
				f.add(Template, conf, reason)
			}
			o = c
		}
	}
}

// classifyDirective classifies the body of {% ... %}.
func classifyDirective(body string) (float64, string) {
	t := strings.TrimLeft(body, " \t\r\n\f\v-+~")
	name := asciiLower(identAt(t, 0))
	if name == "" {
		return 0, ""
	}
	conf, reason := classifyExpr(t[len(name):])
	if inSet(name, "import from include extends load debug php python exec module") {
		return 0.95, "template directive loading code"
	}
	if conf < 0.7 {
		conf, reason = 0.7, "template directive"
	}
	return conf, reason
}

// classifySingleBrace handles Smarty-style {…}: only a variable with
// access, {php}, a static call or a call to a dangerous function count; JSON
// and prose in braces do not.
func classifySingleBrace(body string) (float64, string) {
	t := strings.TrimSpace(body)
	l := asciiLower(t)
	switch {
	case l == "php" || l == "/php":
		return 0.9, "template PHP block"
	case strings.HasPrefix(l, "if ") || strings.HasPrefix(l, "if("):
		t, l = t[2:], l[2:]
	}
	t = strings.TrimSpace(t)
	l = strings.TrimSpace(l)
	if t == "" {
		return 0, ""
	}
	if t[0] == '$' {
		conf, reason := classifyExpr(t)
		if conf >= 0.8 {
			return conf, reason
		}
		return 0, ""
	}
	name := identAt(l, 0)
	rest := strings.TrimLeft(l[len(name):], " ")
	if strings.HasPrefix(rest, "::") && name != "" {
		return 0.85, "static method call in a template"
	}
	if strings.HasPrefix(rest, "(") && inSet(name, "system exec passthru shell_exec popen proc_open eval assert include require file_get_contents readfile phpinfo fopen file_put_contents base64_decode") {
		return 0.85, "dangerous function call in a template"
	}
	return 0, ""
}
