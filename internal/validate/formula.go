package validate

import "strings"

// Spreadsheet functions that reach the network, other programs or other
// files; a field starting with one of them is hostile when exported to CSV.
const dangerousFunctions = "hyperlink importxml importdata importhtml importfeed importrange image webservice filterxml dde call register exec shell cmd msexcel indirect"

// detectFormula finds spreadsheet formulas at the start of the field (after
// white space) and after a CSV/TSV separator: '=', '+', '-' or '@' followed
// by a function call, a DDE link (cmd|'...'!A0), a cell reference or, for
// '=', arithmetic. "+1 to that", "- buy milk", "@john hi", "=)" and
// "2+2=4" do not start a formula.
func detectFormula(f *findings, in *input) {
	for _, v := range in.views() {
		start := skipSpace(v, 0)
		if conf, reason := formulaAt(v, start); conf > 0 {
			f.add(Formula, conf, reason)
		}
		for i := 0; i < len(v); i++ {
			if c := v[i]; c == ',' || c == ';' || c == '\t' {
				j := i + 1
				for j < len(v) && j-i < 4 && v[j] == ' ' {
					j++
				}
				if j < len(v) {
					if conf, reason := formulaAt(v, j); conf >= 0.85 {
						f.add(Formula, conf*0.9, reason+" after a field separator")
					}
				}
			}
		}
	}
}

func formulaAt(s string, i int) (float64, string) {
	if i >= len(s) || strings.IndexByte("=+-@", s[i]) < 0 {
		return 0, ""
	}
	lead := s[i]
	j := i + 1
	// Spreadsheets take any number of blanks and signs after the first
	// (=   HYPERLINK(...), =+-+cmd|...). The run holds no field separator,
	// so runs skipped from different fields never overlap.
	for j < len(s) && (s[j] == ' ' || strings.IndexByte("=+-@", s[j]) >= 0) {
		j++
	}
	body := s[j:]
	if len(body) > 200 {
		body = body[:200]
	}
	if dde(body) {
		return 0.95, "spreadsheet DDE formula"
	}
	name := identAt(body, 0)
	if len(name) >= 2 && isLetter(name[0]) {
		k := len(name)
		for k < len(body) && body[k] == '.' && k+1 < len(body) && isLetter(body[k+1]) {
			k += 1 + len(identAt(body, k+1))
		}
		if k < len(body) && body[k] == '(' {
			if inSet(asciiLower(name), dangerousFunctions) {
				return 0.95, "spreadsheet formula calling an external function"
			}
			return 0.8, "spreadsheet formula with a function call"
		}
	}
	if lead != '=' {
		return 0, ""
	}
	if n := cellRef(body); n > 0 && (n == len(body) || strings.IndexByte("+-*/&:,;) ", body[n]) >= 0) {
		return 0.75, "spreadsheet formula with a cell reference"
	}
	// =1+1, =2*3: a number, an operator, a number, nothing else.
	k := 0
	for k < len(body) && isDigit(body[k]) {
		k++
	}
	if k > 0 && k+1 < len(body) && strings.IndexByte("+-*/^", body[k]) >= 0 && isDigit(body[k+1]) {
		return 0.6, "spreadsheet arithmetic formula"
	}
	return 0, ""
}

// dde reports a dynamic data exchange link: an application name, '|', and a
// quoted topic, e.g. cmd|' /C calc'!A0 or MSEXCEL|'\..\cmd.exe'!”.
func dde(body string) bool {
	for i := 0; i < len(body); i++ {
		if body[i] != '|' || i == 0 || !isIdent(body[i-1]) {
			continue
		}
		j := skipSpace(body, i+1)
		if j < len(body) && (body[j] == '\'' || body[j] == '"') {
			return true
		}
	}
	return false
}

// cellRef returns the length of an A1-style reference ($A$1 too) at the start.
func cellRef(s string) int {
	i := 0
	if i < len(s) && s[i] == '$' {
		i++
	}
	l := 0
	for i < len(s) && l < 3 && isLetter(s[i]) && s[i] >= 'A' && s[i] <= 'Z' {
		i++
		l++
	}
	if l == 0 {
		return 0
	}
	if i < len(s) && s[i] == '$' {
		i++
	}
	d := 0
	for i < len(s) && d < 7 && isDigit(s[i]) {
		i++
		d++
	}
	if d == 0 {
		return 0
	}
	return i
}
