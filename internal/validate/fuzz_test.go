package validate

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzText checks that Text never panics and that whatever it accepts is
// valid UTF-8, NFC, within the limits and free of the characters it rejects.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "hello", "cafe\u0301", "a\x00b", "\xff", "\u202e", "a\u200b\u200bb", "Z" + strings.Repeat("\u0301", 40), "\ufdd0", "🏴\U000E0067\U000E0062\U000E007F", "\r\n\t"} {
		f.Add(s, 1, 50)
	}
	f.Fuzz(func(t *testing.T, s string, minLen, maxLen int) {
		minLen %= 100
		maxLen %= 200
		if maxLen < 0 {
			maxLen = -maxLen
		}
		lim := Limits{MinLength: minLen, MaxLength: maxLen}
		got, err := Text(s, lim)
		if err != nil {
			fe, ok := err.(*FieldError)
			if !ok || fe.Code == "" || fe.Message == "" {
				t.Fatalf("Text error %#v is not a complete *FieldError", err)
			}
			return
		}
		if !utf8.ValidString(got) {
			t.Fatalf("Text returned invalid UTF-8 %q", got)
		}
		if !norm.NFC.IsNormalString(got) {
			t.Fatalf("Text returned non-NFC %q", got)
		}
		n := utf8.RuneCountInString(got)
		if n < lim.MinLength || (lim.MaxLength > 0 && n > lim.MaxLength) {
			t.Fatalf("Text returned %d code points outside %+v", n, lim)
		}
		if _, code := scanRunes(got); code != "" {
			t.Fatalf("Text accepted %q containing %s", got, code)
		}
	})
}

// FuzzDetect checks that Detect never panics and returns well-formed
// detections, and that DefaultPolicy can decide on them.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		"", "hello world", "<script>alert(1)</script>", "<scr<script>ipt>", "{{7*7}}", "${jndi:ldap://x}",
		"x\r\nSet-Cookie: a=b", "\x1b[31m", "; rm -rf /", "' OR 1=1 --", "../../etc/passwd",
		"=HYPERLINK(\"x\")", "a\u202eb", "%25%32%35", "+ADw-", "\\u003c", "<%= 1 %>", "@(1)",
		"{{{{", "<a <a <a", "onononon=", "\xff\xfe", "<!--<img src=x onerror=1>-->",
		// Issue 15 scanners.
		`{"$ne": null}`, "user[$regex]=^a", "*)(uid=*))(|(uid=*", "admin)(&)", "php://filter/resource=x",
		`\\attacker\share`, `\??\UNC\x`, "..\u2215..\u2215etc", "%u002e%u002e%u2215", "a `whoami` b",
		"() { :;}; id", "f() { id; }; f", "__import__('os').system('id')", "eval(atob('x'))", "{{range .}}{{.}}{{end}}",
		"{{$x := .}}", "a\u2028b", "a\rb", "a\n\n\n\n\n\n\nb", `ok\r\nforged`, "\u0455cript", "jаvascript:alert(1)",
		"𝐬𝐜𝐫𝐢𝐩𝐭", "𝐬𝐞𝐥𝐞𝐜𝐭 𝐟𝐫𝐨𝐦", "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "<![CDATA[<script>x</script>]]>",
		"<scr\u00adipt>", "<scrscriptipt>", "< script>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ds := Detect(s)
		seen := map[Class]bool{}
		for _, d := range ds {
			if classIndex(d.Class) < 0 || seen[d.Class] || d.Confidence <= 0 || d.Confidence > 1 || d.Reason == "" {
				t.Fatalf("malformed detections %v for %q", ds, s)
			}
			seen[d.Class] = true
		}
		DefaultPolicy().Decide(ds)
	})
}
