package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/samo-brain/samo/internal/app"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/server"
	"github.com/samo-brain/samo/internal/users"
)

func runServe(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet(io, "serve")
	flags := config.RegisterFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	cfg, err := config.LoadFlags(io.Getenv, flags)
	if err != nil {
		return fmt.Errorf("configuration refused:\n%w", err)
	}
	// Log lines of concurrent requests share write calls (server.LogWriter);
	// the deferred Close writes what is pending when serve returns.
	lw := server.NewLogWriter(io.Stderr)
	defer lw.Close()
	logIO := io
	logIO.Stderr = lw
	log := newLogger(logIO, cfg.LogLevel)
	gen, err := devSecrets(cfg)
	if err != nil {
		return err
	}
	if len(gen) > 0 {
		log.Warn("development mode: generated secrets; set them explicitly for production",
			"generated", gen, "file", filepath.Join(cfg.DataDir, "secrets.env"))
	}
	for _, w := range cfg.Warnings {
		log.Warn("configuration warning", "warning", w)
	}
	a, err := app.Build(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := ensureAdminKey(ctx, io, a); err != nil {
		return err
	}
	srv := server.New(server.Config{
		Addr: cfg.Addr, TLSCertFile: cfg.TLSCertFile, TLSKeyFile: cfg.TLSKeyFile,
		MetricsAddr: cfg.MetricsAddr, ShutdownTimeout: cfg.ShutdownTimeout,
	}, a.Handler, a.MetricsHandler, log)
	log.Info("samo serving", "security_level", cfg.SecurityLevel, "database", a.Store.Dialect(),
		"model", a.ModelVersion, "data_dir", cfg.DataDir)
	return a.Run(ctx, srv.Run)
}

// ensureAdminKey creates the first admin and its key when the store has no
// users, writing the key to SAMO_DATA_DIR/admin.key (0600) so it never
// appears in logs.
func ensureAdminKey(ctx context.Context, io IO, a *app.App) error {
	n, err := a.Store.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	u, created, err := users.Ensure(ctx, a.Store, "admin", rbac.RoleAdmin, time.Now())
	if err != nil {
		return err
	}
	if !created {
		return nil // another replica won the race
	}
	plain, k, err := a.Keys.Create(ctx, u.ID, "first admin key")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(a.Cfg.DataDir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(a.Cfg.DataDir, "admin.key")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 -- SAMO_DATA_DIR is operator configuration
	if err != nil {
		_ = a.Keys.Revoke(ctx, k.ID)
		return fmt.Errorf("writing the first admin key: %w (the key was revoked)", err)
	}
	if _, err := fmt.Fprintln(f, plain); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(io.Stderr, "first start: created user \"admin\" and an admin API key (%s), written to %s (mode 0600)\n", k.ID, path)
	return nil
}
