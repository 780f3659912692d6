package validate

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
)

// maxMarkupDepth bounds re-tokenising of comments and attribute values that
// themselves contain markup (mutation-XSS and conditional-comment tricks).
const maxMarkupDepth = 2

// tagCloser closes a tag, and a quoted attribute value, left open at the end
// of the input: a reflected payload such as `<img src=x onerror=alert(1)`
// executes once the page supplies the '>'.
const tagCloser = `'">`

// detectMarkup finds HTML, SVG and MathML that can run script, by running an
// HTML tokenizer over the de-obfuscated text (and the raw text when they
// differ), then over a copy with innermost tags removed when the tokenizer
// saw tags split by nesting. A few non-tag vectors are scanned lexically:
// Markdown link targets, bare script URLs, CSS expression(), XML entities
// and breakouts from a JavaScript string.
func detectMarkup(f *findings, in *input) {
	for _, v := range in.views() {
		if mayHaveTag(v) {
			if nested := tokenizeMarkup(f, v+tagCloser, 0); nested {
				if st := stripTags(v); st != v {
					tokenizeMarkup(f, st+tagCloser, 0)
				}
			}
		}
	}
	if q := quirkView(in.dec, in.lower); q != "" && mayHaveTag(q) {
		tokenizeMarkup(f, q+tagCloser, 0)
	}
	if strings.Contains(in.lower, "<![cdata[") && strings.Contains(in.lower, "]]>") {
		if i := strings.Index(in.lower, "<![cdata["); mayHaveTag(in.lower[i+9:]) {
			f.add(Markup, 0.8, "CDATA section holding markup")
		}
	}
	scanMarkupText(f, in.lower)
}

// mayHaveTag reports whether v has a '<' that opens a tag, end tag, comment,
// doctype or processing instruction; "<3" and "<-" do not, and text
// without one needs no tokenizer.
func mayHaveTag(v string) bool {
	for i := 0; i < len(v); i++ {
		j := strings.IndexByte(v[i:], '<')
		if j < 0 || i+j+1 >= len(v) {
			return false
		}
		i += j
		if c := v[i+1]; isLetter(c) || c == '/' || c == '!' || c == '?' {
			return true
		}
	}
	return false
}

// tokenizeMarkup reports executable markup in v and whether a tag name or
// attribute contained '<' (a sign of nesting used to evade filters).
func tokenizeMarkup(f *findings, v string, depth int) (nested bool) {
	z := html.NewTokenizer(strings.NewReader(v))
	inStyle := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return nested
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			local := localName(name)
			if bytes.IndexByte(name, '<') >= 0 {
				nested = true
			}
			checkElement(f, local)
			el := elementState{name: local}
			for hasAttr {
				var key, val []byte
				key, val, hasAttr = z.TagAttr()
				if bytes.IndexByte(key, '<') >= 0 || bytes.IndexByte(val, '<') >= 0 {
					nested = true
					if depth < maxMarkupDepth && bytes.IndexByte(val, '<') >= 0 {
						tokenizeMarkup(f, string(val)+tagCloser, depth+1)
					}
				}
				checkAttr(f, &el, localName(key), val)
			}
			el.finish(f)
			inStyle = tt == html.StartTagToken && string(local) == "style"
			// Parse what follows as markup even after <title>, <textarea>,
			// <noscript>, <xmp>...: a payload may close them itself.
			z.NextIsNotRawText()
		case html.EndTagToken:
			name, _ := z.TagName()
			if bytes.IndexByte(name, '<') >= 0 {
				nested = true
			}
			inStyle = false
		case html.TextToken:
			if inStyle {
				if conf, reason := cssDanger(string(z.Text())); conf > 0 {
					f.add(Markup, conf, reason)
				}
			}
		case html.CommentToken:
			text := string(z.Text())
			lt := asciiLower(strings.TrimSpace(text))
			switch {
			case strings.HasPrefix(lt, "?php") || strings.HasPrefix(lt, "?="):
				f.add(Template, 0.95, "PHP code block")
			case strings.HasPrefix(lt, "?xml-stylesheet"), strings.HasPrefix(lt, "?import"):
				f.add(Markup, 0.85, "XML processing instruction loading code")
			}
			if depth < maxMarkupDepth && strings.IndexByte(text, '<') >= 0 {
				tokenizeMarkup(f, text+tagCloser, depth+1)
			}
		}
	}
}

// localName drops a namespace prefix: "svg:script" -> "script".
func localName(b []byte) []byte {
	if i := bytes.LastIndexByte(b, ':'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// activeElement is what an element that runs or loads code is reported as.
type activeElement struct {
	conf   float64
	reason string
}

// activeElements lists elements reported by name alone.
var activeElements = map[string]activeElement{
	"script":   {0.98, "script element"},
	"iframe":   {0.9, "element that loads active content"},
	"frame":    {0.9, "element that loads active content"},
	"frameset": {0.9, "element that loads active content"},
	"object":   {0.9, "element that loads active content"},
	"embed":    {0.9, "element that loads active content"},
	"applet":   {0.9, "element that loads active content"},
	"portal":   {0.9, "element that loads active content"},
	"base":     {0.85, "base element redirecting relative URLs"},
	"import":   {0.8, "element that loads active content"},
	"xml":      {0.8, "element that loads active content"},
	"style":    {0.7, "style element"},
}

func checkElement(f *findings, name []byte) {
	if e, ok := activeElements[string(name)]; ok {
		f.add(Markup, e.conf, e.reason)
		return
	}
	if len(name) > 6 {
		if _, ok := doubledElement(string(name)); ok {
			f.add(Markup, 0.9, "element name doubled to evade a filter")
		}
	}
}

// elementState collects what one tag's attributes reveal together.
type elementState struct {
	name       []byte
	httpEquiv  string
	rel        string
	hasHref    bool
	contentURL bool
}

func (e *elementState) finish(f *findings) {
	switch string(e.name) {
	case "meta":
		if inSet(e.httpEquiv, "refresh set-cookie content-security-policy link") || e.contentURL {
			f.add(Markup, 0.85, "meta element that redirects or sets headers")
		}
	case "link":
		if e.hasHref && inSet(e.rel, "stylesheet import preload modulepreload prefetch prerender manifest") {
			f.add(Markup, 0.8, "link element loading a resource")
		}
	}
}

func checkAttr(f *findings, e *elementState, keyB, valB []byte) {
	valB = bytes.TrimSpace(valB)
	if len(keyB) > 2 && keyB[0] == 'o' && keyB[1] == 'n' && allLetters(keyB[2:]) {
		if len(valB) > 0 {
			f.add(Markup, 0.95, "event-handler attribute")
		}
		return
	}
	// Most attributes of harmless markup need no further look; avoid
	// converting them to strings.
	if len(valB) == 0 || (bytes.IndexByte(valB, ':') < 0 && bytes.IndexByte(valB, '&') < 0 && bytes.IndexByte(valB, '=') < 0 && !isStateAttr(keyB)) {
		return
	}
	key, val := string(keyB), string(valB)
	lv := asciiLower(val)
	switch {
	case key == "style":
		if conf, reason := cssDanger(val); conf > 0 {
			f.add(Markup, conf, reason)
		}
	case key == "srcdoc" && lv != "":
		f.add(Markup, 0.9, "srcdoc attribute holding a document")
	case key == "attributename" && strings.HasPrefix(lv, "on"):
		f.add(Markup, 0.9, "SVG animation setting an event handler")
	case key == "http-equiv":
		e.httpEquiv = lv
	case key == "rel":
		e.rel = lv
	case key == "href":
		e.hasHref = lv != ""
	case key == "content":
		if strings.Contains(lv, "url=") {
			e.contentURL = true
		}
	}
	if conf, reason := schemeDanger(val, false); conf > 0 {
		f.add(Markup, conf, reason)
	}
	if strings.Contains(val, "&{") {
		f.add(Markup, 0.8, "JavaScript entity in an attribute")
	}
	if injectedHandler(lv, false) {
		f.add(Markup, 0.85, "event handler smuggled inside an attribute value")
	}
}

// injectedHandler reports "onevent=" after a quote, backtick, slash or
// space in l (lower case): the shape of an attribute added by breaking out
// of a quoted (or backtick-quoted, for old IE) attribute value. With
// needQuote the handler must also follow a quote within the text, and
// only well-known event names count.
func injectedHandler(l string, needQuote bool) bool {
	quoteSeen := false
	for i := 0; i+4 < len(l); i++ {
		c := l[i]
		if c == '"' || c == '\'' || c == '`' {
			quoteSeen = true
		}
		if c != 'o' || l[i+1] != 'n' || i == 0 {
			continue
		}
		switch l[i-1] {
		case '"', '\'', '`', ' ', '/', '\t', '\n', '\f', '\r': // HTML's blanks are these four and space
		default:
			continue
		}
		j := i + 2
		for j < len(l) && isLetter(l[j]) && j-i < 32 {
			j++
		}
		k := skipSpace(l, j)
		if j-i < 5 || k >= len(l) || l[k] != '=' || (k+1 < len(l) && l[k+1] == '=') {
			continue
		}
		if !needQuote {
			return true
		}
		if quoteSeen && inSet(l[i+2:j], domEvents) {
			return true
		}
	}
	return false
}

// domEvents lists common DOM event names (without "on") for finding
// attribute injection in text that has no tag.
const domEvents = "abort afterprint animationend animationiteration animationstart auxclick beforeprint beforeunload begin blur canplay change click close contextmenu copy cut dblclick drag dragend dragenter dragleave dragover dragstart drop end ended error focus focusin focusout hashchange input invalid keydown keypress keyup load loadeddata loadstart message mousedown mouseenter mouseleave mousemove mouseout mouseover mouseup pagehide pageshow paste pause play playing pointerdown pointerenter pointerleave pointermove pointerout pointerover pointerup popstate progress readystatechange repeat reset resize scroll scrollend search select show start storage submit toggle touchend touchmove touchstart transitionend unload volumechange wheel"

// isStateAttr reports attributes whose value matters even without ':'.
func isStateAttr(k []byte) bool {
	switch string(k) {
	case "style", "srcdoc", "attributename", "http-equiv", "rel", "href", "content":
		return true
	}
	return false
}

func allLetters(s []byte) bool {
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

// schemeDanger checks a URL as a browser reads it: leading C0 controls and
// spaces ignored, tab/LF/CR removed anywhere, scheme case-insensitive. With
// needCode, a script scheme counts only when what follows looks like code
// (so prose like "javascript: the good parts" is not a URL).
func schemeDanger(val string, needCode bool) (float64, string) {
	var b [24]byte
	n := 0
	i := 0
	for i < len(val) && val[i] <= ' ' {
		i++
	}
	for ; i < len(val) && n < len(b); i++ {
		c := val[i]
		if c == '\t' || c == '\n' || c == '\r' {
			continue
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[n] = c
		n++
		if c == ':' {
			i++
			break
		}
		if !isLetter(c) {
			return 0, ""
		}
	}
	if n == 0 || b[n-1] != ':' {
		return 0, ""
	}
	rest := val[i:]
	switch string(b[:n-1]) {
	case "javascript", "vbscript", "livescript", "mocha":
		if needCode && !looksLikeCode(rest) {
			return 0, ""
		}
		return 0.95, "script URL"
	case "data":
		lr := asciiLower(strings.TrimLeft(rest, " \t\r\n"))
		for _, t := range [...]string{"text/html", "application/xhtml", "image/svg", "text/xml", "application/xml", "text/javascript", "application/javascript", "application/x-javascript", "application/ecmascript", "text/vbscript", "text/x-scriptlet"} {
			if strings.HasPrefix(lr, t) {
				return 0.9, "data URL with an active document type"
			}
		}
		if needCode {
			if strings.HasPrefix(lr, ",") && looksLikeCode(lr[1:]) {
				return 0.8, "data URL with inline code"
			}
			return 0, ""
		}
		return 0.6, "data URL in an attribute"
	}
	return 0, ""
}

// looksLikeCode reports whether the start of s (up to the first space)
// contains punctuation that a script URL needs and prose after "word:" does
// not have, or is a name longer than any word (javascript:aaa…aaa=alert(1)
// puts its punctuation past the 64 bytes looked at).
func looksLikeCode(s string) bool {
	if s == "" || isSpace(s[0]) {
		return false
	}
	tok := s[:min(len(s), 64)]
	if k := strings.IndexByte(tok, ' '); k >= 0 {
		tok = tok[:k]
	}
	name := len(tok) == 64
	for k := 0; name && k < len(tok); k++ {
		name = isIdent(tok[k]) || tok[k] == '$'
	}
	return name || strings.ContainsAny(tok, "(`'\"=[{;%") || strings.Contains(tok, "//")
}

// cssDanger looks for script-running CSS after undoing CSS escapes and
// comments: expression(), script URLs, behaviors, -moz-binding, @import.
func cssDanger(css string) (float64, string) {
	c := normCSS(css)
	switch {
	case strings.Contains(c, "expression("):
		return 0.95, "CSS expression()"
	case strings.Contains(c, "javascript:"), strings.Contains(c, "vbscript:"):
		return 0.95, "script URL in CSS"
	case strings.Contains(c, "behavior:"), strings.Contains(c, "behaviour:"), strings.Contains(c, "-moz-binding"):
		return 0.9, "CSS behavior or binding"
	case strings.Contains(c, "url(data:text/html"), strings.Contains(c, "url(data:image/svg"):
		return 0.8, "active data URL in CSS"
	case strings.Contains(c, "@import"):
		return 0.75, "CSS @import"
	}
	return 0, ""
}

// normCSS decodes CSS escapes (\65 or \e), drops comments and white space,
// and lower-cases ASCII.
func normCSS(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				i = len(s)
			} else {
				i += j + 3
			}
			continue
		case c == '\\' && i+1 < len(s):
			j, r := i+1, 0
			for j < len(s) && j < i+7 && isHex(s[j]) {
				r = r<<4 | int(hexVal(s[j]))
				j++
			}
			if j > i+1 {
				if j < len(s) && isSpace(s[j]) {
					j++
				}
				i = j - 1
				if r < 0x80 {
					c = byte(r)
				} else {
					continue
				}
			} else {
				i++
				c = s[i]
			}
		}
		if isSpace(c) || c == '"' || c == '\'' {
			continue
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return string(b)
}
