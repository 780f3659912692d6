package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/seal"
	"github.com/samo-brain/samo/internal/store"
)

// errPostgresBackup sends PostgreSQL users to pg_dump.
var errPostgresBackup = errors.New("DATABASE_URL is PostgreSQL: use pg_dump/pg_restore as described in docs/backup.md")

// backupKey refuses PostgreSQL (errPostgresBackup) and returns the key a
// backup is encrypted with: ENCRYPTION_KEY, the key
// that already wraps the keyring inside the database (in development, the
// one in SAMO_DATA_DIR/secrets.env).
func backupKey(cfg *config.Config) (*seal.MasterKey, error) {
	if cfg.DatabaseDriver() != "sqlite" {
		return nil, errPostgresBackup
	}
	v := cfg.EncryptionKey.Reveal()
	if len(v) == 0 {
		return nil, errors.New("ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE) is not set: it encrypts the backup")
	}
	mk, err := seal.ParseMasterKey(string(v))
	if err != nil {
		return nil, fmt.Errorf("ENCRYPTION_KEY: %w", err)
	}
	return mk, nil
}

// runBackup implements "samo backup FILE": a consistent snapshot of the
// SQLite database (VACUUM INTO, safe while a server writes), encrypted and
// authenticated with ENCRYPTION_KEY in the chunked stream format, written
// atomically with mode 0600.
func runBackup(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "backup")
	asJSON := jsonFlag(fs, `print {"backup","database","encrypted"}`)
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("usage: samo backup FILE [--json]")
	}
	cfg, err := loadConfig(stdio, true)
	if err != nil {
		return err
	}
	mk, err := backupKey(cfg)
	if err != nil {
		return err
	}
	src := sqlitePath(cfg)
	tmpDir, err := os.MkdirTemp(filepath.Dir(src), ".backup-*") // 0700, beside the database
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmpDir)
	snap := filepath.Join(tmpDir, "snapshot.db")
	if err := store.SnapshotSQLite(ctx, src, snap); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := store.CheckSQLite(ctx, snap); err != nil {
		return fmt.Errorf("backup: the snapshot is not sound: %w", err)
	}
	in, err := os.Open(snap) // #nosec G304 -- our own temporary file
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer in.Close()
	err = writeFileAtomic(rest[0], func(out io.Writer) error {
		w, err := seal.NewWriter(out, mk)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, ctxReader{ctx, in}); err != nil {
			return err
		}
		return w.Close()
	})
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if *asJSON {
		return printJSON(stdio, map[string]any{"backup": rest[0], "database": src, "encrypted": true})
	}
	fmt.Fprintf(stdio.Stdout, "backup of %s written to %s (encrypted with ENCRYPTION_KEY)\n", src, rest[0])
	return nil
}

// runRestore implements "samo restore FILE": it refuses a data directory
// that is not empty, authenticates the whole backup with ENCRYPTION_KEY
// before writing anything, then decrypts it to a temporary file, checks
// the database's integrity and renames it into place.
func runRestore(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "restore")
	asJSON := jsonFlag(fs, `print {"database","backup","integrity"}`)
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("usage: samo restore FILE [--json]")
	}
	cfg, err := config.LoadFlags(stdio.Getenv, nil)
	if err != nil {
		return err
	}
	mk, err := backupKey(cfg)
	if err != nil {
		return err
	}
	dst := sqlitePath(cfg)
	dir := filepath.Dir(dst)
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("restore: %s is not empty: restore only into an empty data directory", dir)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("restore: %w", err)
	}
	// Pass 1: authenticate every chunk (and the end of the stream) without
	// writing anything.
	if err := decryptBackup(ctx, rest[0], mk, io.Discard); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".restore-*.db") // 0600
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	// Pass 2: write it (authenticated again: the file could change between
	// the passes).
	if err := decryptBackup(ctx, rest[0], mk, tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := store.CheckSQLite(ctx, tmp.Name()); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	ok = true
	if *asJSON {
		return printJSON(stdio, map[string]any{"database": dst, "backup": rest[0], "integrity": "ok"})
	}
	fmt.Fprintf(stdio.Stdout, "restored %s from %s (authenticated, integrity ok)\n", dst, rest[0])
	return nil
}

// decryptBackup decrypts the backup at name into w, failing on a wrong key,
// a changed byte or a truncated file.
func decryptBackup(ctx context.Context, name string, mk *seal.MasterKey, w io.Writer) error {
	f, err := os.Open(name) // #nosec G304 -- a path the operator passed on the command line
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	r, err := seal.NewReader(ctxReader{ctx, f}, mk)
	if err == nil {
		_, err = io.Copy(w, r)
	}
	if err != nil {
		return fmt.Errorf("restore: the backup does not authenticate (wrong ENCRYPTION_KEY, or the file was changed or truncated): %w", err)
	}
	return nil
}
