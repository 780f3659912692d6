package validate

import "strings"

// scanMarkupText finds script vectors that are not tags, in the lower-cased
// de-obfuscated text. Every rule is anchored on a fixed marker and looks a
// bounded distance around it.
func scanMarkupText(f *findings, l string) {
	if strings.Contains(l, "<!entity") {
		f.add(Markup, 0.9, "XML entity declaration")
	}
	// Markdown links and images: [text](javascript:...), ![x](data:...).
	forEach(l, "](", func(i int) {
		j := skipSpace(l, i+2)
		if j < len(l) && l[j] == '<' {
			j++
		}
		if conf, reason := schemeDanger(l[j:], false); conf > 0 {
			f.add(Markup, conf*0.95, "Markdown link with "+reason)
		}
	})
	forEach(l, "]:", func(i int) {
		if conf, reason := schemeDanger(l[skipSpace(l, i+2):], true); conf > 0 {
			f.add(Markup, conf*0.9, "Markdown reference with "+reason)
		}
	})
	scanBareSchemes(f, l)
	forEach(l, "expression", func(i int) {
		j := skipSpace(l, i+len("expression"))
		k := skipSpaceBack(l, i-1)
		if j < len(l) && l[j] == '(' && k >= 0 && l[k] == ':' {
			f.add(Markup, 0.85, "CSS expression()")
		}
	})
	if strings.Contains(l, "-moz-binding") {
		f.add(Markup, 0.85, "CSS behavior or binding")
	}
	if i := strings.Index(l, "behavior"); i >= 0 && strings.Contains(l[i:], "url(") {
		if k := skipSpace(l, i+len("behavior")); k < len(l) && l[k] == ':' {
			f.add(Markup, 0.85, "CSS behavior or binding")
		}
	}
	scanJSBreakout(f, l)
	if injectedHandler(l, true) {
		f.add(Markup, 0.8, "attribute injection with an event handler")
	}
}

// scanBareSchemes finds script and active data URLs outside tags, where a
// field may later be used as a link. Browsers drop tab, CR and LF inside a
// URL, so they are removed first.
func scanBareSchemes(f *findings, l string) {
	if strings.ContainsAny(l, "\t\r\n") {
		l = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, l)
	}
	check := func(start int) {
		if start > 0 && !isURLBoundary(l[start-1]) {
			return
		}
		if conf, reason := schemeDanger(l[start:], true); conf > 0 {
			f.add(Markup, conf*0.9, "bare "+reason)
		}
	}
	forEach(l, "script:", func(i int) {
		for _, p := range [...]string{"java", "vb", "live"} {
			if i >= len(p) && l[i-len(p):i] == p {
				check(i - len(p))
			}
		}
	})
	forEach(l, "data:", check)
}

func isURLBoundary(c byte) bool {
	return isSpace(c) || strings.IndexByte("\"'`=(<>[,;{|", c) >= 0
}

// scanJSBreakout finds a quote that closes a JavaScript string followed by
// an operator and a call to a script sink: `';alert(1)//`, `"-alert(1)-"`.
func scanJSBreakout(f *findings, l string) {
	for q := 0; q < len(l); q++ {
		c := l[q]
		if c != '\'' && c != '"' && c != '`' {
			continue
		}
		j := q + 1
		for n := 0; j < len(l) && n < 4 && strings.IndexByte(")]}\\ ", l[j]) >= 0; n++ {
			j++
		}
		ops := 0
		for n := 0; j < len(l) && n < 4 && strings.IndexByte(";+-*|&,^% ", l[j]) >= 0; n++ {
			if l[j] != ' ' {
				ops++
			}
			j++
		}
		if ops == 0 || j >= len(l) || !isLetter(l[j]) {
			continue
		}
		name := identAt(l, j)
		k := skipSpace(l, j+len(name))
		if k >= len(l) {
			continue
		}
		next := l[k]
		call := next == '(' || next == '`'
		if call && inSet(name, "alert prompt confirm eval fetch atob settimeout setinterval function import print open execscript") {
			f.add(Markup, 0.85, "script-string breakout calling a sink")
		} else if (next == '.' || next == '[') && inSet(name, "document window top self parent location globalthis constructor string navigator localstorage sessionstorage") {
			f.add(Markup, 0.8, "script-string breakout reaching a global object")
		}
	}
}
