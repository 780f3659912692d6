package validate

import "strings"

// Identifiers that give a template expression access to the runtime,
// configuration or object model. In a dotted path or a call they make an
// expression dangerous; a few (config, self, request, settings, _self) are
// also probes on their own.
const (
	reflectiveNames = "class constructor prototype getclass forname classloader getruntime runtime processbuilder exec eval system popen os subprocess import require process mainmodule child_process globals builtins mro subclasses init getattribute attr self _self config request settings application env environ lipsum cycler joiner namespace url_for get_flashed_messages freemarker execute objectconstructor jndi smarty module cache util getenv reflect invoke newinstance getmethod getdeclaredmethod servletcontext pagecontext sessionscope applicationscope defineclass scriptengine"
	probeGlobals    = "config self _self request settings smarty"
	lookupPrefixes  = "jndi env sys java lower upper ctx date main map sd bundle docker k8s spring log4j web base64 marker event jvmrunargs script"
)

// classifyExpr lexes the body of a template expression and returns how
// strongly it looks like an evaluated expression rather than a placeholder.
// It is a single pass over body.
func classifyExpr(body string) (float64, string) {
	b := strings.TrimSpace(body)
	if b == "" {
		return 0, ""
	}
	l := asciiLower(b)
	// Log4j-style lookups: ${jndi:ldap://...}, ${env:SECRET}, ${::-j}.
	if name := identAt(l, 0); name != "" && len(name) < len(l) && l[len(name)] == ':' && inSet(name, lookupPrefixes) {
		if name == "jndi" {
			return 0.98, "JNDI lookup"
		}
		return 0.85, "template lookup"
	}
	if strings.Contains(l, ":-") {
		return 0.85, "lookup with default value"
	}
	for _, d := range [...]string{"${", "#{", "{{", "{%", "<%", "%>"} {
		if strings.Contains(l, d) {
			return 0.9, "nested template expression"
		}
	}
	var (
		conf   float64
		reason string
	)
	raise := func(c float64, r string) {
		if c > conf {
			conf, reason = c, r
		}
	}
	prevOperand := false // the previous token can be the left side of an operator
	prevString := false
	prevDot := false
	idents := 0
	for i := 0; i < len(l); {
		c := l[i]
		switch {
		case isSpace(c):
			i++
			continue
		case isLetter(c) || c == '_' || c == '$':
			j := i + 1
			for j < len(l) && (isIdent(l[j]) || l[j] == '$' || (l[j] == '-' && j+1 < len(l) && isLetter(l[j+1]) && isIdent(l[j-1]))) {
				j++
			}
			name := strings.TrimLeft(l[i:j], "$")
			idents++
			if len(name) > 4 && strings.HasPrefix(name, "__") && strings.HasSuffix(name, "__") {
				raise(0.95, "object-model access in a template expression")
			}
			k := skipSpace(l, j)
			call := k < len(l) && l[k] == '('
			danger := inSet(name, reflectiveNames)
			switch {
			case call && danger:
				raise(0.95, "reflective call in a template expression")
			case call:
				raise(0.9, "function call in a template expression")
			case danger && (prevDot || (k < len(l) && (l[k] == '.' || l[k] == '['))):
				raise(0.85, "reflective access in a template expression")
			case danger && inSet(name, probeGlobals) && j == len(l):
				raise(0.7, "template global object")
			}
			if name == "t" && call {
				raise(0.9, "type reference in a template expression")
			}
			prevOperand, prevString, prevDot = true, false, false
			i = j
			continue
		case isDigit(c):
			j := i
			for j < len(l) && (isAlnum(l[j]) || l[j] == '.') {
				j++
			}
			prevOperand, prevString, prevDot = true, false, false
			i = j
			continue
		case c == '\'' || c == '"' || c == '`':
			if c == '`' {
				raise(0.9, "shell command in a template expression")
			}
			j := strings.IndexByte(l[i+1:], c)
			if j < 0 {
				j = len(l)
			} else {
				j += i + 2
			}
			if idents > 0 || j < len(l) && strings.TrimSpace(l[j:]) != "" {
				raise(0.75, "string argument in a template expression")
			}
			prevOperand, prevString, prevDot = true, true, false
			i = j
			continue
		case c == '.':
			if prevString {
				raise(0.9, "method access on a literal")
			}
			prevDot = true
			i++
			continue
		case c == '[':
			k := skipSpace(l, i+1)
			if k < len(l) && (l[k] == '\'' || l[k] == '"') {
				raise(0.85, "subscript with a string key")
			}
		case c == '(':
			if prevOperand && !prevString {
				// ")(" chains and calls on non-identifiers: x()()
				if i > 0 && l[skipSpaceBack(l, i-1)] == ')' {
					raise(0.9, "function call in a template expression")
				}
			}
		case strings.IndexByte("*/%+-^", c) >= 0:
			k := skipSpace(l, i+1)
			if c == '*' && k < len(l) && l[k] == '*' {
				k = skipSpace(l, k+1)
			}
			if prevOperand && k < len(l) && (isAlnum(l[k]) || l[k] == '\'' || l[k] == '"' || l[k] == '(' || l[k] == '_') {
				raise(0.9, "arithmetic in a template expression")
			}
		case c == '=' || c == '<' || c == '>' || c == '!':
			two := i+1 < len(l) && l[i+1] == '='
			if prevOperand {
				if two || c != '=' {
					raise(0.8, "comparison in a template expression")
				} else {
					raise(0.8, "assignment in a template expression")
				}
			}
			if two {
				i++
			}
		case c == ':' && i+1 < len(l) && l[i+1] == ':':
			raise(0.85, "static member access in a template expression")
			i++
		case c == ';':
			raise(0.7, "statement sequence in a template expression")
		}
		prevOperand = c == ')' || c == ']'
		prevString, prevDot = false, false
		i++
	}
	return conf, reason
}
