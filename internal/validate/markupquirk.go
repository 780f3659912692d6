package validate

import "strings"

// markupIgnorables are format characters that some parsers, sanitizers or
// copy-paste paths drop from tag names: <scr&shy;ipt> becomes <script>.
var markupIgnorables = map[rune]bool{
	'\u00ad': true, '\u200b': true, '\u200c': true, '\u200d': true, '\u2060': true, '\ufeff': true,
	'\u034f': true, '\u180e': true,
}

// quirkView returns s as a lenient or legacy parser reads it, or "" when
// that is s itself: format characters removed, CDATA markers removed (in
// SVG and MathML "<![CDATA[" is real and hides markup from HTML-only
// filters), and white space after '<' dropped before a letter ("< script>",
// accepted by old browsers and some server-side parsers).
func quirkView(s string, l string) string {
	t := s
	if !isASCII(t) {
		t = strings.Map(func(r rune) rune {
			if markupIgnorables[r] {
				return -1
			}
			return r
		}, t)
	}
	if strings.Contains(l, "<![cdata[") {
		t = replaceFold(t, "<![cdata[", "")
		t = strings.ReplaceAll(t, "]]>", "")
	}
	if strings.IndexByte(t, '<') >= 0 {
		t = collapseTagSpace(t)
	}
	if t == s {
		return ""
	}
	return t
}

// collapseTagSpace drops white space between '<' (or "</") and a letter.
func collapseTagSpace(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			continue
		}
		j := i + 1
		if j < len(s) && s[j] == '/' {
			j++
		}
		k := j
		for k < len(s) && isSpace(s[k]) {
			k++
		}
		if k == j || k >= len(s) || !isLetter(s[k]) {
			continue
		}
		b.WriteString(s[last:j])
		last = k
		i = k - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// replaceFold replaces every ASCII-case-insensitive occurrence of the
// lower-case old in s with repl.
func replaceFold(s, old, repl string) string {
	l := asciiLower(s)
	var b strings.Builder
	last := 0
	forEach(l, old, func(i int) {
		if i < last {
			return
		}
		b.WriteString(s[last:i])
		b.WriteString(repl)
		last = i + len(old)
	})
	b.WriteString(s[last:])
	return b.String()
}

// doubledElement reports a tag name that becomes an element that runs or
// loads code once one copy of that name is removed from inside it:
// "scrscriptipt" and "scriptscript", written for filters that delete the
// name once.
func doubledElement(name string) (string, bool) {
	for _, d := range doubledTargets {
		if len(name) <= len(d) {
			continue
		}
		if k := strings.Index(name, d); k >= 0 && name[:k]+name[k+len(d):] == d {
			return d, true
		}
	}
	return "", false
}

// doubledTargets are the element names whose doubled spelling is reported.
var doubledTargets = []string{"script", "iframe", "frameset", "frame", "object", "embed", "applet", "portal", "svg", "style", "base", "meta", "link"}
