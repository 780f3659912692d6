package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/store"
	"github.com/samo-brain/samo/internal/users"
)

const backupTestKey = "dGhpcyBpcyAzMiBieXRlcyBvZiB0ZXN0IGtleSEhISE="

// A backup taken while another connection writes restores into an empty
// data directory with every row it had; tampered, truncated or foreign
// backups and non-empty directories are refused without writing a
// database.
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	env := map[string]string{"SAMO_DATA_DIR": src, "ENCRYPTION_KEY": backupTestKey, "SAMO_ENV_FILE": ""}
	if code, _, errOut := runSamo(t, env, "init"); code != 0 {
		t.Fatalf("init: %d %s", code, errOut)
	}
	if code, _, errOut := runSamo(t, env, "keys", "create", "--user", "alice", "--role", "analyst"); code != 0 {
		t.Fatalf("keys create: %d %s", code, errOut)
	}
	// A writer keeps adding users while the backup runs ("while serving").
	st, err := store.Open(ctx, "", src, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var written atomic.Int32
	wg.Go(func() {
		for i := 0; !stop.Load(); i++ {
			if _, _, err := users.Ensure(ctx, st, "writer"+string(rune('a'+i%26))+strings.Repeat("x", i/26), "user", time.Now()); err == nil {
				written.Add(1)
			}
		}
	})
	backup := filepath.Join(t.TempDir(), "samo.backup")
	code, out, errOut := runSamo(t, env, "backup", backup)
	stop.Store(true)
	wg.Wait()
	st.Close()
	if code != 0 || !strings.Contains(out, "written to") {
		t.Fatalf("backup: %d %q %q", code, out, errOut)
	}
	jsonBackup := filepath.Join(t.TempDir(), "json.backup")
	code, out, errOut = runSamo(t, env, "backup", "--json", jsonBackup)
	var bj struct {
		Backup, Database string
		Encrypted        bool
	}
	if err := json.Unmarshal([]byte(out), &bj); err != nil || code != 0 || bj.Backup != jsonBackup || !bj.Encrypted ||
		bj.Database != filepath.Join(src, "samo.db") {
		t.Errorf("backup --json: %d %v %q %q", code, err, out, errOut)
	}
	raw, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(backup); fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", fi.Mode().Perm())
	}
	if strings.Contains(string(raw), "alice") || strings.Contains(string(raw), "SQLite format") {
		t.Error("the backup is not encrypted")
	}

	restoreTo := func(dir string, key string, file string) (int, string) {
		code, _, errOut := runSamo(t, map[string]string{"SAMO_DATA_DIR": dir, "ENCRYPTION_KEY": key, "SAMO_ENV_FILE": ""}, "restore", file)
		return code, errOut
	}
	noDatabase := func(dir string) {
		t.Helper()
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			t.Errorf("a refused restore left %s in %s", e.Name(), dir)
		}
	}
	writeVariant := func(b []byte) string {
		p := filepath.Join(t.TempDir(), "variant.backup")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tampered := append([]byte(nil), raw...)
	tampered[len(tampered)/2] ^= 0x01
	for _, bad := range []struct{ name, key, file, want string }{
		{"tampered", backupTestKey, writeVariant(tampered), "does not authenticate"},
		{"truncated", backupTestKey, writeVariant(raw[:len(raw)-100]), "does not authenticate"},
		{"wrong key", "b3RoZXIgMzIgYnl0ZXMgb2YgdGVzdCBrZXkhISEhISE=", backup, "does not authenticate"},
		{"not a backup", backupTestKey, writeVariant([]byte("SQLite format 3\x00 hello")), "does not authenticate"},
	} {
		dir := filepath.Join(t.TempDir(), "data")
		if code, errOut := restoreTo(dir, bad.key, bad.file); code != 1 || !strings.Contains(errOut, bad.want) {
			t.Errorf("restore of a %s backup: %d %q; want 1 and %q", bad.name, code, errOut, bad.want)
		}
		noDatabase(dir)
	}
	if code, errOut := restoreTo(src, backupTestKey, backup); code != 1 || !strings.Contains(errOut, "not empty") {
		t.Errorf("restore into the non-empty source directory: %d %q", code, errOut)
	}

	dst := filepath.Join(t.TempDir(), "restored")
	if code, errOut := restoreTo(dst, backupTestKey, backup); code != 0 {
		t.Fatalf("restore: %d %s", code, errOut)
	}
	jsonDst := filepath.Join(t.TempDir(), "restored-json")
	code, out, errOut = runSamo(t, map[string]string{"SAMO_DATA_DIR": jsonDst, "ENCRYPTION_KEY": backupTestKey, "SAMO_ENV_FILE": ""}, "restore", "--json", jsonBackup)
	var rj struct{ Database, Backup, Integrity string }
	if err := json.Unmarshal([]byte(out), &rj); err != nil || code != 0 || rj.Backup != jsonBackup || rj.Integrity != "ok" ||
		rj.Database != filepath.Join(jsonDst, "samo.db") {
		t.Errorf("restore --json: %d %v %q %q", code, err, out, errOut)
	}
	denv := map[string]string{"SAMO_DATA_DIR": dst, "ENCRYPTION_KEY": backupTestKey, "SAMO_ENV_FILE": ""}
	if code, out, errOut := runSamo(t, denv, "keys", "list"); code != 0 || !strings.Contains(out, "alice") {
		t.Errorf("keys list after restore: %d %q %q", code, out, errOut)
	}
	if err := store.CheckSQLite(ctx, filepath.Join(dst, "samo.db")); err != nil {
		t.Errorf("restored database: %v", err)
	}
	if written.Load() == 0 {
		t.Log("the concurrent writer wrote nothing during the backup")
	}
}

// PostgreSQL deployments are sent to pg_dump.
func TestBackupPostgresRefused(t *testing.T) {
	env := map[string]string{"DATABASE_URL": "postgres://u:p@127.0.0.1:1/db", "ENCRYPTION_KEY": backupTestKey, "SAMO_ENV_FILE": "", "SAMO_DATA_DIR": t.TempDir()}
	for _, cmd := range []string{"backup", "restore"} {
		if code, _, errOut := runSamo(t, env, cmd, filepath.Join(t.TempDir(), "f")); code != 1 || !strings.Contains(errOut, "pg_dump") {
			t.Errorf("%s on PostgreSQL: %d %q", cmd, code, errOut)
		}
	}
}
