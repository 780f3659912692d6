package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

// completionNode is one command path with what may follow it.
type completionNode struct {
	path  string
	words []string // subcommands, then flags
}

// completionTree lists every documented command path with its subcommands
// and flags. Flags are read from each command's own --help, so they never
// drift from the flag sets.
func completionTree(ctx context.Context) []completionNode {
	paths := make([]string, 0, len(helpTable))
	for p := range helpTable {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	children := map[string][]string{}
	for _, p := range paths {
		parent, last := "", p
		if i := strings.LastIndexByte(p, ' '); i >= 0 {
			parent, last = p[:i], p[i+1:]
		}
		children[parent] = append(children[parent], last)
	}
	nodes := []completionNode{{path: "", words: append(children[""], "--help", "--version")}}
	for _, p := range paths {
		words := append([]string{}, children[p]...)
		if len(children[p]) == 0 && p != "help" && p != "completion" {
			words = append(words, flagsOf(ctx, p)...)
		}
		switch p {
		case "completion":
			words = append(words, "bash", "zsh", "fish")
		case "help":
			words = append(words, children[""]...)
		}
		nodes = append(nodes, completionNode{path: p, words: append(words, "--help")})
	}
	return nodes
}

// flagsOf returns the --flags a command's help lists.
func flagsOf(ctx context.Context, path string) []string {
	var out bytes.Buffer
	args := append(strings.Fields(path), "--help")
	Main(ctx, args, IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }})
	var flags []string
	inFlags := false
	for _, line := range strings.Split(out.String(), "\n") {
		switch {
		case line == "flags:":
			inFlags = true
		case inFlags && strings.HasPrefix(line, "  --"):
			name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
			if name != "--help" {
				flags = append(flags, name)
			}
		case inFlags && line == "":
			inFlags = false
		}
	}
	return flags
}

// runCompletion prints a completion script for bash, zsh or fish.
func runCompletion(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "completion")
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("want one shell: bash, zsh or fish")
	}
	tree := completionTree(ctx)
	switch rest[0] {
	case "bash":
		writeBash(stdio.Stdout, tree)
	case "zsh":
		fmt.Fprintln(stdio.Stdout, "#compdef samo\n# zsh completion for samo (through bashcompinit).\nautoload -U +X bashcompinit && bashcompinit")
		writeBash(stdio.Stdout, tree)
	case "fish":
		writeFish(stdio.Stdout, tree)
	default:
		return usageError("unknown shell %q: want bash, zsh or fish", rest[0])
	}
	return nil
}

func writeBash(w io.Writer, tree []completionNode) {
	fmt.Fprint(w, `# bash completion for samo: source <(samo completion bash)
_samo() {
  local cur=${COMP_WORDS[COMP_CWORD]} path="" i w words
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    [[ $w == -* ]] && break
    path="${path:+$path }$w"
  done
  case "$path" in
`)
	for _, n := range tree {
		fmt.Fprintf(w, "    %q) words=%q ;;\n", n.path, strings.Join(n.words, " "))
	}
	fmt.Fprint(w, `    *) words="--help" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _samo samo
`)
}

func writeFish(w io.Writer, tree []completionNode) {
	fmt.Fprintln(w, "# fish completion for samo: samo completion fish > ~/.config/fish/completions/samo.fish")
	fmt.Fprintln(w, "function __samo_path\n    set -l words (commandline -opc)\n    set -e words[1]\n    set -l path\n    for w in $words\n        string match -q -- '-*' $w; and break\n        set path $path $w\n    end\n    echo (string join ' ' $path)\nend")
	for _, n := range tree {
		for _, word := range n.words {
			cond := fmt.Sprintf("test (__samo_path) = %q", n.path)
			if strings.HasPrefix(word, "--") {
				fmt.Fprintf(w, "complete -c samo -n %q -l %s\n", cond, strings.TrimPrefix(word, "--"))
				continue
			}
			desc := summaryOf(strings.TrimSpace(n.path + " " + word))
			if n.path == "help" {
				desc = summaryOf(word)
			}
			fmt.Fprintf(w, "complete -c samo -f -n %q -a %s -d %q\n", cond, word, desc)
		}
	}
}
