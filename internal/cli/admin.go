package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/samo-brain/samo/internal/app"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/store"
	"github.com/samo-brain/samo/internal/users"
)

func runAdmin(ctx context.Context, stdio IO, args []string) error {
	return subcommand(ctx, stdio, "admin", args, map[string]func(context.Context, IO, []string) error{
		"bootstrap": adminBootstrap,
	})
}

// bootstrapResult is what admin bootstrap prints with --json.
type bootstrapResult struct {
	Created bool   `json:"created"`
	User    string `json:"user,omitempty"`
	KeyID   string `json:"key_id,omitempty"`
	Key     string `json:"key,omitempty"`
	File    string `json:"file,omitempty"`
	Message string `json:"message"`
}

// adminBootstrap creates the first admin user and API key in the configured
// store (SQLite in SAMO_DATA_DIR, or DATABASE_URL). It does nothing once any
// user exists, so a Kubernetes Job or a deploy script may run it every time.
// It reads only config.ProfileKeys, in every level: creating a user and an
// API key (stored as its hash) and recording its key_created event take no
// key of the server, and bootstrap generates no local secret, so it is
// given no token-signing key, data key or alert secret, and reads none
// that is set.
func adminBootstrap(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "admin bootstrap")
	name := fs.String("user", "admin", "name of the first admin user")
	out := fs.String("out", "", "write the key to this new file (mode 0600) instead of printing it")
	asJSON := fs.Bool("json", false, `print {"created","user","key_id","key","file","message"}`)
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError("unexpected argument %q", rest[0])
	}
	if !users.ValidName(*name) {
		return usageError("--user must be 1-64 letters, digits or . _ @ -")
	}
	cfg, err := config.LoadProfile(stdio.Getenv, nil, config.ProfileKeys)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := bootstrap(ctx, cfg, st, actorEvents{storeRecorder(stdio, st), actor()}, *name, *out)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdio.Stdout).Encode(res)
	}
	if res.Key != "" {
		fmt.Fprintln(stdio.Stdout, res.Key)
	}
	fmt.Fprintln(stdio.Stderr, res.Message)
	return nil
}

// bootstrap does the work of admin bootstrap. The key file, when asked
// for, is created (exclusively) before anything is written to the store,
// so a file that cannot be written never leaves an admin nobody can use.
// The key is recorded as created (key_created, as by "samo keys create",
// with "bootstrap": "true") and, when its file cannot be written, as
// revoked, through ev: the CLI's store recorder and actor, or the server's
// pipeline and firstStartActor.
func bootstrap(ctx context.Context, cfg *config.Config, st *store.Store, ev actorEvents, name, out string) (bootstrapResult, error) {
	n, err := st.CountUsers(ctx)
	if err != nil {
		return bootstrapResult{}, err
	}
	if n > 0 {
		return bootstrapResult{Message: fmt.Sprintf("already bootstrapped: the store has %d user(s); nothing changed (create more keys with \"samo keys create\")", n)}, nil
	}
	var f *os.File
	if out != "" {
		f, err = os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 -- the operator names the output file
		if err != nil {
			if errors.Is(err, os.ErrExist) {
				return bootstrapResult{}, fmt.Errorf("%s already exists; refusing to overwrite it", out)
			}
			return bootstrapResult{}, fmt.Errorf("cannot create %s: %w", out, errors.Unwrap(err))
		}
	}
	cleanup := func() {
		if f != nil {
			_ = f.Close()
			_ = os.Remove(out)
		}
	}
	u, created, err := users.Ensure(ctx, st, name, rbac.RoleAdmin, time.Now())
	if err != nil {
		cleanup()
		return bootstrapResult{}, err
	}
	if !created {
		cleanup()
		return bootstrapResult{Message: "already bootstrapped by a concurrent run; nothing changed"}, nil
	}
	plain, k, err := app.KeyService(cfg, st).Create(ctx, u.ID, "first admin key")
	if err != nil {
		cleanup()
		return bootstrapResult{}, err
	}
	ev.record(ctx, secevent.KeyCreated, secevent.Low,
		map[string]string{"new_key_id": k.ID, "for_user": u.ID, "role": string(u.Role), "bootstrap": "true"})
	revoke := func() {
		_ = app.KeyService(cfg, st).Revoke(ctx, k.ID)
		ev.record(ctx, secevent.KeyRevoked, secevent.Medium, map[string]string{"revoked_key_id": k.ID, "reason": "key file not written"})
	}
	res := bootstrapResult{Created: true, User: u.Name, KeyID: k.ID}
	if f == nil {
		res.Key = plain
		res.Message = fmt.Sprintf("created admin user %q and API key %s; the key is shown once, store it now", u.Name, k.ID)
		return res, nil
	}
	if _, err := fmt.Fprintln(f, plain); err != nil {
		cleanup()
		revoke()
		return bootstrapResult{}, fmt.Errorf("writing %s failed, the key was revoked (create another with \"samo keys create --user %s\")", out, u.Name)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(out)
		revoke()
		return bootstrapResult{}, fmt.Errorf("writing %s failed, the key was revoked (create another with \"samo keys create --user %s\")", out, u.Name)
	}
	res.File = out
	res.Message = fmt.Sprintf("created admin user %q and API key %s, written to %s (mode 0600)", u.Name, k.ID, out)
	return res, nil
}

// runInit creates the data directory and database, or brings its schema up
// to this binary's (whatever DATABASE_MIGRATE says: this is the command to
// run with the owner role), and in development the local secrets, without
// starting the server. In production it reads only what opening the store
// needs (loadInitConfig).
func runInit(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "init")
	asJSON := fs.Bool("json", false, `print {"database","data_dir","generated"}`)
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError("unexpected argument %q", rest[0])
	}
	cfg, err := loadInitConfig(stdio.Getenv)
	if err != nil {
		return err
	}
	cfg.DatabaseMigrate = true
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	gen, err := devSecrets(cfg)
	if err != nil {
		return err
	}
	if gen == nil {
		gen = []string{}
	}
	if *asJSON {
		return json.NewEncoder(stdio.Stdout).Encode(map[string]any{"database": string(st.Dialect()), "data_dir": cfg.DataDir, "generated": gen})
	}
	fmt.Fprintf(stdio.Stdout, "initialised the %s database (data directory %s)\n", st.Dialect(), cfg.DataDir)
	if len(gen) > 0 {
		fmt.Fprintf(stdio.Stdout, "development mode: generated %v in %s/secrets.env (0600); set them explicitly for production\n", gen, cfg.DataDir)
	}
	return nil
}

// loadInitConfig loads what init reads. In production that is only what
// opening and migrating the store needs (config.ProfileStore): no
// migration reads or rewrites sealed data or blind-index terms (each is
// SQL alone), so the schema owner's process is given no token-signing key,
// data key or alert secret, and reads none that is set. In development
// init also generates the local secrets, which needs the whole
// configuration (which secrets are set, JWT_ALGORITHM), so it loads it
// all, as before.
func loadInitConfig(getenv func(string) string) (*config.Config, error) {
	cfg, err := config.LoadProfile(getenv, nil, config.ProfileStore)
	if err != nil || cfg.Production() {
		return cfg, err
	}
	return config.LoadFlags(getenv, nil)
}
