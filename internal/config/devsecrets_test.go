package config

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestEnsureDevSecretsGeneratesAndReuses(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX permissions")
	}
	isolate(t)
	dataDir := filepath.Join(t.TempDir(), "samo-data")

	cfg, err := Load(envMap(map[string]string{"SAMO_DATA_DIR": dataDir}), nil)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := EnsureDevSecrets(cfg, "")
	if err != nil {
		t.Fatalf("first EnsureDevSecrets: %v", err)
	}
	want := []string{"JWT_SECRET_KEY", "ENCRYPTION_KEY", "SECURITY_ALERT_SECRET"}
	if !slices.Equal(gen, want) {
		t.Errorf("generated = %q, want %q", gen, want)
	}
	first := map[string]string{
		"JWT_SECRET_KEY":        string(cfg.JWTSecretKey.Reveal()),
		"ENCRYPTION_KEY":        string(cfg.EncryptionKey.Reveal()),
		"SECURITY_ALERT_SECRET": string(cfg.SecurityAlertSecret.Reveal()),
	}
	for name, v := range first {
		raw, err := base64.URLEncoding.DecodeString(v)
		if err != nil || len(raw) != 32 {
			t.Errorf("%s is not base64url of 32 bytes (len %d, err %v)", name, len(raw), err)
		}
		if why := secretWeakness([]byte(v)); why != "" {
			t.Errorf("generated %s is weak: %s", name, why)
		}
		if got := cfg.Sources[name]; got != SourceGenerated {
			t.Errorf("Sources[%s] = %q, want %q", name, got, SourceGenerated)
		}
	}
	if first["JWT_SECRET_KEY"] == first["ENCRYPTION_KEY"] {
		t.Error("JWT_SECRET_KEY and ENCRYPTION_KEY are equal")
	}
	for path, wantMode := range map[string]os.FileMode{dataDir: 0o700, filepath.Join(dataDir, DevSecretsFile): 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != wantMode {
			t.Errorf("mode of %s = %#o, want %#o", path, got, wantMode)
		}
	}

	// A second start reuses the file and generates nothing.
	cfg2, err := Load(envMap(map[string]string{"SAMO_DATA_DIR": dataDir}), nil)
	if err != nil {
		t.Fatal(err)
	}
	gen2, err := EnsureDevSecrets(cfg2, "")
	if err != nil {
		t.Fatalf("second EnsureDevSecrets: %v", err)
	}
	if len(gen2) != 0 {
		t.Errorf("second start generated %q, want nothing", gen2)
	}
	if got := string(cfg2.JWTSecretKey.Reveal()); got != first["JWT_SECRET_KEY"] {
		t.Error("second start did not reuse JWT_SECRET_KEY")
	}
	if got := string(cfg2.EncryptionKey.Reveal()); got != first["ENCRYPTION_KEY"] {
		t.Error("second start did not reuse ENCRYPTION_KEY")
	}
}

func TestEnsureDevSecretsKeepsConfiguredAndAddsMissing(t *testing.T) {
	isolate(t)
	dataDir := t.TempDir()
	// A file from an earlier start with only JWT_SECRET_KEY.
	writeFile(t, filepath.Join(dataDir, DevSecretsFile), "# old\nJWT_SECRET_KEY=earlier-generated-value-kept-as-is-123\n", 0o600)
	cfg, err := Load(envMap(map[string]string{"ENCRYPTION_KEY": "operator-provided-encryption-key-0123456789"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := EnsureDevSecrets(cfg, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"SECURITY_ALERT_SECRET"}; !slices.Equal(gen, want) {
		t.Errorf("generated = %q, want %q", gen, want)
	}
	checks := []struct{ name, got, want string }{
		{"JWT_SECRET_KEY", string(cfg.JWTSecretKey.Reveal()), "earlier-generated-value-kept-as-is-123"},
		{"ENCRYPTION_KEY", string(cfg.EncryptionKey.Reveal()), "operator-provided-encryption-key-0123456789"},
		{"ENCRYPTION_KEY source", cfg.Sources["ENCRYPTION_KEY"], SourceEnv},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	data, err := os.ReadFile(filepath.Join(dataDir, DevSecretsFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "JWT_SECRET_KEY=earlier-generated-value-kept-as-is-123") || !strings.Contains(string(data), "SECURITY_ALERT_SECRET=") {
		t.Errorf("secrets.env lost or missed an entry:\n%s", data)
	}
	if strings.Contains(string(data), "operator-provided") {
		t.Error("secrets.env holds an operator-provided secret")
	}
}

func TestEnsureDevSecretsRefusals(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX permissions")
	}
	tests := []struct {
		name    string
		prepare func(t *testing.T, dataDir string) *Config
		wantErr error
	}{
		{"group-readable file", func(t *testing.T, dataDir string) *Config {
			writeFile(t, filepath.Join(dataDir, DevSecretsFile), "JWT_SECRET_KEY=x\n", 0o640)
			return &Config{SecurityLevel: LevelDevelopment, JWTAlgorithm: "HS256"}
		}, ErrUnsafePermissions},
		{"world-readable file", func(t *testing.T, dataDir string) *Config {
			writeFile(t, filepath.Join(dataDir, DevSecretsFile), "JWT_SECRET_KEY=x\n", 0o644)
			return &Config{SecurityLevel: LevelDevelopment, JWTAlgorithm: "HS256"}
		}, ErrUnsafePermissions},
		{"symlink", func(t *testing.T, dataDir string) *Config {
			outside := filepath.Join(t.TempDir(), "elsewhere.env")
			writeFile(t, outside, "JWT_SECRET_KEY=x\n", 0o600)
			if err := os.Symlink(outside, filepath.Join(dataDir, DevSecretsFile)); err != nil {
				t.Skip(err)
			}
			return &Config{SecurityLevel: LevelDevelopment, JWTAlgorithm: "HS256"}
		}, errNotRegular},
		{"malformed file", func(t *testing.T, dataDir string) *Config {
			writeFile(t, filepath.Join(dataDir, DevSecretsFile), "JWT_SECRET_KEY='x\n", 0o600)
			return &Config{SecurityLevel: LevelDevelopment, JWTAlgorithm: "HS256"}
		}, ErrMalformedEnvFile},
		{"production", func(t *testing.T, dataDir string) *Config {
			return &Config{SecurityLevel: LevelProduction, JWTAlgorithm: "HS256"}
		}, ErrProductionSecrets},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dataDir := t.TempDir()
			cfg := tt.prepare(t, dataDir)
			gen, err := EnsureDevSecrets(cfg, dataDir)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if len(gen) != 0 || cfg.JWTSecretKey.IsSet() {
				t.Errorf("secrets filled despite the error: generated %q", gen)
			}
			if tt.wantErr == ErrProductionSecrets {
				if _, err := os.Stat(filepath.Join(dataDir, DevSecretsFile)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("production wrote %s (stat err %v)", DevSecretsFile, err)
				}
			}
		})
	}
}

func TestEnsureDevSecretsSkipsJWTSecretForAsymmetric(t *testing.T) {
	cfg := &Config{SecurityLevel: LevelDevelopment, JWTAlgorithm: "ES256"}
	gen, err := EnsureDevSecrets(cfg, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(gen, "JWT_SECRET_KEY") || cfg.JWTSecretKey.IsSet() {
		t.Errorf("generated %q for ES256, want no JWT_SECRET_KEY", gen)
	}
}

func TestEnsureDevSecretsNothingToDo(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "never-created")
	s := NewSecret("configured-by-operator-0123456789-abcdef")
	cfg := &Config{SecurityLevel: LevelDevelopment, JWTAlgorithm: "HS256", JWTSecretKey: s, EncryptionKey: s, SecurityAlertSecret: s}
	gen, err := EnsureDevSecrets(cfg, dataDir)
	if err != nil || len(gen) != 0 {
		t.Fatalf("EnsureDevSecrets = %q, %v; want nothing", gen, err)
	}
	if _, err := os.Stat(dataDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("data dir created although nothing was generated (stat err %v)", err)
	}
}
