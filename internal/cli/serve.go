package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/samo-brain/samo/internal/app"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/server"
	"github.com/samo-brain/samo/internal/store"
)

func runServe(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "serve")
	flags := config.RegisterFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	// Log lines of concurrent requests share write calls (server.LogWriter);
	// the deferred Close writes what is pending when serve returns.
	lw := server.NewLogWriter(stdio.Stderr)
	defer lw.Close()
	logIO := stdio
	logIO.Stderr = lw
	cfg, err := config.LoadFlags(stdio.Getenv, flags)
	if err != nil {
		// Every line of serve is in the chosen format, this one included:
		// the format comes straight from the flag or environment here.
		format := stdio.Getenv("LOG_FORMAT")
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "log-format" {
				format = f.Value.String()
			}
		})
		log := newLogger(logIO, slog.LevelError, strings.ToLower(strings.TrimSpace(format)))
		var problems []string
		for _, e := range unjoin(err) {
			problems = append(problems, e.Error())
		}
		log.Error("configuration refused", "problems", problems)
		return errReported
	}
	log := newLogger(logIO, cfg.LogLevel, cfg.LogFormat)
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
	if procs := raiseProcs(stdio.Getenv, cfg.DatabaseDriver()); procs > 0 {
		log.Info("GOMAXPROCS raised so that a commit waiting for the disk does not stall requests", "gomaxprocs", procs)
	}
	a, err := app.Build(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := ensureAdminKey(ctx, log, a); err != nil {
		return err
	}
	srv := server.New(server.Config{
		Addr: cfg.Addr, TLSCertFile: cfg.TLSCertFile, TLSKeyFile: cfg.TLSKeyFile,
		MetricsAddr: cfg.MetricsAddr, ShutdownTimeout: cfg.ShutdownTimeout,
	}, a.Handler, a.MetricsHandler, log)
	log.Info("samo serving", "security_level", cfg.SecurityLevel, "database", a.Store.Dialect(),
		"model", a.ModelVersion, "data_dir", cfg.DataDir)
	if err := a.Run(ctx, srv.Run); err != nil {
		log.Error("samo serve stopped", "error", err.Error())
		return errReported
	}
	log.Info("samo serve stopped")
	return nil
}

// minProcs is the fewest Ps samo serve runs with on SQLite.
const minProcs = 2

// raiseProcs raises GOMAXPROCS to minProcs when the store is SQLite
// (driver, config.DatabaseDriver) unless the GOMAXPROCS variable sets it,
// and returns the new value (0 when unchanged). A durable commit holds its
// thread in the write and fsync system calls of the SQLite driver; with
// one P (one CPU, or a container quota of one) the runtime runs nothing
// else until it takes that P back, so every request waited for the disk
// in turn and commits could not be grouped. With a spare P the other
// requests run on other threads and join the next commit: on one pinned
// CPU, 1 P served ≈ 1,100 durable predictions/s and 4 Ps ≈ 4,400. Two
// are enough: on one CPU, 2 Ps served as many predictions as 4 and the
// security chain 5–7 % more requests, with half its p99 at the maximum
// rate, since idle Ps spin and switch on the one CPU (BENCHMARKS.md,
// issue 14 session 11). On
// PostgreSQL (and Redis) every wait is a network socket in the runtime's
// poller, which holds no P, and the spare Ps only cost the scheduler's
// work: on one CPU the security chain alone ran at 51–52 % of bare with
// 1 P against 45 % with 4, PostgreSQL predictions unchanged
// (BENCHMARKS.md, issue 14 session 10).
func raiseProcs(getenv func(string) string, driver string) int {
	if driver != "sqlite" || getenv("GOMAXPROCS") != "" || runtime.GOMAXPROCS(0) >= minProcs {
		return 0
	}
	runtime.GOMAXPROCS(minProcs)
	return minProcs
}

// unjoin splits an errors.Join of problems into its members.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// firstStartActor is the "by" of the events samo serve records when it
// creates the first admin itself.
const firstStartActor = "samo:first-start"

// ensureAdminKey creates the first admin and its key when a SQLite store
// has no users, writing the key to SAMO_DATA_DIR/admin.key (0600) so it
// never appears in logs. Replicas on PostgreSQL write nothing: the first
// admin of a shared store comes from "samo admin bootstrap", run once.
func ensureAdminKey(ctx context.Context, log *slog.Logger, a *app.App) error {
	n, err := a.Store.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	if a.Store.Dialect() != store.SQLite {
		log.Warn("the store has no users yet: create the first admin with \"samo admin bootstrap\"")
		return nil
	}
	path := filepath.Join(a.Cfg.DataDir, "admin.key")
	if err := os.MkdirAll(a.Cfg.DataDir, 0o700); err != nil {
		return err
	}
	res, err := bootstrap(ctx, a.Cfg, a.Store, actorEvents{a.Events, firstStartActor}, "admin", path)
	if err != nil {
		return fmt.Errorf("first start: %w", err)
	}
	if res.Created {
		log.Info("first start: created user \"admin\" and an admin API key", "key_id", res.KeyID, "file", path, "mode", "0600")
	}
	return nil
}
