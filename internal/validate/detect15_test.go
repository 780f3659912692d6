package validate

import (
	"strings"
	"testing"
)

// TestDetectIssue15Classes checks one payload per rule added for the
// evasion classes of issue 15 and the class it must be reported as.
func TestDetectIssue15Classes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want Class
	}{
		{"nosql operator object", `{"password": {"$ne": null}}`, NoSQL},
		{"nosql where", `{"$where": "sleep(100)"}`, NoSQL},
		{"nosql query-string key", "user[$regex]=^a&pass[$ne]=x", NoSQL},
		{"ldap wildcard break", "*)(uid=*))(|(uid=*", LDAP},
		{"ldap absolute true", "admin)(&)", LDAP},
		{"ldap boolean", "(|(cn=*)(mail=*))", LDAP},
		{"php filter", "php://filter/convert.base64-encode/resource=index.php", PathTraversal},
		{"gopher ssrf", "gopher://127.0.0.1:6379/_INFO", PathTraversal},
		{"unc path", `\\attacker.example\share\x.exe`, PathTraversal},
		{"nt device path", `\\?\C:\Windows\win.ini`, PathTraversal},
		{"division slash traversal", "..\u2215..\u2215etc\u2215passwd", PathTraversal},
		{"percent-u set minus", "..%u2216..%u2216windows%u2216win.ini", PathTraversal},
		{"backtick probe after space", "my name is `whoami`", Shell},
		{"shellshock", "() { :;}; /bin/id", Shell},
		{"shell function then call", "f() { id; }; f", Shell},
		{"python import", "__import__('os').system('id')", Shell},
		{"os.system", "os.system('ls')", Shell},
		{"eval of a string", "eval('1+1')", Shell},
		{"bare dot", "{{.}}", Template},
		{"range over dot", "{{range .Users}}{{.Password}}{{end}}", Template},
		{"variable of dot", "{{$x := .}}", Template},
		{"line separator", "ok\u2028admin logged in", LineBreak},
		{"bare CR", "ok\rpayment refused", LineBreak},
		{"blank-line run", "a" + strings.Repeat("\n", 7) + "b", LineBreak},
		{"glued escaped CRLF", `bob\r\nadmin logged in`, LineBreak},
		{"mixed-script keyword", "j\u0430vascript", Unicode},
		{"homoglyph markup", "<\u0455cript>alert(1)</\u0455cript>", Markup},
		{"percent-encoded homoglyph", "%3C%D1%95cript%3Ealert(1)%3C/%D1%95cript%3E", Markup},
		{"math letters keyword", "𝐬𝐜𝐫𝐢𝐩𝐭", Unicode},
		{"math letters call", "𝐚𝐥𝐞𝐫𝐭(1)", Unicode},
		{"base64 markup", "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", Markup},
		{"cdata", "<![CDATA[<script>alert(1)</script>]]>", Markup},
		{"soft hyphen in tag", "<scr\u00adipt>alert(1)</script>", Markup},
		{"doubled name", "<scrscriptipt>alert(1)</scrscriptipt>", Markup},
		{"space after <", "< script>alert(1)</script>", Markup},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ds := Detect(tt.in); !hasClass(ds, tt.want) {
				t.Errorf("Detect(%q) = %v, want a %s detection", tt.in, ds, tt.want)
			}
		})
	}
}

// TestDetectIssue15Prose lists close calls around each new rule; none may
// produce any detection.
func TestDetectIssue15Prose(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"It was $5 and $ne was my typo",
		"I use $or in MongoDB queries",
		"(see above)(again)",
		"f(x)=2x and (a+b)(a-b)",
		"the file is in C:\\Users\\me",
		"\\o/ yay",
		"php is fun and so is the file: notes.txt",
		"I ran `ls -la` and `git status`",
		"const f = () => { return 1; }",
		"function hello() { console.log('hi'); }",
		"call model.eval() before testing",
		"eval(s) went well, per my manager",
		"the system (as usual) failed",
		"Go templates use {{.Name}} and Hugo has {{ range }}",
		"{{#each items}} and {{else}}",
		"Windows uses \\r\\n and Linux uses \\n",
		"First.\n\n\n\nSecond after three blank lines.",
		"Line one\r\nLine two",
		"Я сегодня очень устал",
		"Καλημέρα, σήμερα νιώθω καλά",
		"𝓗𝓪𝓹𝓹𝔂 𝓑𝓲𝓻𝓽𝓱𝓭𝓪𝔂",
		"𝐀𝐋𝐄𝐑𝐓: pizza night",
		"aGVsbG8gd29ybGQ= is hello world",
		"Antidisestablishmentarianism",
		"I'd rate it < 5 out of 10",
		"a < b and b > c",
		"3∕4 of the pizza",
	} {
		if ds := Detect(in); len(ds) != 0 {
			t.Errorf("Detect(%q) = %v, want nothing", in, ds)
		}
	}
}

func TestGoTemplateAction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		want bool
	}{
		{".", true}, {" - . - ", true}, {". | html", true}, {"$", true}, {"$x := .", true},
		{"range $k, $v := .", true}, {"index . \"k\"", true}, {"with .Config", true},
		{".Name", false}, {"name", false}, {"range", false}, {"#each items", false}, {"$x", false},
		{"if user.admin", false}, {"else", false},
		// Tabs and line breaks separate words as spaces do.
		{"$x\t:=\t.", true}, {".\t|\thtml", true}, {"index\n.\t\"k\"", true}, {"range\t$k,\t$v\t:=\t.", true},
		{"if\tuser.admin", false},
	}
	for _, tt := range tests {
		if got := goTemplateAction(tt.body); got != tt.want {
			t.Errorf("goTemplateAction(%q) = %v, want %v", tt.body, got, tt.want)
		}
	}
}

func TestQuirkView(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"<scr\u00adipt>", "<script>"},
		{"<![CDATA[<b>]]>", "<b>"},
		{"< script>", "<script>"},
		{"</ script>", "</script>"},
		{"a < 3", ""},
		{"plain", ""},
	}
	for _, tt := range tests {
		if got := quirkView(tt.in, asciiLower(tt.in)); got != tt.want {
			t.Errorf("quirkView(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDoubledElement(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"scrscriptipt": true, "scriptscript": true, "iframiframee": true, "objobjectect": true,
		"script": false, "scripts": false, "description": false, "subscription": false,
	} {
		if _, got := doubledElement(name); got != want {
			t.Errorf("doubledElement(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestDetectionShapeEvasions applies TestDetectionShape's invariants to
// the evasion corpus.
func TestDetectionShapeEvasions(t *testing.T) {
	t.Parallel()
	for _, k := range readEvasions(t) {
		for _, e := range k.payloads {
			ds := Detect(e.text)
			for i, d := range ds {
				if d.Confidence <= 0 || d.Confidence > 1 || d.Reason == "" || strings.ContainsAny(d.Reason, "<>{}%$`'\"\\;|=") {
					t.Errorf("line %d: malformed detection %+v", e.line, d)
				}
				if i > 0 && d.Confidence > ds[i-1].Confidence {
					t.Errorf("line %d: detections not sorted: %v", e.line, ds)
				}
			}
		}
	}
}
