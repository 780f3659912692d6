package validate

import (
	"sort"
	"strings"
)

// Class names a kind of injection or abuse found by Detect.
type Class string

// Detection classes, in priority order (see Policy.Decide).
const (
	Markup         Class = "markup"          // HTML/SVG/MathML that can execute script
	Template       Class = "template"        // server- or client-side template expressions
	CRLF           Class = "crlf"            // line break forging a header, log record or protocol line
	LineBreak      Class = "line_break"      // line break that can split or hide log lines (U+2028, bare CR, ...)
	TerminalEscape Class = "terminal_escape" // ANSI/VT escape sequences
	Shell          Class = "shell"           // shell command injection
	SQL            Class = "sql"             // SQL injection shapes
	NoSQL          Class = "nosql"           // NoSQL (MongoDB-style) operator objects and $where code
	LDAP           Class = "ldap"            // LDAP search-filter injection
	PathTraversal  Class = "path_traversal"  // ../ sequences and sensitive file paths
	Formula        Class = "formula"         // spreadsheet formula at the start of a field
	Unicode        Class = "unicode"         // bidi controls, invisible runs, combining-mark floods
)

// classOrder lists every class from highest to lowest priority.
var classOrder = [...]Class{Markup, Template, CRLF, LineBreak, TerminalEscape, Shell, SQL, NoSQL, LDAP, PathTraversal, Formula, Unicode}

const numClasses = len(classOrder)

// Classes returns every detection class, highest priority first.
func Classes() []Class {
	out := make([]Class, numClasses)
	copy(out, classOrder[:])
	return out
}

func classIndex(c Class) int {
	for i, k := range classOrder {
		if k == c {
			return i
		}
	}
	return -1
}

// Detection is one class found in a text. Confidence is in (0, 1]: about
// 0.9 and above for an unambiguous executable payload, 0.6–0.8 for a shape
// that is very unlikely in prose but not certainly an attack. Reason is a
// short fixed description of the rule that fired; it never contains input.
type Detection struct {
	Class      Class
	Confidence float64
	Reason     string
}

// findings keeps the strongest detection per class.
type findings [numClasses]Detection

func (f *findings) add(c Class, conf float64, reason string) {
	i := classIndex(c)
	if conf > f[i].Confidence {
		f[i] = Detection{Class: c, Confidence: conf, Reason: reason}
	}
}

func (f *findings) list() []Detection {
	var out []Detection
	for _, d := range f {
		if d.Confidence > 0 {
			out = append(out, d)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Confidence > out[j].Confidence })
	return out
}

// Detect looks for injection payloads and Unicode abuse in s and returns at
// most one Detection per class (the strongest), most confident first; nil
// when nothing was found. It never fails: invalid UTF-8 is examined as
// bytes. The work is linear in len(s): every view and scanner below is a
// single pass with bounded look-ahead, and decoding runs a fixed number of
// rounds.
func Detect(s string) []Detection {
	var f findings
	in := newInput(s)
	if !isASCII(s) {
		detectUnicode(&f, s)
	}
	if !isASCII(s) || !isASCII(in.dec) {
		if sk := detectDisguise(&f, in); sk != "" {
			// Words spelled with look-alike letters: scan them as the
			// reader sees them, once (the skeleton is not disguised again).
			detectPayloads(&f, newInput(sk))
		}
	}
	detectTerminal(&f, in)
	detectCRLF(&f, in)
	detectLogBreaks(&f, in)
	detectBase64(&f, in)
	detectPayloads(&f, in)
	return f.list()
}

// detectPayloads runs the scanners that look for payload structure.
func detectPayloads(f *findings, in *input) {
	detectMarkup(f, in)
	detectTemplate(f, in)
	detectFormula(f, in)
	detectSQL(f, in)
	detectNoSQL(f, in)
	detectLDAP(f, in)
	detectPath(f, in)
	detectPathWrappers(f, in)
	detectShell(f, in)
	detectShellExec(f, in)
}

// input holds the views of one text that the detectors share.
type input struct {
	raw      string // as received
	dec      string // de-obfuscated: NFKC, NUL removed, percent/entity/escape decoded
	lower    string // ASCII-lower-cased dec (same byte offsets)
	rawLower string // ASCII-lower-cased raw
	// encBreak is set when raw contains a percent- or entity-encoded line
	// break: a line break in dec may then have been hidden from the client's
	// own view of the text, so CRLF and shell rules are stricter.
	encBreak bool
	// escBreak is set when raw contains a backslash-escaped line break (\n).
	escBreak bool
}

func newInput(s string) *input {
	in := &input{raw: s}
	in.dec = decode(s)
	in.lower = asciiLower(in.dec)
	in.rawLower = asciiLower(s)
	in.encBreak = hasEncodedBreak(in.rawLower)
	if strings.IndexByte(s, '\\') >= 0 {
		for _, m := range [...]string{`\n`, `\r`, `\u000a`, `\u000d`, `\x0a`, `\x0d`} {
			in.escBreak = in.escBreak || strings.Contains(in.rawLower, m)
		}
	}
	return in
}

// views returns the distinct texts worth scanning: the decoded view and,
// when decoding changed anything, the raw text too.
func (in *input) views() []string {
	if in.dec == in.raw {
		return []string{in.dec}
	}
	return []string{in.dec, in.raw}
}

// lowerViews is views, ASCII-lower-cased.
func (in *input) lowerViews() []string {
	if in.dec == in.raw {
		return []string{in.lower}
	}
	return []string{in.lower, in.rawLower}
}

func hasEncodedBreak(l string) bool {
	if strings.IndexByte(l, '%') < 0 && !strings.Contains(l, "&#") && !strings.Contains(l, "&newline") {
		return false
	}
	for _, m := range [...]string{"%0a", "%0d", "%250a", "%250d", "&#10", "&#13", "&#x0a", "&#xa;", "&#x0d", "&#xd;", "&newline;", "%e5%98%8a", "%e5%98%8d", "%u000a", "%u000d", "%c0%8a", "%c0%8d"} {
		if strings.Contains(l, m) {
			return true
		}
	}
	return false
}
