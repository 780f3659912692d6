package cli

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/samo-brain/samo/internal/config"
)

// helpEntry documents one command or subcommand for --help, `samo help`
// and the shell completions. summary is the one line shown in lists.
type helpEntry struct {
	usage    string   // argument synopsis after "samo <path>"
	summary  string   // one line
	details  string   // optional paragraph
	examples []string // command lines
}

// helpTable documents every command path ("keys revoke"). A subcommand
// missing here shows up in TestHelpEveryCommand.
var helpTable = map[string]helpEntry{
	"serve": {"[flags]", "run the API server",
		"Every flag is also an environment variable (samo config reference lists them); flags win. In development mode the first start generates local secrets and, on SQLite, the first admin key (SAMO_DATA_DIR/admin.key).",
		[]string{"samo serve", "SAMO_ADDR=127.0.0.1:9000 LOG_FORMAT=text samo serve", "samo serve --security-level production"}},
	"init": {"[--json]", "create the data directory and database without serving",
		"Creates the database or applies its missing migrations, whatever DATABASE_MIGRATE says: run it as the schema's owner role. In production it reads only " +
			strings.Join(config.ProfileStore.Variables(), ", ") + " (no JWT, encryption or alert secret); in development it also generates the local secrets.",
		[]string{"SAMO_DATA_DIR=/var/lib/samo samo init", "SECURITY_LEVEL=production DATABASE_URL_FILE=/run/secrets/owner_url samo init"}},
	"admin": {"<subcommand>", "first admin of a new deployment", "", []string{"samo admin bootstrap --out admin.key"}},
	"admin bootstrap": {"[--user NAME] [--out FILE] [--json]", "create the first admin user and API key (once; a second run changes nothing)",
		"Works on SQLite (SAMO_DATA_DIR) and PostgreSQL (DATABASE_URL). The key is printed once on stdout, or written to a new file with mode 0600. " + readsOnly(config.ProfileKeys),
		[]string{"samo admin bootstrap", "DATABASE_URL_FILE=/run/secrets/db samo admin bootstrap --out /secure/admin.key"}},
	"backup": {"FILE [--json]", "write an encrypted, consistent snapshot of the SQLite database to FILE",
		"Safe while samo serve runs (VACUUM INTO). The file is encrypted and authenticated with ENCRYPTION_KEY and written with mode 0600. For PostgreSQL use pg_dump (docs/backup.md).",
		[]string{"samo backup /var/backups/samo-$(date +%F).bak", "samo backup --json /var/backups/samo.bak"}},
	"restore": {"FILE [--json]", "restore an encrypted backup FILE into an empty data directory",
		"Refuses a data directory that is not empty; authenticates the whole file with ENCRYPTION_KEY before writing anything and checks the database's integrity.",
		[]string{"SAMO_DATA_DIR=/var/lib/samo-new samo restore /var/backups/samo-2026-12-06.bak"}},
	"version":          {"[--json]", "print the version, commit, build date and Go version", "", []string{"samo version", "samo --version", "samo version --json"}},
	"healthcheck":      {"[--addr HOST:PORT] [--timeout 3s] [--json]", "exit 0 when the local server answers /health (container HEALTHCHECK)", "Reads SAMO_ADDR (a wildcard host means loopback) and TLS_CERT_FILE.", []string{"samo healthcheck", "samo healthcheck --addr 127.0.0.1:18181"}},
	"completion":       {"bash|zsh|fish", "print a shell completion script", "", []string{"source <(samo completion bash)", "samo completion zsh > \"${fpath[1]}/_samo\"", "samo completion fish > ~/.config/fish/completions/samo.fish"}},
	"help":             {"[COMMAND [SUBCOMMAND]]", "show help for a command", "", []string{"samo help keys", "samo help keys revoke"}},
	"mask":             {"[--json] < TEXT", "detect and mask PII in text read from stdin", "", []string{"echo 'call me at +1 202 555 0143' | samo mask", "samo mask --json < note.txt"}},
	"config":           {"<subcommand>", "configuration tools", "", []string{"samo config reference"}},
	"config reference": {"[--json]", "print the Markdown table of every configuration variable", "--json prints one object per variable instead.", []string{"samo config reference > docs/config.md", "samo config reference --json"}},
	"keys":             {"<subcommand>", "create, list, revoke and rotate API keys", readsOnly(config.ProfileKeys), []string{"samo keys create --user alice", "samo keys list --json"}},
	"keys create": {"--user NAME [--role user|analyst|admin] [--name LABEL] [--json]", "create an API key (the user is created when missing); the key is shown once", "",
		[]string{"samo keys create --user journal-app --name prod", "samo keys create --user kim --role analyst --json"}},
	"keys list":             {"[--user NAME] [--json]", "list API keys with their status and last use", "", []string{"samo keys list", "samo keys list --user alice --json"}},
	"keys revoke":           {"ID [--json]", "revoke the API key with this ID at once", "ID is the key's id (key_…), as shown by samo keys list, not the key itself.", []string{"samo keys revoke key_3fQ9x1LmP0aZk2Rt"}},
	"keys rotate":           {"ID [--grace DURATION] [--json]", "replace a key; the old one stays valid for the grace period", "", []string{"samo keys rotate key_3fQ9x1LmP0aZk2Rt --grace 24h"}},
	"token":                 {"<subcommand>", "issue and verify JWT access tokens", "", []string{"samo token issue --user alice", "samo token verify < token.txt"}},
	"token issue":           {"--user NAME [--json]", "print an access token for a user (the permissions of its role)", "", []string{"samo token issue --user alice", "samo token issue --user alice --json"}},
	"token verify":          {"[--at UNIX] [--issuer ISS] [--audience AUD] [--json] < TOKEN", "verify a token read on stdin and print its claims as JSON", "", []string{"samo token verify < token.txt"}},
	"ip":                    {"<subcommand>", "block, unblock and list client IP addresses", readsOnly(config.ProfileIP), []string{"samo ip block 203.0.113.7 --reason scanner", "samo ip list"}},
	"ip block":              {"IP --reason TEXT [--duration 1h] [--json]", "block a client IP address on every replica", "", []string{"samo ip block 203.0.113.7 --reason 'credential stuffing' --duration 24h"}},
	"ip unblock":            {"IP [--json]", "lift the block on a client IP address", "", []string{"samo ip unblock 203.0.113.7"}},
	"ip list":               {"[--json]", "list blocked IP addresses", "", []string{"samo ip list", "samo ip list --json"}},
	"crypto":                {"<subcommand>", "Fernet, legacy import, file encryption and key rotation tools", "", []string{"samo crypto rotate", "samo crypto encrypt-file backup.tar backup.tar.enc"}},
	"crypto fernet":         {"<encrypt|decrypt>", "Fernet tokens compatible with Python's cryptography", "", []string{"echo hi | samo crypto fernet encrypt --key KEY"}},
	"crypto fernet encrypt": {"--key KEY [--at UNIX] < PLAINTEXT", "encrypt stdin into a Fernet token with the first --key", "", []string{"echo hi | samo crypto fernet encrypt --key \"$FERNET_KEY\""}},
	"crypto fernet decrypt": {"--key KEY [--key OLDKEY ...] [--ttl SECONDS] [--at UNIX] < TOKEN", "decrypt a Fernet token read on stdin with any --key", "", []string{"samo crypto fernet decrypt --key \"$FERNET_KEY\" --ttl 3600 < token"}},
	"crypto legacy":         {"<decrypt|import>", "read values stored by the Security Guide's Python code", "", []string{"samo crypto legacy decrypt --password-file pw < value"}},
	"crypto legacy decrypt": {"--password-file FILE < VALUE", "decrypt one value stored by the Guide's DataEncryption", "", []string{"samo crypto legacy decrypt --password-file guide.secret < value.txt"}},
	"crypto legacy import":  {"--password-file FILE --user NAME [--taxonomy goemotions|ekman] [--json] < VALUES", "import the Guide's encrypted texts (one per line) as predictions", "", []string{"samo crypto legacy import --password-file guide.secret --user legacy < values.txt"}},
	"crypto encrypt-file":   {"IN OUT", "encrypt a file with ENCRYPTION_KEY (OUT is replaced only on success)", "", []string{"ENCRYPTION_KEY_FILE=key samo crypto encrypt-file backup.tar backup.tar.enc"}},
	"crypto decrypt-file":   {"IN OUT", "decrypt a file made by encrypt-file", "", []string{"ENCRYPTION_KEY_FILE=key samo crypto decrypt-file backup.tar.enc backup.tar"}},
	"crypto rotate":         {"[--batch 200] [--settle DURATION] [--json]", "rotate the encryption key and re-encrypt every stored text", "Progress is a bar on a terminal and plain periodic lines otherwise (--json: JSON lines).", []string{"samo crypto rotate", "samo crypto rotate --json > rotate.log"}},
	"model":                 {"<subcommand>", "train, evaluate and run the emotion model", "", []string{"samo model info", "echo 'I am thrilled' | samo model predict"}},
	"model train":           {"[--data DIR] [--out FILE] [--json]", "train the model on GoEmotions", "", []string{"samo model train --out emotion.model"}},
	"model eval":            {"[--taxonomy goemotions|ekman] [--split dev|test] [--data DIR] [--model FILE] [--json]", "evaluate the model (F1 per label)", "", []string{"samo model eval --split test --json"}},
	"model predict":         {"[--taxonomy goemotions|ekman] [--threshold X] [--model FILE] [--json] < TEXTS", "predict the emotions of each line read on stdin", "Prints one JSON object per line (--json is accepted and changes nothing).", []string{"echo 'I am thrilled' | samo model predict"}},
	"model info":            {"[--model FILE] [--json]", "describe the model (version, labels, thresholds)", "", []string{"samo model info --json"}},
	"check":                 {"[--offline] [--json]", "evaluate the pre-deployment and runtime security checklists", "", []string{"SECURITY_LEVEL=production samo check", "samo check --offline --json"}},
	"seclog":                {"<subcommand>", "verify the hash chain of the security log file", "", []string{"samo seclog verify"}},
	"seclog verify":         {"[FILE...] [--db-events auto|on|off] [--json]", "check that no line of the security log was changed, added, removed or reordered, and that it holds the database's events (exit 1 if not)", "Without FILE: SECURITY_LOG_FILE and its rotated files, oldest first. Needs the database and ENCRYPTION_KEY: the chain key is derived from the keyring. The events the database recorded from a minute after the log's oldest line to a minute ago must be on its lines; --db-events auto compares them for the configured log on SQLite only (on PostgreSQL each replica writes its own log).", []string{"samo seclog verify", "samo seclog verify --json /var/lib/samo/security.log.1 /var/lib/samo/security.log", "samo seclog verify --db-events on"}},
	"report":                {"[--from T] [--to T] [--format json|csv|html | --json]", "security report for a period", "T is an RFC 3339 time or a duration ago (24h, 90m, 7d). " + readsOnly(config.ProfileStore), []string{"samo report --from 7d --format html > week.html"}},
	"incidents":             {"<subcommand>", "list, show, acknowledge and resolve security incidents", readsOnly(config.ProfileIncidents) + " A server signs and delivers the alerts queued here.", []string{"samo incidents list", "samo incidents resolve inc_… --resolution 'blocked the scanner'"}},
	"incidents open": {"--type TYPE --severity low|medium|high|critical --description TEXT [--source ip:ADDR|key:ID|user:ID] [--json]", "open an incident by hand; high and critical run their playbook", "",
		[]string{"samo incidents open --type phishing_report --severity high --description 'user reported a phishing mail' --source user:usr_3fQ9x1LmP0aZk2Rt"}},
	"users":    {"<subcommand>", "list users; disable or enable a user (every key, token and session); reset a second factor", readsOnly(config.ProfileUsers), []string{"samo users list", "samo users disable mallory"}},
	"sessions": {"<subcommand>", "sign everyone out (incident response)", "", []string{"samo sessions end-all"}},
	"sessions end-all": {"[--json]", "sign everyone out, as DELETE /v1/admin/sessions: every refresh-token family revoked, every access token issued so far refused, every dashboard session ended", "Without REDIS_URL the cut-offs are written to the database, which running servers of that database read within a second. API keys keep working: revoke or rotate them for that. It reads only " +
		strings.Join(config.ProfileSessions.Variables(), ", ") + " (no JWT, encryption or alert secret): give it the servers' values of these.", []string{"samo sessions end-all", "samo sessions end-all --json"}},
	"users list":            {"[--json]", "list users with their role and status", "", []string{"samo users list --json"}},
	"users disable":         {"NAME [--json]", "disable a user: every key, token and dashboard session stops working at once", "", []string{"samo users disable mallory"}},
	"users enable":          {"NAME [--json]", "enable a disabled user again", "", []string{"samo users enable mallory"}},
	"users totp-reset":      {"NAME [--json]", "remove a user's dashboard second factor (lost device, or locked by wrong codes) and end all their dashboard sessions; they sign in with their key and enrol again", "Without REDIS_URL the sessions are in the running servers' memory: the user's session cut-off ends them at their next request.", []string{"samo users totp-reset alice"}},
	"incidents list":        {"[--status open,acknowledged|all] [--limit N] [--json]", "list incidents", "", []string{"samo incidents list --status all --json"}},
	"incidents show":        {"ID [--json]", "show one incident with its events", "", []string{"samo incidents show inc_3fQ9x1LmP0aZk2Rt"}},
	"incidents acknowledge": {"ID [--json]", "mark an incident as being handled", "", []string{"samo incidents acknowledge inc_3fQ9x1LmP0aZk2Rt"}},
	"incidents resolve":     {"ID --resolution TEXT [--json]", "close an incident, saying what was found and done", "", []string{"samo incidents resolve inc_3fQ9x1LmP0aZk2Rt --resolution 'false positive: load test'"}},
}

// readsOnly says which variables a command loading profile p reads.
func readsOnly(p config.Profile) string {
	return "It reads only " + strings.Join(p.Variables(), ", ") + " (no JWT, encryption or alert secret)."
}

// helpOutput is the flag set output: it discards the flag package's own
// messages (Main prints one line per error) and remembers where help goes.
type helpOutput struct{ stdout io.Writer }

func (helpOutput) Write(p []byte) (int, error) { return len(p), nil }

// isHelpArg reports whether a is a request for help.
func isHelpArg(a string) bool { return a == "-h" || a == "--help" || a == "-help" || a == "help" }

// writeHelp prints the help of the command path, with the flags of fs
// (nil for a group) and the subcommands subs (nil for a leaf).
func writeHelp(w io.Writer, path string, fs *flag.FlagSet, subs []string) {
	h, ok := helpTable[path]
	if !ok {
		h = helpEntry{summary: "(undocumented)"}
	}
	fmt.Fprintf(w, "usage: samo %s %s\n\n%s\n", path, h.usage, h.summary)
	if h.details != "" {
		fmt.Fprintf(w, "\n%s\n", h.details)
	}
	if len(subs) > 0 {
		fmt.Fprintln(w, "\nsubcommands:")
		for _, s := range subs {
			fmt.Fprintf(w, "  %-14s %s\n", s, summaryOf(path+" "+s))
		}
		fmt.Fprintf(w, "\nRun \"samo help %s SUBCOMMAND\" for details.\n", path)
	}
	if fs != nil {
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(w, "\nflags:")
			fs.VisitAll(func(f *flag.Flag) {
				name, usage := flag.UnquoteUsage(f)
				arg := "--" + f.Name
				if name != "" {
					arg += " " + name
				}
				def := ""
				if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
					def = fmt.Sprintf(" (default %s)", f.DefValue)
				}
				fmt.Fprintf(w, "  %-26s %s%s\n", arg, usage, def)
			})
		}
	}
	if len(h.examples) > 0 {
		fmt.Fprintln(w, "\nexamples:")
		for _, e := range h.examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}

// summaryOf returns the one-line summary of a command path.
func summaryOf(path string) string {
	if h, ok := helpTable[path]; ok {
		return h.summary
	}
	return "(undocumented)"
}

// writeUsage prints the top-level help.
func writeUsage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: samo <command> [subcommand] [flags]\n\nSAMO, the secure emotion-detection API, and its operator tools.\n\ncommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, summaryOf(n))
	}
	fmt.Fprint(w, `
Every command takes --help (or -h); "samo help COMMAND [SUBCOMMAND]" is the same.
Configuration comes from the environment and .env.security (samo config reference).
Exit status: 0 success, 1 failure, 2 usage error.

examples:
  samo serve
  samo admin bootstrap --out admin.key
  samo keys create --user journal-app
  samo help keys revoke
`)
}

// helpPath turns "samo help keys revoke" into the arguments that print
// that help ("keys revoke --help").
func helpPath(args []string) []string {
	out := append([]string{}, args...)
	return append(out, "--help")
}
