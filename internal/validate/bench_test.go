package validate

import (
	"strings"
	"testing"
)

// text70 is a typical journal sentence of 70 characters.
const text70 = "Had coffee with Sam today; we talked for hours and I felt understood!!"

// validate is what the API does with one text: Text, Detect, Decide.
func validate(b *testing.B, p Policy, s string) {
	t, err := Text(s, Limits{MinLength: 1, MaxLength: 10000})
	if err != nil {
		b.Fatalf("Text: %v", err)
	}
	p.Decide(Detect(t))
}

func BenchmarkValidate70(b *testing.B) {
	if len(text70) != 70 {
		b.Fatalf("text70 has %d bytes, want 70", len(text70))
	}
	p := DefaultPolicy()
	b.ReportAllocs()
	b.SetBytes(int64(len(text70)))
	for b.Loop() {
		validate(b, p, text70)
	}
}

// journal10k is 10,000 characters of ordinary multi-line journal prose.
func journal10k() string {
	para := "Today was long; I woke up at 6:45, ran 5k and felt great. Mood: ok.\r\nThen work & meetings (too many) -- but lunch with Sam was lovely :) <3\r\n"
	s := strings.Repeat(para, 10000/len(para)+1)
	return s[:10000]
}

func BenchmarkValidate10k(b *testing.B) {
	s := journal10k()
	p := DefaultPolicy()
	b.ReportAllocs()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		validate(b, p, s)
	}
}

// adversarial10k are 10,000-character inputs built to make a careless
// scanner quadratic: repeated openers without closers, nested delimiters,
// encodings that decode into more encodings, separators without commands.
func adversarial10k() map[string]string {
	rep := func(unit string) string {
		s := strings.Repeat(unit, 10000/len(unit)+1)
		return s[:10000]
	}
	return map[string]string{
		"onon":        rep("on") + "=",
		"a-tags":      rep("<a "),
		"braces":      rep("{"),
		"dollar":      rep("${"),
		"nested":      strings.Repeat("{", 5000) + strings.Repeat("}", 5000),
		"percent25":   rep("%25"),
		"percent2525": "%" + rep("25"),
		"entities":    rep("&#x26;"),
		"erb":         rep("<%"),
		"quotes":      rep("'-"),
		"separators":  rep(";|"),
		"subst":       rep("$("),
		"dots":        rep("../"),
		"colons":      rep("data:"),
		"script":      rep("<scr<script>ipt>"),
		"lines":       rep("\n"),
		"sql":         rep("' or "),
		"comments":    rep("/*"),
		"backslash":   rep("\\u"),
		"markdown":    rep("]("),
		// Issue 15 scanners.
		"escapedcrlf": rep(`\r\n`),
		"ldap":        rep("*)("),
		"ldapbool":    rep("(|(&(!"),
		"nosql":       rep(`{"$ne":`),
		"backticks":   rep("`x "),
		"funcdefs":    rep("() {"),
		"execcalls":   rep("eval(os.system("),
		"unc":         rep(`\\a`),
		"wrappers":    rep("php://"),
		"homoglyph":   rep("ѕеlеct "),
		"mathletters": rep("𝐬𝐞𝐥𝐞𝐜𝐭 "),
		"base64":      rep("PHNjcmlwdD4"),
		"cdata":       rep("<![CDATA["),
		"spacetag":    rep("< a"),
		"blanklines":  rep("\n \n"),
		"lookalike":   rep("..\u2215"),
		"goactions":   rep("{{range .}}"),
		// Blanks and arguments are read without a window (session 16).
		"padded":        rep(";" + strings.Repeat(" ", 99)),
		"readers":       rep("|cat .env a "),
		"spans":         rep("`id" + strings.Repeat(" ", 20)),
		"formula":       rep(",=+ -@"),
		"funcclose":     rep("f() {"+strings.Repeat(" ", 20)) + "}",
		"expansions":    rep("; w${x}$()``$1\\\n"),
		"continuations": ";" + rep("\\\n"),
	}
}

func BenchmarkDetectAdversarial10k(b *testing.B) {
	for name, s := range adversarial10k() {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				Detect(s)
			}
		})
	}
}
