package validate

import "strings"

// isArgTerm reports the bytes that end a command's arguments; every one of
// them can also start the next command, so argument regions never overlap.
func isArgTerm(c byte) bool {
	switch c {
	case ';', '|', '&', '\n', '`', '(', ')', '{', '}':
		return true
	}
	return false
}

// Separator strengths. A strong separator (;, |, &&, ||, $( ), `...`) only
// occurs in prose by accident, so a known command with plausible arguments
// after it is reported. After a weak one (start of text, a line break, a
// single &) only arguments that are themselves dangerous count.
const (
	sepWeak = iota
	sepStrong
	sepSubst // $(...) and `...`: any known command is enough
)

// detectShell finds shell command injection: a command separator followed
// by a known command whose arguments have the shape of a real invocation
// (flags, paths, hosts, URLs), command substitution of a known command,
// $IFS tricks, /dev/tcp reverse shells, brace expansion and fork bombs.
// Quote and backslash splitting inside the command name (w'h'o'am'i, c\at)
// is undone. Markdown code spans (`ls -la` after a space) are prose.
func detectShell(f *findings, in *input) {
	for _, l := range in.lowerViews() {
		scanShell(f, l, in.encBreak)
	}
}

func scanShell(f *findings, l string, encBreak bool) {
	switch {
	case strings.Contains(l, "/dev/tcp/"), strings.Contains(l, "/dev/udp/"):
		f.add(Shell, 0.95, "reverse shell through /dev/tcp")
	}
	if strings.Contains(l, "$ifs") || strings.Contains(l, "${ifs}") {
		f.add(Shell, 0.9, "shell field-separator trick")
	}
	if strings.Contains(l, ":(){") || strings.Contains(l, ":() {") {
		f.add(Shell, 0.9, "fork bomb")
	}
	checkCommand(f, l, 0, sepWeak, 0)
	for i := 0; i < len(l); i++ {
		c := l[i]
		strength, sep := -1, c
		switch c {
		case ';':
			strength = sepStrong
		case '|':
			strength = sepStrong
			if i+1 < len(l) && l[i+1] == '|' {
				i++
			}
		case '&':
			// A single & separates commands on Windows and backgrounds
			// one in sh; in prose it joins names ("Tom & Jerry").
			strength = sepStrong
			if i+1 < len(l) && l[i+1] == '&' {
				i++
			}
		case '\n':
			strength = sepWeak
			if encBreak {
				strength = sepStrong
			}
			if i > 0 && l[i-1] == '\\' {
				strength = -1 // a line continuation joins, it separates nothing
			}
		case '(':
			if i > 0 && (l[i-1] == '$' || l[i-1] == '<' || l[i-1] == '>') {
				strength = sepSubst
			}
		case '{':
			strength, sep = sepStrong, '{'
		case '`':
			if i > 0 && (isAlnum(l[i-1]) || strings.IndexByte("=;|&$'\"", l[i-1]) >= 0) {
				strength = sepSubst
			} else if i == 0 && strings.IndexByte(l[1:], '`') == len(l)-2 {
				strength = sepSubst // the whole field is `command`
			}
		}
		if strength >= 0 {
			checkCommand(f, l, i+1, strength, sep)
		}
	}
}

// checkCommand reads the command starting at i (after a separator) and
// reports it when its name and arguments look like a real invocation.
func checkCommand(f *findings, l string, i, strength int, sep byte) {
	j := i
	for j < len(l) && (l[j] == ' ' || l[j] == '\t') {
		j++
	}
	absolute := j < len(l) && l[j] == '/'
	word, j := readName(l, j, sep)
	if absolute && strength == sepStrong && strings.IndexByte(word, '?') >= 0 {
		// /???/??t /???/p??s?? : the shell expands the name from the
		// file system (/bin/cat), which hides it from word lists.
		f.add(Shell, 0.85, "command named by a wildcard path")
		return
	}
	if k := strings.LastIndexAny(word, "/\\"); k >= 0 {
		word = word[k+1:]
	}
	if word == "" {
		return
	}
	if sep == '{' {
		if j >= len(l) || l[j] != ',' {
			return // {word} is not brace expansion
		}
		j++
	}
	if _, _, known := evalCommand(word, nil); !known {
		return
	}
	end := j
	for end < len(l) && !isArgTerm(l[end]) {
		if hasPrefixAt(l, end, "${ifs}") {
			end += len("${ifs}") - 1 // its braces end nothing
		}
		end++
	}
	region := l[j:end]
	if strings.Contains(region, "$ifs") || strings.Contains(region, "${ifs}") || sep == '{' {
		region = strings.NewReplacer("${ifs}", " ", "$ifs$9", " ", "$ifs", " ", ",", " ").Replace(region)
	}
	args := strings.Fields(region)
	for k, a := range args {
		if a[0] == '#' {
			args = args[:k] // a comment to the end of the line
			break
		}
	}
	match, strong, known := evalCommand(word, args)
	if !known {
		return
	}
	tableCell := sep == '|' && end < len(l) && l[end] == '|'
	switch {
	case strength == sepSubst:
		f.add(Shell, 0.9, "command substitution")
	case strength == sepStrong && match && !(tableCell && len(args) == 0):
		if strong {
			f.add(Shell, 0.95, "dangerous command after a separator")
		} else {
			f.add(Shell, 0.85, "command after a separator")
		}
	case strong:
		f.add(Shell, 0.75, "dangerous command invocation")
	case absolute && match && strength == sepStrong:
		f.add(Shell, 0.9, "command by absolute path")
	}
}

// readName reads the command name starting at l[j] as the shell forms
// it: quotes and backslashes are dropped (w'h'o\ami), and so are the
// expansions that are empty inside a word (see emptyExpansion). It stops
// at a blank, a separator, a redirection (cat</etc/passwd), $IFS, or when
// 48 bytes are kept, and returns the name and where it stopped.
func readName(l string, j int, sep byte) (string, int) {
	var buf [48]byte
	n := 0
	for j < len(l) && n < len(buf) {
		if k := emptyExpansion(l, j); k > 0 {
			j += k
			continue
		}
		c := l[j]
		if isSpace(c) || isArgTerm(c) || c == '<' || c == '>' || (sep == '{' && c == ',') {
			break
		}
		if c == '$' && (hasPrefixAt(l, j, "$ifs") || hasPrefixAt(l, j, "${ifs}")) {
			break
		}
		if c != '\'' && c != '"' && c != '\\' {
			buf[n] = c
			n++
		}
		j++
	}
	return string(buf[:n]), j
}

// emptyExpansion returns the length of what starts at l[j] when the shell
// turns it into nothing inside a word, which splits a command name without
// changing it (who$@ami, w${x}hoami, w$()hoami), else 0: a backslash and
// a line break, $@, $*, $0-$9, ${name} (not ${ifs}), $() and two
// backticks.
func emptyExpansion(l string, j int) int {
	switch {
	case hasPrefixAt(l, j, "\\\n"), hasPrefixAt(l, j, "``"):
		return 2
	case hasPrefixAt(l, j, "$()"):
		return 3
	case l[j] != '$' || j+1 >= len(l):
		return 0
	case l[j+1] == '@' || l[j+1] == '*' || isDigit(l[j+1]):
		return 2
	case l[j+1] == '{':
		name := identAt(l, j+2)
		if end := j + 2 + len(name); name != "" && name != "ifs" && end < len(l) && l[end] == '}' {
			return end + 1 - j
		}
	}
	return 0
}

// evalCommand reports whether word is a known command (known), whether
// args have the shape of a real invocation of it (match), and whether they
// are dangerous on their own (strong: reverse shells, recursive deletes of
// /, reads of sensitive files, network downloads).
func evalCommand(word string, args []string) (match, strong, known bool) {
	// A privilege or session wrapper is judged by the command it runs.
	if inSet(word, "sudo su nohup setsid") {
		if len(args) > 0 {
			return evalCommand(args[0], args[1:])
		}
		return word == "su", false, true
	}
	judge, known := commandRules[word]
	if !known {
		return false, false, false
	}
	match, strong = judge(word, args)
	return match, strong, true
}

// argJudge says whether a known command's arguments make it an attack
// (match) and a certain one (strong).
type argJudge func(word string, args []string) (match, strong bool)

// commandTable lists the commands the shell scanner knows, grouped by how
// their arguments are judged. A word belongs to one group.
var commandTable = []struct {
	words string // space-separated command names
	judge argJudge
}{
	{"cat head tail less more nl tac strings xxd od base64 type grep", judgeReader},
	{"id whoami uname hostname pwd ifconfig ipconfig ps netstat ls dir systeminfo tasklist ver env printenv set", judgeProbe},
	{"curl wget fetch nc ncat netcat socat telnet ping nslookup dig host traceroute tracert tftp ftp ssh scp sftp", judgeNetwork},
	{"bash sh zsh ksh dash csh tcsh fish powershell pwsh cmd cmd.exe powershell.exe", judgeShell},
	{"python python2 python3 perl ruby php node nodejs lua", judgeInterpreter},
	{"rm rmdir del rd shred mkfs dd", judgeDelete},
	{"sleep timeout", judgeSleep},
	{"chmod chown chattr", judgePermissions},
	{"echo printf", judgeEcho},
	{"mkfifo mshta rundll32 regsvr32 certutil bitsadmin iex invoke-expression invoke-webrequest iwr start-process useradd adduser usermod chpasswd xterm", judgeAnyArgs},
	{"net", judgeSubcommand("user localgroup use share group stop start view")},
	{"reg", judgeSubcommand("add query delete export save")},
	{"shutdown reboot halt poweroff crontab kill killall pkill", judgeSystem},
	{"exec eval", judgeEval},
}

// commandRules is commandTable by command name.
var commandRules = func() map[string]argJudge {
	m := map[string]argJudge{}
	for _, g := range commandTable {
		for _, w := range strings.Fields(g.words) {
			m[w] = g.judge
		}
	}
	return m
}()

// judgeReader: a file reader with a path argument; certain on a sensitive
// file.
func judgeReader(_ string, args []string) (match, strong bool) {
	for _, a := range args {
		sensitive := sensitiveArg(a)
		match = match || sensitive || pathLike(a)
		strong = strong || sensitive
	}
	return match, strong
}

// judgeProbe: a reconnaissance command with no arguments but flags and
// paths (env and set only bare).
func judgeProbe(word string, args []string) (match, strong bool) {
	match = true
	for _, a := range args {
		if !flagArg(a) && !pathLike(a) && a != "aux" {
			match = false
		}
		strong = strong || sensitiveArg(a)
	}
	if (word == "set" || word == "env") && len(args) > 0 {
		match = false
	}
	return match, strong
}

// judgeNetwork: a network tool with a flag or a network argument; certain
// with both, with a download by curl or wget, or with a netcat-style exec.
func judgeNetwork(word string, args []string) (match, strong bool) {
	var flag, net bool
	relay := inSet(word, "nc ncat netcat socat")
	for _, a := range args {
		flag = flag || flagArg(a)
		net = net || netArg(a)
		if relay && (a == "-e" || a == "-c" || strings.HasPrefix(a, "exec:")) {
			strong = true
		}
	}
	match = flag || net
	strong = strong || (flag && net)
	if (word == "curl" || word == "wget") && net {
		strong = true
	}
	return match, strong
}

// judgeShell: a shell with flags only, or running a command string;
// certain with an execution flag.
func judgeShell(_ string, args []string) (match, strong bool) {
	match = true
	for _, a := range args {
		if !flagArg(a) {
			match = false
		}
		if inSet(a, "-c -i /c /k -enc -e -encodedcommand -nop -noprofile -w -command -ep -executionpolicy -windowstyle -exec") {
			strong = true
		}
	}
	if len(args) > 0 && (args[0] == "-c" || args[0] == "/c" || args[0] == "-command") {
		match = true
	}
	return match, strong
}

// judgeInterpreter: an interpreter given code on the command line.
func judgeInterpreter(_ string, args []string) (match, strong bool) {
	for _, a := range args {
		if a == "-c" || a == "-e" || a == "-r" {
			match, strong = true, true
		}
	}
	return match, strong
}

// judgeDelete: a destructive command with a path or flag; certain when
// forced or recursive on a root-like target.
func judgeDelete(_ string, args []string) (match, strong bool) {
	var rf bool
	for _, a := range args {
		if flagArg(a) && (strings.ContainsAny(a[1:], "rfsq") || a == "--no-preserve-root") {
			rf = true
		}
		match = match || pathLike(a) || flagArg(a)
		if rf && inSet(a, "/ /* ~ * ~/ c:\\ /home /etc /var /usr --no-preserve-root") {
			strong = true
		}
	}
	return match, strong
}

// judgeSleep: a delay of a whole number (time-based blind injection).
func judgeSleep(_ string, args []string) (match, strong bool) {
	return len(args) == 1 && strings.Trim(args[0], "0123456789") == "", false
}

// judgePermissions: a mode or ownership change; certain for 777 or setuid.
func judgePermissions(_ string, args []string) (match, strong bool) {
	for _, a := range args {
		if strings.HasPrefix(a, "+") || strings.Trim(a, "01234567") == "" || strings.Contains(a, "+s") || strings.Contains(a, "+x") {
			match = true
		}
		strong = strong || a == "777" || strings.Contains(a, "+s")
	}
	return match, strong
}

// judgeEcho: output redirected into a path.
func judgeEcho(_ string, args []string) (match, strong bool) {
	for k, a := range args {
		if (a == ">" || a == ">>") && k+1 < len(args) && pathLike(args[k+1]) || strings.HasPrefix(a, ">/") || strings.HasPrefix(a, ">>/") {
			match, strong = true, true
		}
	}
	return match, strong
}

// judgeAnyArgs: a command that is an attack with any argument.
func judgeAnyArgs(_ string, args []string) (match, strong bool) {
	return len(args) > 0, len(args) > 0
}

// judgeSubcommand: a command whose first argument is one of subs.
func judgeSubcommand(subs string) argJudge {
	return func(_ string, args []string) (match, strong bool) {
		return len(args) > 0 && inSet(args[0], subs), false
	}
}

// judgeSystem: a system-control command bare, with a flag or "now".
func judgeSystem(_ string, args []string) (match, strong bool) {
	match = len(args) == 0
	for _, a := range args {
		match = match || flagArg(a) || a == "now"
	}
	return match, false
}

// judgeEval: exec or eval of something with shell syntax.
func judgeEval(_ string, args []string) (match, strong bool) {
	for _, a := range args {
		match = match || strings.ContainsAny(a, "<>$'\"/")
	}
	return match, false
}

func flagArg(a string) bool {
	if len(a) >= 2 && a[0] == '-' && (isLetter(a[1]) || a[1] == '-') {
		return true
	}
	return len(a) == 2 && a[0] == '/' && isLetter(a[1])
}

func pathLike(a string) bool {
	if a == "*" || strings.HasPrefix(a, "~") || strings.HasPrefix(a, "./") || strings.HasPrefix(a, "/") || strings.ContainsAny(a, "/\\") {
		return true
	}
	if k := strings.LastIndexByte(a, '.'); k > 0 && k < len(a)-1 {
		return inSet(a[k+1:], "txt php sh py conf cfg log ini env json xml yml yaml key pem db sql bak ps1 bat exe pl rb js asp aspx jsp htaccess htpasswd passwd shadow")
	}
	return false
}

// sensitiveArg reports an argument naming a well-known sensitive file,
// absolute or relative to a working directory (.env, .ssh/id_rsa,
// etc/passwd), or a /dev/tcp socket.
func sensitiveArg(a string) bool {
	a = strings.ReplaceAll(a, "\\", "/")
	for _, p := range sensitivePaths {
		// Every entry starts with '/': a relative argument (.env) matches
		// as if it began with one.
		if strings.Contains(a, p) || strings.HasPrefix(a, p[1:]) {
			return true
		}
	}
	return strings.Contains(a, "/dev/tcp")
}

func netArg(a string) bool {
	if strings.Contains(a, "://") || ipv4Len(a) > 0 {
		return true
	}
	dot := strings.IndexByte(a, '.')
	return dot > 0 && dot < len(a)-2 && !strings.ContainsAny(a, "/\\'\"") && isLetter(a[len(a)-1]) && isAlnum(a[0])
}
