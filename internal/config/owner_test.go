//go:build unix

package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// foreignOwner writes path owned by the running user and returns a uid the
// check must treat as "someone else": as root the file is handed to uid
// 4242 and the process is root; otherwise the process pretends to be the
// running uid + 1, so the file's real owner is a foreign, non-root user.
func foreignOwner(t *testing.T, path, content string) (runAs int) {
	t.Helper()
	writeFile(t, path, content, 0o600)
	if os.Getuid() == 0 {
		if err := os.Chown(path, 4242, 4242); err != nil {
			t.Fatal(err)
		}
		return 0
	}
	return os.Getuid() + 1
}

func TestEnvFileOwnedByAnotherUserRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultEnvFile)
	runAs := foreignOwner(t, path, "TRUSTED_PROXIES=0.0.0.0/0\n")
	_, _, _, err := readEnvFileAs(path, runAs)
	if !errors.Is(err, ErrUnsafePermissions) {
		t.Fatalf("err = %v, want %v", err, ErrUnsafePermissions)
	}
	if !strings.Contains(err.Error(), "owned by uid") || !strings.Contains(err.Error(), "chown") {
		t.Errorf("error %q does not say who owns the file and how to fix it", err)
	}
}

func TestSecretFileOwnedByAnotherUserRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jwt")
	runAs := foreignOwner(t, path, "a-secret-value\n")
	if _, err := readSecretFileAs(path, runAs); !errors.Is(err, ErrUnsafePermissions) {
		t.Fatalf("err = %v, want %v", err, ErrUnsafePermissions)
	}
}

func TestTrustedOwners(t *testing.T) {
	dir := t.TempDir()
	own := filepath.Join(dir, "own")
	writeFile(t, own, "A=1\n", 0o600)
	if _, _, _, err := readEnvFileAs(own, os.Getuid()); err != nil {
		t.Errorf("file owned by the running user refused: %v", err)
	}
	if _, err := readSecretFileAs(own, os.Getuid()); err != nil {
		t.Errorf("secret owned by the running user refused: %v", err)
	}
	// A root-owned file is trusted by any user (root could change anything anyway).
	if os.Getuid() == 0 {
		if _, _, _, err := readEnvFileAs(own, 4242); err != nil {
			t.Errorf("root-owned file refused for uid 4242: %v", err)
		}
	}
	for _, mode := range []os.FileMode{0o620, 0o602, 0o666} {
		p := filepath.Join(dir, "w"+mode.String())
		writeFile(t, p, "s\n", mode)
		if _, err := readSecretFileAs(p, os.Getuid()); !errors.Is(err, ErrUnsafePermissions) {
			t.Errorf("secret file mode %#o: err = %v, want %v", mode, err, ErrUnsafePermissions)
		}
	}
}

// Through Load, as samo serve starts: a foreign-owned .env.security and a
// foreign-owned JWT_SECRET_KEY_FILE are each refused with a clear error
// naming the variable. Only root can hand a file to another user.
func TestLoadRefusesForeignOwnedFiles(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to chown a file to another user; TestEnvFileOwnedByAnotherUserRefused covers the check itself")
	}
	t.Run("env file", func(t *testing.T) {
		dir := isolate(t)
		path := filepath.Join(dir, DefaultEnvFile)
		foreignOwner(t, path, "RATE_LIMIT_REQUESTS=5\n")
		_, err := Load(nil, nil)
		if !errors.Is(err, ErrUnsafePermissions) || !strings.Contains(err.Error(), "SAMO_ENV_FILE") {
			t.Fatalf("err = %v, want %v naming SAMO_ENV_FILE", err, ErrUnsafePermissions)
		}
	})
	t.Run("secret file", func(t *testing.T) {
		dir := isolate(t)
		path := filepath.Join(dir, "jwt")
		foreignOwner(t, path, "Gd3kP0sQ9vLm2Xc8RtYb7Nw1HzJfAe4UqWs\n")
		env := map[string]string{"JWT_SECRET_KEY_FILE": path}
		_, err := Load(func(k string) string { return env[k] }, nil)
		if !errors.Is(err, ErrUnsafePermissions) || !strings.Contains(err.Error(), "JWT_SECRET_KEY") {
			t.Fatalf("err = %v, want %v naming JWT_SECRET_KEY", err, ErrUnsafePermissions)
		}
	})
}
