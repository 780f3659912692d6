package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestHelpEveryCommand: every command and subcommand answers --help, -h and
// "samo help PATH" on stdout with exit 0, a usage line, a summary and
// examples, and touches nothing (the data directory does not exist).
func TestHelpEveryCommand(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nothing-here")
	env := map[string]string{"SAMO_DATA_DIR": missing}
	for name := range commands() {
		if _, ok := helpTable[name]; !ok {
			t.Errorf("command %q has no help entry", name)
		}
	}
	paths := make([]string, 0, len(helpTable))
	for p := range helpTable {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		words := strings.Fields(p)
		for _, args := range [][]string{
			append(append([]string{}, words...), "--help"),
			append(append([]string{}, words...), "-h"),
			append([]string{"help"}, words...),
		} {
			out, errOut, code := runCLI(t, env, args...)
			if code != 0 || errOut != "" {
				t.Errorf("samo %s: exit %d, stderr %q; want 0 and nothing on stderr", strings.Join(args, " "), code, errOut)
				continue
			}
			if !strings.HasPrefix(out, "usage: samo "+p) || !strings.Contains(out, "\nexamples:\n  ") {
				t.Errorf("samo %s: help lacks the usage line or examples:\n%s", strings.Join(args, " "), out)
			}
			if strings.Contains(out, "(undocumented)") {
				t.Errorf("samo %s lists an undocumented subcommand:\n%s", strings.Join(args, " "), out)
			}
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("help created %s", missing)
	}
	out, _, code := runCLI(t, env, "--help")
	if code != 0 || !strings.Contains(out, "admin") || !strings.Contains(out, "completion") {
		t.Errorf("samo --help: exit %d\n%s", code, out)
	}
	if out, _, _ := runCLI(t, env, "help", "keys", "revoke"); !strings.Contains(out, "ID") || !strings.Contains(out, "--json") {
		t.Errorf("keys revoke help does not mention the ID and --json:\n%s", out)
	}
}

// TestErrorsAreOneLine: usage errors exit 2, failures 1, each with one line
// on stderr and nothing on stdout.
func TestErrorsAreOneLine(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SAMO_DATA_DIR": dir}
	if _, e, code := runCLI(t, env, "init"); code != 0 {
		t.Fatal(e)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve", "--addr"}, 2, "flag needs an argument"},
		{[]string{"keys", "create", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"keys"}, 2, "needs a subcommand"},
		{[]string{"keys", "nope"}, 2, "unknown keys subcommand"},
		{[]string{"nope"}, 2, "unknown command"},
		{[]string{"keys", "revoke"}, 2, "usage"},
		{[]string{"keys", "revoke", "nonexistent"}, 1, `no API key with ID "nonexistent"`},
		{[]string{"keys", "rotate", "nonexistent"}, 1, `no API key with ID "nonexistent"`},
		{[]string{"keys", "list", "--user", "ghost"}, 1, `no user "ghost"`},
		{[]string{"incidents", "show", "inc_nonexistent"}, 1, `no incident with ID "inc_nonexistent"`},
		{[]string{"ip", "unblock", "192.0.2.1"}, 1, "192.0.2.1 is not blocked"},
		{[]string{"completion", "tcsh"}, 2, "unknown shell"},
	} {
		out, e, code := runCLI(t, env, tc.args...)
		if code != tc.code || out != "" || !strings.Contains(e, tc.want) || strings.Count(e, "\n") != 1 {
			t.Errorf("samo %s: exit %d, stdout %q, stderr %q; want exit %d and one line containing %q",
				strings.Join(tc.args, " "), code, out, e, tc.code, tc.want)
		}
		if strings.Contains(e, "store:") || strings.Contains(e, "apikey:") || strings.Contains(e, "sql:") {
			t.Errorf("samo %s: internal error chain on stderr: %q", strings.Join(tc.args, " "), e)
		}
	}
}

func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		out, e, code := runCLI(t, nil, "completion", shell)
		if code != 0 || !strings.Contains(out, "revoke") || !strings.Contains(out, "bootstrap") {
			t.Fatalf("completion %s: exit %d %s", shell, code, e)
		}
		if flag := map[bool]string{true: "-l user", false: "--user"}[shell == "fish"]; !strings.Contains(out, flag) {
			t.Errorf("completion %s lacks the flags", shell)
		}
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed: the bash script is not run")
	}
	script, _, _ := runCLI(t, nil, "completion", "bash")
	f := filepath.Join(t.TempDir(), "samo.bash")
	if err := os.WriteFile(f, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ line, want, not string }{
		{"samo ke", "keys", "serve"},
		{"samo keys re", "revoke", "create"},
		{"samo keys create --u", "--user", "--grace"},
		{"samo admin b", "bootstrap", "keys"},
	} {
		words := strings.Fields(tc.line)
		cmd := exec.Command(bash, "-c", `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($#-1)); _samo; printf '%s\n' "${COMPREPLY[@]}"`, "x", f) // #nosec G204 -- test input
		cmd.Args = append(cmd.Args, words...)
		got, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(got), tc.want) || strings.Contains(string(got), tc.not) {
			t.Errorf("completing %q: %v %q; want %q and not %q", tc.line, err, got, tc.want, tc.not)
		}
	}
}

// TestRotateProgressPlainWhenNotATerminal: crypto rotate writes no
// carriage-return progress bar into a log file or pipe.
func TestRotateProgressPlainWhenNotATerminal(t *testing.T) {
	env := map[string]string{"SAMO_DATA_DIR": t.TempDir()}
	if _, e, code := runCLI(t, env, "init"); code != 0 {
		t.Fatal(e)
	}
	out, e, code := runCLI(t, env, "crypto", "rotate", "--settle", "1ms")
	if code != 0 || !strings.Contains(out, "rotation done") {
		t.Fatalf("rotate: exit %d %q %s", code, out, e)
	}
	if strings.Contains(e, "\r") || !strings.Contains(e, "re-encrypting under") {
		t.Errorf("progress on a non-terminal: %q; want plain lines", e)
	}
}

// noJSON lists the commands without --json, with the reason; every other
// command that runs (not a group) takes --json.
var noJSON = map[string]string{
	"serve":                 "runs the server; its output is the log (LOG_FORMAT=json)",
	"completion":            "prints a shell script",
	"help":                  "prints help",
	"crypto fernet encrypt": "a byte filter: prints the token itself",
	"crypto fernet decrypt": "a byte filter: prints the plaintext itself",
	"crypto legacy decrypt": "a byte filter: prints the plaintext itself",
	"crypto encrypt-file":   "writes OUT and prints nothing",
	"crypto decrypt-file":   "writes OUT and prints nothing",
}

// TestJSONFlagEveryCommand: every command that prints data documents and
// accepts --json (its help lists the flag, which exists only if the
// command's flag set defines it).
func TestJSONFlagEveryCommand(t *testing.T) {
	env := map[string]string{"SAMO_DATA_DIR": filepath.Join(t.TempDir(), "none")}
	for p := range helpTable {
		group := false
		for q := range helpTable {
			group = group || strings.HasPrefix(q, p+" ")
		}
		if _, skip := noJSON[p]; group || skip {
			continue
		}
		out, _, code := runCLI(t, env, append(strings.Fields(p), "--help")...)
		usage, _, _ := strings.Cut(out, "\n")
		if code != 0 || !strings.Contains(usage, "--json") || !strings.Contains(out, "\n  --json ") {
			t.Errorf("samo %s: --json missing from the usage line or the flags (exit %d):\n%s", p, code, out)
		}
	}
	for p := range noJSON {
		if _, ok := helpTable[p]; !ok {
			t.Errorf("noJSON names %q, which is not a command", p)
		}
	}
}
