package validate

import "strings"

// goTemplateWords lists Go text/template and html/template actions and
// builtin functions. An action that applies one of them to the data
// ("{{range .}}", "{{index . "k"}}", "{{template "x" .}}") walks or dumps
// whatever the server passes to the template.
var goTemplateWords = map[string]bool{
	"range": true, "with": true, "template": true, "define": true, "block": true, "if": true, "else": true,
	"call": true, "index": true, "slice": true, "len": true, "print": true, "printf": true, "println": true,
	"js": true, "html": true, "urlquery": true, "not": true, "and": true, "or": true, "eq": true, "ne": true,
	"lt": true, "le": true, "gt": true, "ge": true, "break": true, "continue": true,
}

// goTemplateAction reports a Go template action on the data itself: the
// bare dot ({{.}}, {{- . -}}, {{. | html}}), a variable declaration
// ({{$x := .}}), the root variable {{$}}, or a keyword or builtin applied
// to the dot or a variable. A field placeholder such as {{.Name}} and a
// Handlebars block such as {{#each items}} are not actions on the data.
func goTemplateAction(body string) bool {
	b := strings.TrimSpace(strings.Trim(strings.TrimSpace(body), "-"))
	if strings.ContainsAny(b, "\t\r\n") {
		// Go templates separate words with any of these as with spaces.
		b = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, b)
	}
	if b == "" {
		return false
	}
	if b == "." || b == "$" || strings.HasPrefix(b, ". ") || strings.HasPrefix(b, ".|") {
		return true
	}
	if b[0] == '$' {
		j := 1
		for j < len(b) && isIdent(b[j]) {
			j++
		}
		rest := strings.TrimLeft(b[j:], " ,$")
		for rest != "" && isIdent(rest[0]) {
			rest = rest[1:]
		}
		rest = strings.TrimLeft(rest, " ")
		return strings.HasPrefix(rest, ":=") || strings.HasPrefix(rest, "= ")
	}
	w := identAt(b, 0)
	if !goTemplateWords[w] || len(w) == len(b) || b[len(w)] != ' ' {
		return false
	}
	for _, arg := range strings.Fields(b[len(w):]) {
		if arg == "." || arg == "$" || (len(arg) > 1 && (arg[0] == '.' || arg[0] == '$') && isLetter(arg[1])) {
			return true
		}
	}
	return false
}
