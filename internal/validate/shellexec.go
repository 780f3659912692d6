package validate

import "strings"

// execSinks lists dotted call targets that run an operating-system command
// or load code, in Python, Node.js, Java, Ruby and PHP. A call to one of
// them is reported whatever its argument.
var execSinks = map[string]bool{
	"os.system": true, "os.popen": true, "os.execl": true, "os.execle": true, "os.execlp": true, "os.execv": true,
	"os.execve": true, "os.execvp": true, "os.spawnl": true, "os.spawnv": true, "os.spawnlp": true, "os.spawnvp": true,
	"os.startfile": true, "subprocess.call": true, "subprocess.run": true, "subprocess.popen": true,
	"subprocess.check_output": true, "subprocess.check_call": true, "subprocess.getoutput": true,
	"subprocess.getstatusoutput": true, "commands.getoutput": true, "pty.spawn": true, "runtime.getruntime": true,
	"kernel.exec": true, "kernel.system": true, "kernel.spawn": true, "io.popen": true, "open3.popen3": true,
	"child_process.exec": true, "child_process.execsync": true, "child_process.spawn": true,
	"process.binding": true, "process.mainmodule.require": true, "processbuilder": true,
}

// evalSinks lists bare function names that evaluate code or run a command
// when given a string, a variable of request data or another call:
// eval('...'), system($_GET['c']), exec(input()). "eval(s)" and
// "model.eval()" are not calls of that shape.
var evalSinks = map[string]bool{
	"eval": true, "exec": true, "execfile": true, "compile": true, "system": true, "passthru": true,
	"shell_exec": true, "popen": true, "proc_open": true, "pcntl_exec": true, "assert": true,
	"create_function": true, "function": true, "settimeout": true, "setinterval": true, "execscript": true,
}

// dunderNames are Python object-model names used to reach builtins from a
// sandboxed expression: [].__class__.__base__.__subclasses__().
var dunderNames = []string{"__import__", "__builtins__", "__subclasses__", "__globals__", "__getattribute__", "__base__", "__mro__", "__code__"}

// shellProbes are commands an injection runs to prove it worked; inside a
// backtick span after a space (where Markdown code spans are usual) only
// these, with arguments of the right shape, or dangerous invocations count.
// The value is true for commands that also need an argument: `cat`,
// `echo` or `sleep` alone is code talk.
var shellProbes = map[string]bool{
	"whoami": false, "id": false, "uname": false, "hostname": false, "ifconfig": false, "ipconfig": false,
	"systeminfo": false, "sleep": true, "ping": false, "nslookup": false, "dig": false, "host": true, "curl": false,
	"wget": false, "nc": false, "ncat": false, "netcat": false, "cat": true, "type": true, "bash": true, "sh": true,
	"echo": true, "env": true,
}

// detectShellExec finds command execution that the separator-based shell
// scanner does not see: a backtick span holding a probe command anywhere,
// shell function definitions (Shellshock "() { :;};" and "f() { id; }; f"),
// and script-language execution idioms (__import__('os'), os.system(),
// eval('...'), require('child_process')).
func detectShellExec(f *findings, in *input) {
	for _, l := range in.lowerViews() {
		if strings.IndexByte(l, '`') >= 0 {
			scanBacktickSpans(f, l)
		}
		if strings.Contains(l, "()") {
			scanFunctionDefs(f, l)
		}
		if strings.IndexByte(l, '(') >= 0 {
			scanExecIdioms(f, l)
		}
	}
}

// scanBacktickSpans checks the command at the start of every closed
// `...` span on one line, however long (blank padding hides nothing). A
// span ends at the next backtick or line break, so spans never overlap and
// the scan stays linear.
func scanBacktickSpans(f *findings, l string) {
	for i := 0; i < len(l); i++ {
		if l[i] != '`' {
			continue
		}
		end := -1
		for k := i + 1; k < len(l); k++ {
			if l[k] == '`' {
				end = k
				break
			}
			if l[k] == '\n' {
				break
			}
		}
		if end < 0 {
			continue
		}
		body := strings.TrimSpace(l[i+1 : end])
		args := strings.Fields(body)
		if len(args) > 0 {
			word := args[0]
			if k := strings.LastIndexByte(word, '/'); k >= 0 {
				word = word[k+1:]
			}
			match, strong, known := evalCommand(word, args[1:])
			needsArg, isProbe := shellProbes[word]
			switch {
			case known && strong:
				f.add(Shell, 0.9, "dangerous command in backticks")
			case known && match && isProbe && (len(args) > 1 || !needsArg):
				f.add(Shell, 0.85, "command substitution in backticks")
			case known && strings.HasPrefix(args[0], "/") && match:
				f.add(Shell, 0.85, "command substitution in backticks")
			}
		}
		i = end
	}
}

// scanFunctionDefs finds "() {" bodies: anonymous (Shellshock, which
// defines a function in an environment variable and runs what follows) or
// named with a body that runs a command and is then called. A body is
// read to its '}' however long it is, so blank padding hides nothing; an
// anonymous definition in a value with no '}' in its first 128 bytes is
// reported as well.
func scanFunctionDefs(f *findings, l string) {
	if strings.Contains(l, "()+{") {
		l = strings.ReplaceAll(l, "+", " ") // form encoding: '+' is a space
	}
	var c braceClose
	forEach(l, "()", func(i int) {
		j := skipSpace(l, i+2)
		if j >= len(l) || l[j] != '{' {
			return
		}
		if c.at < j {
			c = closeAfter(l, j)
		}
		named := i > 0 && (isIdent(l[i-1]) || l[i-1] == '-')
		if (c.at == len(l) || c.at-j > 128) && !named && (i == 0 || strings.IndexByte("=:'\" ", l[i-1]) >= 0) {
			f.add(Shell, 0.85, "shell function definition in a value (Shellshock)")
		}
		if c.at == len(l) {
			return // no '}'
		}
		body := strings.TrimLeft(l[j+1:max(c.bodyEnd, j+1)], " \t\n\v\f\r")
		after := l[c.after:]
		if !named {
			// () { ...; }; — a function body where a value was expected.
			if strings.HasPrefix(after, ";") || strings.HasPrefix(after, ">") || strings.HasPrefix(after, "<") || strings.HasSuffix(body, ";") || strings.HasPrefix(body, ":") {
				f.add(Shell, 0.95, "shell function definition in a value (Shellshock)")
			}
			return
		}
		w := identAt(body, 0)
		if !strings.HasSuffix(body, ";") || !strings.HasPrefix(after, ";") {
			return
		}
		if _, _, known := evalCommand(w, nil); known {
			f.add(Shell, 0.85, "shell function definition running a command")
		}
	})
}

// braceClose is the first '}' at or after a body's '{' (at, len(l) when
// there is none), where the body's trailing blanks start (bodyEnd) and the
// first byte after the '}' and the blanks that follow it (after).
// Definitions whose bodies end at the same '}' share it, so it is found
// once and the scan stays linear.
type braceClose struct{ at, bodyEnd, after int }

// closeAfter finds the braceClose of the body opened at j.
func closeAfter(l string, j int) braceClose {
	k := strings.IndexByte(l[j:], '}')
	if k < 0 {
		return braceClose{at: len(l)}
	}
	c := braceClose{at: j + k, bodyEnd: j + k, after: j + k + 1}
	for c.bodyEnd > j && isSpace(l[c.bodyEnd-1]) {
		c.bodyEnd--
	}
	for c.after < len(l) && (l[c.after] == ' ' || l[c.after] == '\t') {
		c.after++
	}
	return c
}

// scanExecIdioms finds calls of execution sinks.
func scanExecIdioms(f *findings, l string) {
	for _, d := range dunderNames {
		if strings.Contains(l, d) {
			f.add(Shell, 0.9, "Python object-model escape")
			break
		}
	}
	if strings.Contains(l, "child_process") {
		f.add(Shell, 0.9, "Node.js child_process")
	}
	forEach(l, "(", func(i int) {
		// The callee: a dotted identifier path ending at i.
		s := skipSpaceBack(l, i-1)
		e := s + 1
		for s >= 0 && (isIdent(l[s]) || l[s] == '.') && e-s <= 48 {
			s--
		}
		raw := l[s+1 : e]
		path := strings.TrimLeft(raw, ".")
		if path == "" {
			return
		}
		name, last2 := path, path
		if k := strings.LastIndexByte(path, '.'); k >= 0 {
			name = path[k+1:]
			last2 = path[strings.LastIndexByte(path[:k], '.')+1:]
		}
		if execSinks[path] || execSinks[last2] || strings.HasSuffix(path, "getruntime") {
			f.add(Shell, 0.95, "command execution call")
			return
		}
		// Bare sinks only: method calls such as model.eval() are not, and
		// "the system (as usual)" has a space before the parenthesis.
		if !evalSinks[name] || name != path || raw != path || e != i {
			return
		}
		if evalArgument(l, i+1) {
			f.add(Shell, 0.9, "code evaluation call")
		}
	})
}

// evalArgument reports whether the argument starting at i is code or data
// worth evaluating: a string literal, a PHP variable, another call, an
// attribute or subscript of request data.
func evalArgument(l string, i int) bool {
	j := skipSpace(l, i)
	if j >= len(l) {
		return false
	}
	switch c := l[j]; {
	case c == '\'' || c == '"' || c == '`' || c == '$':
		return true
	case isLetter(c) || c == '_':
		w := identAt(l, j)
		k := skipSpace(l, j+len(w))
		return k < len(l) && (l[k] == '(' || l[k] == '.' || l[k] == '[')
	}
	return false
}
