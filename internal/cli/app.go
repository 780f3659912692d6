package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/store"
)

// loadConfig reads the configuration for a command that takes only its own
// flags besides the environment and .env.security. withSecrets loads (in
// development, generating when missing) the local secrets.
func loadConfig(io IO, withSecrets bool) (*config.Config, error) {
	cfg, err := config.LoadFlags(io.Getenv, nil)
	if err != nil {
		return nil, err
	}
	if withSecrets {
		gen, err := devSecrets(cfg)
		if err != nil {
			return nil, err
		}
		if len(gen) > 0 {
			fmt.Fprintf(io.Stderr, "development mode: generated %v in %s/secrets.env (0600); set them explicitly for production\n", gen, cfg.DataDir)
		}
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

// openStore opens the configured database.
func openStore(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	return store.Open(ctx, string(cfg.DatabaseURL.Reveal()), cfg.DataDir, store.Options{})
}

// openConfigured loads the configuration (without secrets) and opens its
// store; the caller closes the store.
func openConfigured(ctx context.Context, io IO) (*config.Config, *store.Store, error) {
	cfg, err := loadConfig(io, false)
	if err != nil {
		return nil, nil, err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return cfg, st, nil
}

// storeRecorder records security events straight into st, for commands
// that act as an operator (no pipeline runs in a CLI process).
func storeRecorder(io IO, st *store.Store) secevent.SyncRecorder {
	return secevent.SyncRecorder{Sink: st, OnError: func(err error) { fmt.Fprintln(io.Stderr, "warning: security event not recorded:", err) }}
}

// newLogger returns the JSON logger for the process.
func newLogger(io IO, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(io.Stderr, &slog.HandlerOptions{Level: level}))
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
