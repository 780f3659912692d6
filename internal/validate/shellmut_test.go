package validate

import (
	"strings"
	"testing"
)

// TestScanShellEdges pins the separator scanner and checkCommand on the
// inputs that decide its branches: separators next to the command,
// quote/backslash/$@ splitting of the name, brace expansion, the 16-byte
// blanks and arguments of any length, Markdown table cells.
func TestScanShellEdges(t *testing.T) {
	t.Parallel()
	scan := func(f *findings, l string) { scanShell(f, l, false) }
	tests := []struct {
		name string
		line string
		want float64
	}{
		{"pipe glued to command", "x |whoami", 0.85},
		{"ampersand glued to command", "x &whoami", 0.85},
		{"double pipe", "x || whoami", 0.85},
		{"dollar substitution", "x $(whoami)", 0.9},
		{"process substitution", "x <(whoami)", 0.9},
		{"paren without $ < >", "x (whoami)", 0},
		{"backtick after =", "x=`whoami`", 0.9},
		{"whole field in backticks", "`whoami`", 0.9},
		{"backtick span followed by text", "`whoami` x", 0},
		{"weak separator, dangerous args", "hello\nrm -rf /", 0.75},
		{"weak separator, plain probe", "hello\nwhoami", 0},
		{"blanks skipped", ";" + strings.Repeat(" ", 16) + "whoami", 0.85},
		{"blank padding hides nothing", ";" + strings.Repeat(" \t", 5000) + "whoami", 0.85},
		{"blank skip counts from the separator", strings.Repeat("a", 20) + "; whoami", 0.85},
		{"brace expansion", "{cat,/etc/passwd}", 0.95},
		{"brace expansion sleep", "{sleep,5}", 0.85},
		{"brace expansion, several args", "{rm,-rf,/}", 0.95},
		{"brace word without comma", "{whoami}", 0},
		{"$IFS after the name", "; cat$ifs/etc/passwd", 0.95},
		{"single quotes in the name", "; w'h'o'am'i", 0.85},
		{"double quotes in the name", "; wh\"oam\"i", 0.85},
		{"backslash in the name", "; c\\at /etc/passwd", 0.95},
		{"$@ in the name", "; who$@ami", 0.85},
		{"$* in the name", "; who$*ami", 0.85},
		{"$ at the end of the name", "; whoami$", 0},
		{"absolute path name", "; /whoami", 0.85},
		{"absolute path in a table cell", "| /bin/whoami |", 0.9},
		{"absolute path after a weak start", "/usr/bin/whoami", 0},
		{"table cell bare command", "| whoami |", 0},
		{"table cell with flag", "| whoami -a |", 0.85},
		{"set with flag is not a probe", "; set -x", 0},
		{"env with flag is not a probe", "; env -i", 0},
		{"id with flag is a probe", "; id -a", 0.85},
		{"nc -e", "; nc -e", 0.95},
		{"nc -c", "; nc -c", 0.95},
		{"rm flag without r f s q", "; rm -v /", 0.85},
		{"echo append to path", "; echo x >> /tmp/a", 0.95},
		{"echo redirect without target", "; echo x >", 0},
		{"backslash and line break in the name", "; who\\\nami", 0.85},
		{"empty $() in the name", ";w$()hoami", 0.85},
		{"empty backticks in the name", ";w``hoami", 0.85},
		{"${x} in the name", "; wh${x}oami", 0.85},
		{"${ifs} after the name still splits", "; cat${ifs}/etc/passwd", 0.95},
		{"${} is no expansion", "; wh${}oami", 0},
		{"positional parameter in the name", "; who$1ami", 0.85},
		{"$ before a letter stays", "; who$xami", 0},
		{"input redirection ends the name", "; cat</etc/passwd", 0.95},
		{"output redirection ends the name", "; whoami>/tmp/x", 0.85},
		{"comment after the command", "|| whoami #", 0.85},
		{"comment hides its words", "; id # and more", 0.85},
		{"wildcard path", "; /???/??t /???/p??s??", 0.85},
		{"wildcard path after a weak start", "/???/??t", 0},
		{"star path is a comment opener", "; /* note */", 0},
		{"arguments of any length", "; cat" + strings.Repeat(" a", 5000) + " /etc/passwd", 0.95},
		{"arguments end at the next separator", "; cat a; /etc/passwd", 0},
		{"relative dotfile", "; cat .env", 0.95},
		{"relative key file", "; cat .ssh/id_rsa", 0.95},
		{"path relative to /", "; tail etc/shadow", 0.95},
		{"dotfile-like word", "; cat .net", 0},
	}
	for _, tt := range tests {
		if got := scanFinding(scan, Shell, tt.line).Confidence; got != tt.want {
			t.Errorf("%s: scanShell(%q) = %v, want %v", tt.name, tt.line, got, tt.want)
		}
	}
}

// TestShellArgHelpers pins the argument classifiers at their boundaries.
func TestShellArgHelpers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fn   string
		arg  string
		want bool
	}{
		{"flag", "--x", true},
		{"flag", "-1", false},
		{"flag", "/c", true},
		{"flag", "xc", false},
		{"path", ".env", false}, // a dot at 0 is not an extension
		{"path", "notes.txt", true},
		{"path", "notes.", false},
		{"net", "hello", false},
		{"net", "10.0.0.1", true},
		{"net", "ab.c", false}, // a one-letter top-level name
		{"net", "x.ab", true},
		{"net", ".com", false},
	}
	for _, tt := range tests {
		var got bool
		switch tt.fn {
		case "flag":
			got = flagArg(tt.arg)
		case "path":
			got = pathLike(tt.arg)
		case "net":
			got = netArg(tt.arg)
		}
		if got != tt.want {
			t.Errorf("%sArg(%q) = %v, want %v", tt.fn, tt.arg, got, tt.want)
		}
	}
}

// TestShellExecEdges pins the backtick-span, function-definition and
// execution-idiom scanners on their boundaries.
func TestShellExecEdges(t *testing.T) {
	t.Parallel()
	exec := func(f *findings, l string) { detectShellExec(f, newInput(l)) }
	tests := []struct {
		name string
		scan func(*findings, string)
		line string
		want float64
	}{
		{"backtick at index 0", exec, "`whoami`", 0.85},
		{"paren at index 0", exec, "(__import__)", 0.9},
		{"span of any length", scanBacktickSpans, "`whoami" + strings.Repeat(" ", 10000) + "`", 0.85},
		{"span ends at a line break", scanBacktickSpans, "`whoami\n`", 0},
		{"span far into the line", scanBacktickSpans, strings.Repeat("a", 300) + " `whoami`", 0.85},
		{"empty span", scanBacktickSpans, "x `` y", 0},
		{"root-relative name", scanBacktickSpans, "`/id`", 0.85},
		{"absolute name", scanBacktickSpans, "`/usr/bin/id`", 0.85},
		{"probe needing an argument, bare", scanBacktickSpans, "`env`", 0},
		{"probe needing an argument, given", scanBacktickSpans, "`sleep 5`", 0.85},
		{"shellshock", scanFunctionDefs, "() { :;}; echo x", 0.95},
		{"shellshock with empty body", scanFunctionDefs, "x=() {};", 0.95},
		{"unclosed definition after =", scanFunctionDefs, "x=() { echo", 0.85},
		{"unclosed definition after a letter", scanFunctionDefs, "x() { echo", 0},
		{"named definition run", scanFunctionDefs, "f() { whoami; }; f", 0.85},
		{"named definition padded", scanFunctionDefs, "f() {" + strings.Repeat(" \t", 300) + "whoami;" + strings.Repeat(" ", 300) + "}; f", 0.85},
		{"definitions sharing a close", scanFunctionDefs, "f() { g() { whoami; }; g", 0.85},
		{"shellshock padded", scanFunctionDefs, "() {" + strings.Repeat(" ", 300) + ":;}; echo x", 0.95},
		{"body longer than 128 in a value", scanFunctionDefs, "x=() { echo" + strings.Repeat(" x", 70) + " }", 0.85},
		{"body of 128 in a value", scanFunctionDefs, "x=() {" + strings.Repeat("x", 127) + "}", 0},
		{"long named body", scanFunctionDefs, "x() { echo" + strings.Repeat(" x", 70) + " }", 0},
		{"name ending in a hyphen is named", scanFunctionDefs, "x-() { whoami; }; x-", 0.85},
		{"callee 48-byte window", scanExecIdioms, "a" + strings.Repeat(".", 33) + "processbuilder(", 0},
		{"callee far into the line", scanExecIdioms, strings.Repeat("x", 60) + " os.system(", 0.95},
		{"eval of a single-quoted string", scanExecIdioms, "eval('id')", 0.9},
		{"eval of a double-quoted string", scanExecIdioms, "eval(\"id\")", 0.9},
		{"eval of a template string", scanExecIdioms, "eval(`id`)", 0.9},
		{"system of a php variable", scanExecIdioms, "system($_get['c'])", 0.9},
		{"eval of a call on an underscore name", scanExecIdioms, "eval(_x())", 0.9},
		{"eval of a bare name at the end", scanExecIdioms, "eval(x", 0},
	}
	for _, tt := range tests {
		if got := scanFinding(tt.scan, Shell, tt.line).Confidence; got != tt.want {
			t.Errorf("%s: %q = %v, want %v", tt.name, tt.line, got, tt.want)
		}
	}
}
