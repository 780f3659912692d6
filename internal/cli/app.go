package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/app"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/seal"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/store"
)

// loadConfig reads the whole configuration for a command that works on an
// existing deployment (loadProfile with config.ProfileAll). withSecrets
// loads (in development, generating when missing) the local secrets.
func loadConfig(stdio IO, withSecrets bool) (*config.Config, error) {
	cfg, err := loadProfile(stdio, config.ProfileAll)
	if err != nil {
		return nil, err
	}
	if withSecrets {
		gen, err := devSecrets(cfg)
		if err != nil {
			return nil, err
		}
		if len(gen) > 0 {
			fmt.Fprintf(stdio.Stderr, "development mode: generated %v in %s/secrets.env (0600); set them explicitly for production\n", gen, cfg.DataDir)
		}
	}
	return cfg, nil
}

// loadProfile reads the settings of profile p for a command that works on
// an existing deployment: it takes only its own flags besides the
// environment and .env.security, and refuses a SQLite database that does
// not exist yet (a typo in SAMO_DATA_DIR must not silently start a new,
// empty one; only serve, admin bootstrap and init create it).
func loadProfile(stdio IO, p config.Profile) (*config.Config, error) {
	cfg, err := config.LoadProfile(stdio.Getenv, nil, p)
	if err != nil {
		return nil, err
	}
	if err := requireDatabase(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// devSecrets loads (generating when missing) the local secrets in
// development; in production secrets come only from the operator.
func devSecrets(cfg *config.Config) ([]string, error) {
	if cfg.Production() {
		return nil, nil
	}
	return config.EnsureDevSecrets(cfg, cfg.DataDir)
}

// errNoDatabase is returned by commands that need an existing database.
var errNoDatabase = errors.New("no database")

// requireDatabase refuses a SQLite database file that does not exist. A
// PostgreSQL database that does not exist already fails to connect.
func requireDatabase(cfg *config.Config) error {
	if cfg.DatabaseDriver() != "sqlite" {
		return nil
	}
	p := sqlitePath(cfg)
	if _, err := os.Stat(p); err != nil {
		return fmt.Errorf("%w at %s: check SAMO_DATA_DIR or DATABASE_URL, or create it with \"samo init\"", errNoDatabase, p)
	}
	return nil
}

// openStore opens the configured database.
func openStore(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	return app.OpenStore(ctx, cfg, nil)
}

// openConfigured loads the settings of profile p (loadProfile; no local
// secret is generated) and opens its store; the caller closes the store.
func openConfigured(ctx context.Context, stdio IO, p config.Profile) (*config.Config, *store.Store, error) {
	cfg, err := loadProfile(stdio, p)
	if err != nil {
		return nil, nil, err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return cfg, st, nil
}

// recordEvent writes a security event of the CLI straight to the store,
// its details naming who ran the command ("by": actor()); a failure is a
// warning, since the action itself is done.
func recordEvent(ctx context.Context, stdio IO, st *store.Store, typ secevent.Type, sev secevent.Severity, details map[string]string) {
	actorEvents{storeRecorder(stdio, st), actor()}.record(ctx, typ, sev, details)
}

// actorEvents records security events that name who acted.
type actorEvents struct {
	rec secevent.Recorder
	by  string // the "by" detail of every event
}

// record records an event of type typ and severity sev with a copy of
// details gaining "by".
func (a actorEvents) record(ctx context.Context, typ secevent.Type, sev secevent.Severity, details map[string]string) {
	details = maps.Clone(details)
	if details == nil {
		details = map[string]string{}
	}
	details["by"] = a.by
	a.rec.Record(ctx, secevent.New(ctx, typ, sev, time.Now(), details))
}

// viaCLI is the "via" detail of every event the CLI records. They go only
// to the database (no server's pipeline, so not to a security log file),
// and `samo seclog verify` does not look for them in the log.
const viaCLI = "cli"

// cliSink writes events straight to the store, each marked "via": "cli".
type cliSink struct{ st *store.Store }

// WriteEvents marks es (copying their details) and writes them.
func (s cliSink) WriteEvents(ctx context.Context, es []secevent.Event) error {
	for i := range es {
		d := maps.Clone(es[i].Details)
		if d == nil {
			d = map[string]string{}
		}
		d["via"] = viaCLI
		es[i].Details = d
	}
	return s.st.WriteEvents(ctx, es)
}

// actorPrefix starts every actor the CLI names; the servers name theirs
// "admin:NAME" (API), NAME (dashboard; a user name has no colon),
// "playbook:SEVERITY" (incident playbooks) and "samo:first-start" (the
// first admin created by samo serve).
const actorPrefix = "cli:"

// actor names who ran this command, for the "by" of every security event
// and the actor of every record the CLI writes (IP blocks, incident
// actions): "cli:" and the operating-system account of the process's
// user id, as the system's user database names it ("cli:alice"; under
// sudo, "cli:root"), or "cli:uid:N" when it has no name there or the name
// has characters other than A-Z a-z 0-9 . _ @ $ - (or more than 64). $USER
// is not read: it is what the environment claims, not who the process
// runs as. It is the account on the host, not an authenticated person:
// whoever holds the store's credentials can write any event.
func actor() string {
	uid := strconv.Itoa(os.Getuid())
	if u, err := user.LookupId(uid); err == nil && accountName(u.Username) {
		return actorPrefix + u.Username
	}
	return actorPrefix + "uid:" + uid
}

// accountName reports whether name is 1-64 characters of A-Z a-z 0-9 . _
// @ $ - (not "uid", which actor's fallback uses).
func accountName(name string) bool {
	if name == "" || len(name) > 64 || name == "uid" {
		return false
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._@$-", r)
		if !ok {
			return false
		}
	}
	return true
}

// openKeyring loads the configuration with its secrets (ENCRYPTION_KEY
// opens the keyring), opens the store and its keyring, creating one on a
// fresh store. The caller closes the store.
func openKeyring(ctx context.Context, stdio IO) (*config.Config, *store.Store, *seal.Keyring, error) {
	cfg, err := loadConfig(stdio, true)
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	ring, err := app.OpenKeyring(ctx, cfg, st)
	if err != nil {
		_ = st.Close()
		return nil, nil, nil, err
	}
	return cfg, st, ring, nil
}

// storeRecorder records security events straight into st, for commands
// that act as an operator (no pipeline runs in a CLI process).
func storeRecorder(stdio IO, st *store.Store) secevent.SyncRecorder {
	return secevent.SyncRecorder{Sink: cliSink{st}, OnError: func(err error) { fmt.Fprintln(stdio.Stderr, "warning: security event not recorded:", err) }}
}

// newLogger returns the process logger writing to stdio.Stderr: JSON lines,
// or text (key=value) when format is "text" (LOG_FORMAT).
func newLogger(stdio IO, level slog.Level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "text" {
		return slog.New(slog.NewTextHandler(stdio.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(stdio.Stderr, opts))
}

// parseCmd parses a command's own flags, also after positional arguments
// ("samo keys revoke ID --json"), and returns the positional arguments.
func parseCmd(fs *flag.FlagSet, args []string) ([]string, error) {
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	pos := fs.Args()
	var rest []string
	for len(pos) > 0 {
		rest = append(rest, pos[0])
		if err := parseFlags(fs, pos[1:]); err != nil {
			return nil, err
		}
		pos = fs.Args()
	}
	return rest, nil
}
