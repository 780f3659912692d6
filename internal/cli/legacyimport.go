package cli

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/app"
	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/seal"
	"github.com/samo-brain/samo/internal/validate"
)

// legacyImport implements "samo crypto legacy import": it reads values
// written by the Guide's Python DataEncryption, one per line, decrypts each,
// validates it like an API request, runs the model and stores it as a
// prediction of --user, sealed under the current keyring. Lines that fail
// are reported by number (never by content) and skipped; the exit status is
// 1 when any line failed.
func legacyImport(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "crypto legacy import")
	pwFile := fs.String("password-file", "", "file holding the Guide's secret_key")
	userName := fs.String("user", "", "owner of the imported predictions")
	taxonomy := fs.String("taxonomy", "goemotions", "goemotions or ekman")
	asJSON := jsonFlag(fs, `print {"user","imported","failed"} (failed lines are still reported on stderr by number)`)
	if _, err := parseCmd(fs, args); err != nil {
		return err
	}
	if *pwFile == "" || *userName == "" {
		return usageError("usage: samo crypto legacy import --password-file FILE --user NAME < values")
	}
	password, err := readSecretFile(*pwFile)
	if err != nil {
		return err
	}
	defer clear(password)
	key, err := seal.LegacyKey(password)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(stdio, true)
	if err != nil {
		return err
	}
	a, err := app.Build(ctx, cfg, slog.New(slog.NewJSONHandler(stdio.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Store.UserByName(ctx, *userName)
	if err != nil {
		return userError(*userName, err)
	}
	limits := validate.Limits{MinLength: cfg.MinTextLength, MaxLength: cfg.MaxTextLength}
	policy := validate.DefaultPolicy()
	if cfg.InjectionPolicy != "" {
		if policy, err = validate.ParsePolicy(cfg.InjectionPolicy); err != nil {
			return err
		}
	}
	imported, failed := 0, 0
	importAll := func(ctx context.Context) error {
		ctx = reqctx.With(ctx, &reqctx.Info{RequestID: "legacy-import-" + time.Now().UTC().Format("20060102T150405"), Start: time.Now(),
			Principal: &reqctx.Principal{UserID: u.ID, UserName: u.Name, Role: u.Role, Method: "cli"}})
		sc := bufio.NewScanner(stdio.Stdin)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var batch []prediction.Input
		var lines []int
		flush := func() {
			for i, r := range a.Predictions.PredictBatch(ctx, batch) {
				if r.Err != nil {
					failed++
					fmt.Fprintf(stdio.Stderr, "line %d: not stored: %v\n", lines[i], r.Err)
					continue
				}
				imported++
			}
			batch, lines = batch[:0], lines[:0]
		}
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" {
				continue
			}
			pt, err := seal.LegacyOpen(key, line)
			if err != nil {
				failed++
				fmt.Fprintf(stdio.Stderr, "line %d: %v\n", n, err)
				continue
			}
			text, err := validate.Text(string(pt), limits)
			if err != nil {
				failed++
				fmt.Fprintf(stdio.Stderr, "line %d: %v\n", n, err)
				continue
			}
			if reject, class := policy.Decide(validate.Detect(text)); reject {
				failed++
				fmt.Fprintf(stdio.Stderr, "line %d: refused: contains %s\n", n, class)
				continue
			}
			batch = append(batch, prediction.Input{Text: text, Taxonomy: *taxonomy})
			lines = append(lines, n)
			if len(batch) == 100 {
				flush()
			}
		}
		if len(batch) > 0 {
			flush()
		}
		return sc.Err()
	}
	if err := a.Run(ctx, importAll); err != nil {
		return err
	}
	if *asJSON {
		if err := printJSON(stdio, map[string]any{"user": u.Name, "imported": imported, "failed": failed}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdio.Stdout, "imported %d values for %s, %d failed\n", imported, u.Name, failed)
	}
	if failed > 0 {
		return fmt.Errorf("%d values were not imported (see above)", failed)
	}
	return nil
}
