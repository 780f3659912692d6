// Package cli implements the samo subcommands. It is the only package that
// turns errors into exit codes: every command returns an error and Main maps
// it to 0 (success), 1 (failure) or 2 (usage).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// IO is what a command reads and writes. Tests pass buffers; main passes the
// process's standard streams and environment.
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment; tests substitute a map.
	Getenv func(string) string
}

// StdIO returns the process's standard streams and environment.
func StdIO() IO {
	return IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// command is one subcommand: its one-line summary and the function running it
// with the remaining arguments.
type command struct {
	summary string
	run     func(ctx context.Context, stdio IO, args []string) error
}

// errReported is returned by a command that has already reported its
// failure (serve logs it in the configured format): Main exits 1 and
// prints nothing more.
var errReported = errors.New("failure already reported")

// errUsage marks a command-line mistake; Main exits 2 for it.
var errUsage = errors.New("usage")

// usageError returns an error that makes Main print msg and exit 2.
func usageError(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

// commands is the table of every top-level subcommand.
func commands() map[string]command {
	return map[string]command{
		"version":  {"print the version", runVersion},
		"mask":     {"detect and mask PII in text read from stdin", runMask},
		"serve":    {"run the API server", runServe},
		"keys":     {"create, list, revoke and rotate API keys", runKeys},
		"users":    {"list users; disable or enable a user (every key, token and session)", runUsers},
		"sessions": {"sign everyone out: every token and dashboard session (incident response)", runSessions},
		"config":   {"print the configuration reference", runConfig},
		"token":    {"issue and verify JWT access tokens", runToken},
		"ip":       {"block, unblock and list client IP addresses", runIP},
		"crypto":   {"Fernet, legacy import and file encryption tools", runCrypto},
		"model":    {"train, evaluate and run the emotion model", runModel},

		"check":     {"evaluate the pre-deployment and runtime security checklists", runCheck},
		"report":    {"security report for a period (json, csv or html)", runReport},
		"seclog":    {"verify the hash chain of the security log file", runSeclog},
		"incidents": {"list, open, show, acknowledge and resolve security incidents", runIncidents},
		"backup":    {"write an encrypted, consistent snapshot of the SQLite database to FILE", runBackup},
		"restore":   {"restore an encrypted backup FILE into an empty data directory", runRestore},

		"admin":       {"first admin of a new deployment (admin bootstrap)", runAdmin},
		"init":        {"create the data directory and database without serving", runInit},
		"healthcheck": {"exit 0 when the local server answers /health (container HEALTHCHECK)", runHealthcheck},
		"completion":  {"print a shell completion script (bash, zsh or fish)", runCompletion},
	}
}

// Main runs the subcommand named by args[0] and returns the process exit
// code. Help goes to stdout (exit 0); every error is one line on stderr
// (exit 2 for a usage error, 1 otherwise).
func Main(ctx context.Context, args []string, stdio IO) int {
	cmds := commands()
	if len(args) == 0 {
		writeUsage(stdio.Stderr, cmds)
		return 2
	}
	switch args[0] {
	case "--version", "-version":
		args = []string{"version"}
	case "-h", "--help", "-help":
		writeUsage(stdio.Stdout, cmds)
		return 0
	case "help":
		if len(args) == 1 {
			writeUsage(stdio.Stdout, cmds)
			return 0
		}
		if isHelpArg(args[1]) {
			writeHelp(stdio.Stdout, "help", nil, nil)
			return 0
		}
		args = helpPath(args[1:])
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stdio.Stderr, "samo: unknown command %q (run \"samo --help\" for the list)\n", args[0])
		return 2
	}
	err := cmd.run(ctx, stdio, args[1:])
	path := commandPath(args)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errReported):
		return 1
	case errors.Is(err, errUsage):
		msg := strings.TrimPrefix(err.Error(), errUsage.Error()+": ")
		fmt.Fprintf(stdio.Stderr, "samo %s: %s (see \"samo %s --help\")\n", path, msg, path)
		return 2
	default:
		fmt.Fprintf(stdio.Stderr, "samo %s: %v\n", path, err)
		return 1
	}
}

// commandPath returns the documented command path args start with
// ("keys revoke" for ["keys", "revoke", "ID"]).
func commandPath(args []string) string {
	path := args[0]
	for _, a := range args[1:] {
		if _, ok := helpTable[path+" "+a]; !ok {
			break
		}
		path += " " + a
	}
	return path
}

// newFlagSet returns a flag set that reports errors instead of exiting or
// printing: parseFlags turns -h/--help into the command's help on stdout
// and any other flag error into one usage line.
func newFlagSet(stdio IO, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("samo "+name, flag.ContinueOnError)
	fs.SetOutput(helpOutput{stdout: stdio.Stdout})
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args into fs, turning flag errors into usage errors and
// printing the help for -h/--help.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			if out, ok := fs.Output().(helpOutput); ok {
				writeHelp(out.stdout, strings.TrimPrefix(fs.Name(), "samo "), fs, nil)
			}
			return err
		}
		return usageError("%v", err)
	}
	return nil
}

// subcommand dispatches args[0] to one of subs (for commands such as
// "samo keys create"); "samo keys --help" lists them on stdout.
func subcommand(ctx context.Context, stdio IO, parent string, args []string, subs map[string]func(context.Context, IO, []string) error) error {
	names := make([]string, 0, len(subs))
	for n := range subs {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(args) == 0 {
		return usageError("%s needs a subcommand: %s", parent, strings.Join(names, ", "))
	}
	if isHelpArg(args[0]) {
		if args[0] == "help" && len(args) > 1 {
			return subcommand(ctx, stdio, parent, append(args[1:2:2], "--help"), subs)
		}
		writeHelp(stdio.Stdout, parent, nil, names)
		return flag.ErrHelp
	}
	run, ok := subs[args[0]]
	if !ok {
		return usageError("unknown %s subcommand %q (want one of %s)", parent, args[0], strings.Join(names, ", "))
	}
	return run(ctx, stdio, args[1:])
}

// isTerminal reports whether w is a terminal (a character device), where a
// redrawn progress bar makes sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
