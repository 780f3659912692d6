package config

import (
	"errors"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// isolate runs the test in an empty working directory, so no stray
// .env.security is read.
func isolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	return dir
}

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// layers describes one precedence case: a value per layer ("" = not set).
type layers struct{ file, env, flag string }

func TestLoadPrecedence(t *testing.T) {
	tests := []struct {
		name       string
		variable   string
		flagName   string
		l          layers
		check      func(*Config) any
		want       any
		wantSource string
	}{
		{"int default", "RATE_LIMIT_REQUESTS", "rate-limit-requests", layers{},
			func(c *Config) any { return c.RateLimitRequests }, 100, SourceDefault},
		{"int file", "RATE_LIMIT_REQUESTS", "rate-limit-requests", layers{file: "7"},
			func(c *Config) any { return c.RateLimitRequests }, 7, SourceEnvFile},
		{"int env over file", "RATE_LIMIT_REQUESTS", "rate-limit-requests", layers{file: "7", env: "8"},
			func(c *Config) any { return c.RateLimitRequests }, 8, SourceEnv},
		{"int flag over env and file", "RATE_LIMIT_REQUESTS", "rate-limit-requests", layers{file: "7", env: "8", flag: "9"},
			func(c *Config) any { return c.RateLimitRequests }, 9, SourceFlag},
		{"seconds default", "RATE_LIMIT_WINDOW", "rate-limit-window", layers{},
			func(c *Config) any { return c.RateLimitWindow }, time.Hour, SourceDefault},
		{"seconds file", "RATE_LIMIT_WINDOW", "rate-limit-window", layers{file: "60"},
			func(c *Config) any { return c.RateLimitWindow }, time.Minute, SourceEnvFile},
		{"duration env", "RATE_LIMIT_WINDOW", "rate-limit-window", layers{file: "60", env: "2h"},
			func(c *Config) any { return c.RateLimitWindow }, 2 * time.Hour, SourceEnv},
		{"duration flag", "RATE_LIMIT_WINDOW", "rate-limit-window", layers{file: "60", env: "2h", flag: "90s"},
			func(c *Config) any { return c.RateLimitWindow }, 90 * time.Second, SourceFlag},
		{"bool default", "CORS_ENABLED", "cors-enabled", layers{},
			func(c *Config) any { return c.CORSEnabled }, true, SourceDefault},
		{"bool file", "CORS_ENABLED", "cors-enabled", layers{file: "false"},
			func(c *Config) any { return c.CORSEnabled }, false, SourceEnvFile},
		{"bool env", "CORS_ENABLED", "cors-enabled", layers{file: "false", env: "yes"},
			func(c *Config) any { return c.CORSEnabled }, true, SourceEnv},
		{"bool flag", "CORS_ENABLED", "cors-enabled", layers{file: "true", env: "on", flag: "false"},
			func(c *Config) any { return c.CORSEnabled }, false, SourceFlag},
		{"string file", "SAMO_ADDR", "addr", layers{file: "127.0.0.1:1"},
			func(c *Config) any { return c.Addr }, "127.0.0.1:1", SourceEnvFile},
		{"string flag", "SAMO_ADDR", "addr", layers{file: "127.0.0.1:1", env: "127.0.0.1:2", flag: "127.0.0.1:3"},
			func(c *Config) any { return c.Addr }, "127.0.0.1:3", SourceFlag},
		{"list env", "ALLOWED_FILE_TYPES", "allowed-file-types", layers{file: "json", env: "CSV, txt"},
			func(c *Config) any { return strings.Join(c.AllowedFileTypes, ",") }, "csv,txt", SourceEnv},
		{"list flag empty", "ALLOWED_FILE_TYPES", "allowed-file-types", layers{file: "json", env: "csv", flag: ""},
			func(c *Config) any { return len(c.AllowedFileTypes) }, 0, SourceFlag},
		{"cidrs flag", "TRUSTED_PROXIES", "trusted-proxies", layers{file: "10.0.0.0/8", flag: "192.168.1.1, 2001:db8::/32"},
			func(c *Config) any { return prefixes(c.TrustedProxies) }, "192.168.1.1/32,2001:db8::/32", SourceFlag},
		{"enum normalised", "ENCRYPTION_ALGORITHM", "encryption-algorithm", layers{file: "aes-256-gcm", env: "fernet"},
			func(c *Config) any { return c.EncryptionAlgorithm }, "Fernet", SourceEnv},
		{"secret file", "JWT_SECRET_KEY", "", layers{file: "from-file"},
			func(c *Config) any { return string(c.JWTSecretKey.Reveal()) }, "from-file", SourceEnvFile},
		{"secret env over file", "JWT_SECRET_KEY", "", layers{file: "from-file", env: "from-env"},
			func(c *Config) any { return string(c.JWTSecretKey.Reveal()) }, "from-env", SourceEnv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := isolate(t)
			if tt.l.file != "" {
				writeFile(t, filepath.Join(dir, DefaultEnvFile), tt.variable+"="+tt.l.file+"\n", 0o600)
			}
			env := map[string]string{}
			if tt.l.env != "" {
				env[tt.variable] = tt.l.env
			}
			var args []string
			if tt.wantSource == SourceFlag {
				args = []string{"--" + tt.flagName + "=" + tt.l.flag}
			}
			cfg, err := Load(envMap(env), args)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := tt.check(cfg); got != tt.want {
				t.Errorf("value = %v, want %v", got, tt.want)
			}
			if got := cfg.Sources[tt.variable]; got != tt.wantSource {
				t.Errorf("Sources[%s] = %q, want %q", tt.variable, got, tt.wantSource)
			}
		})
	}
}

func prefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

func TestLoadDefaults(t *testing.T) {
	isolate(t)
	cfg, err := Load(nil, nil)
	if err != nil {
		t.Fatalf("Load with no configuration: %v", err)
	}
	for _, s := range settings() {
		if got := cfg.Sources[s.name]; got != SourceDefault {
			t.Errorf("Sources[%s] = %q, want %q", s.name, got, SourceDefault)
		}
	}
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"SecurityLevel", cfg.SecurityLevel, LevelDevelopment},
		{"IDSRequestsPerMinute", cfg.IDSRequestsPerMinute, 300},
		{"APIKeyRotationInterval", cfg.APIKeyRotationInterval, 24 * time.Hour},
		{"RefreshTokenTTL", cfg.RefreshTokenTTL, 720 * time.Hour},
		{"RefreshFamilyMaxAge", cfg.RefreshFamilyMaxAge, 2160 * time.Hour},
		{"MaxFileSize", cfg.MaxFileSize, int64(10 << 20)},
		{"Addr", cfg.Addr, "127.0.0.1:8080"},
		{"SecurityLogPath", cfg.SecurityLogPath(), filepath.Join("samo-data", "security.log")},
		{"DatabaseDriver", cfg.DatabaseDriver(), "sqlite"},
		{"EnvFile", cfg.EnvFile, ""},
		{"JWTSecretKey set", cfg.JWTSecretKey.IsSet(), false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestLoadSecretFiles(t *testing.T) {
	tests := []struct {
		name       string
		fileLayer  string // .env.security content; "{path}" is replaced by the secret file's path
		env        map[string]string
		want       string
		wantSource string
		wantErr    error
	}{
		{name: "env _FILE", env: map[string]string{"ENCRYPTION_KEY_FILE": "{path}"},
			want: "file-secret", wantSource: "env (ENCRYPTION_KEY_FILE)"},
		{name: ".env.security _FILE", fileLayer: "ENCRYPTION_KEY_FILE={path}\n",
			want: "file-secret", wantSource: ".env.security (ENCRYPTION_KEY_FILE)"},
		{name: "env _FILE over file value", fileLayer: "ENCRYPTION_KEY=in-env-file\n", env: map[string]string{"ENCRYPTION_KEY_FILE": "{path}"},
			want: "file-secret", wantSource: "env (ENCRYPTION_KEY_FILE)"},
		{name: "env value over file _FILE", fileLayer: "ENCRYPTION_KEY_FILE={path}\n", env: map[string]string{"ENCRYPTION_KEY": "direct-value"},
			want: "direct-value", wantSource: SourceEnv},
		{name: "both in env", env: map[string]string{"ENCRYPTION_KEY": "direct-value", "ENCRYPTION_KEY_FILE": "{path}"},
			wantErr: ErrConflictingSources},
		{name: "both in file", fileLayer: "ENCRYPTION_KEY=x\nENCRYPTION_KEY_FILE={path}\n",
			wantErr: ErrConflictingSources},
		{name: "missing file", env: map[string]string{"ENCRYPTION_KEY_FILE": "{path}.missing"},
			wantErr: os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := isolate(t)
			secretPath := filepath.Join(dir, "enc.key")
			writeFile(t, secretPath, "file-secret\n", 0o600)
			if tt.fileLayer != "" {
				writeFile(t, filepath.Join(dir, DefaultEnvFile), strings.ReplaceAll(tt.fileLayer, "{path}", secretPath), 0o600)
			}
			env := map[string]string{}
			for k, v := range tt.env {
				env[k] = strings.ReplaceAll(v, "{path}", secretPath)
			}
			cfg, err := Load(envMap(env), nil)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "ENCRYPTION_KEY") {
					t.Errorf("error %q does not name ENCRYPTION_KEY", err)
				}
				for _, v := range []string{"file-secret", "direct-value"} {
					if strings.Contains(err.Error(), v) {
						t.Errorf("error %q contains a secret value", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := string(cfg.EncryptionKey.Reveal()); got != tt.want {
				t.Errorf("ENCRYPTION_KEY = %q, want %q", got, tt.want)
			}
			if got := cfg.Sources["ENCRYPTION_KEY"]; got != tt.wantSource {
				t.Errorf("Sources = %q, want %q", got, tt.wantSource)
			}
		})
	}
}

func TestLoadPreviousSecretsList(t *testing.T) {
	dir := isolate(t)
	path := filepath.Join(dir, "prev")
	writeFile(t, path, "old-one\nold-two\n", 0o600)
	cfg, err := Load(envMap(map[string]string{"JWT_PREVIOUS_SECRET_KEYS_FILE": path}), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range cfg.JWTPreviousSecretKeys {
		got = append(got, string(s.Reveal()))
	}
	if want := []string{"old-one", "old-two"}; !slices.Equal(got, want) {
		t.Errorf("JWT_PREVIOUS_SECRET_KEYS = %q, want %q", got, want)
	}
}

func TestLoadSecretsHaveNoFlags(t *testing.T) {
	isolate(t)
	for _, s := range settings() {
		if !s.secret {
			continue
		}
		if s.flag != "" {
			t.Errorf("%s is a secret but has flag --%s", s.name, s.flag)
		}
		arg := "--" + strings.ToLower(strings.ReplaceAll(s.name, "_", "-")) + "=x"
		if _, err := Load(nil, []string{arg}); err == nil {
			t.Errorf("Load(%s) succeeded, want unknown-flag error", arg)
		}
	}
}

func TestLoadEnvFileSelection(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		cwdFile bool
		want    int // RATE_LIMIT_REQUESTS
		wantErr error
	}{
		{name: "no file", want: 100},
		{name: "cwd file", cwdFile: true, want: 5},
		{name: "SAMO_ENV_FILE", env: map[string]string{"SAMO_ENV_FILE": "other.env"}, cwdFile: true, want: 6},
		{name: "--env-file", env: map[string]string{"SAMO_ENV_FILE": "missing.env"}, args: []string{"--env-file", "other.env"}, want: 6},
		{name: "--env-file= disables", args: []string{"--env-file="}, cwdFile: true, want: 100},
		{name: "SAMO_ENV_FILE missing", env: map[string]string{"SAMO_ENV_FILE": "missing.env"}, wantErr: os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := isolate(t)
			if tt.cwdFile {
				writeFile(t, filepath.Join(dir, DefaultEnvFile), "RATE_LIMIT_REQUESTS=5\n", 0o600)
			}
			writeFile(t, filepath.Join(dir, "other.env"), "RATE_LIMIT_REQUESTS=6\n", 0o600)
			cfg, err := Load(envMap(tt.env), tt.args)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), "SAMO_ENV_FILE") {
					t.Fatalf("err = %v, want %v naming SAMO_ENV_FILE", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.RateLimitRequests != tt.want {
				t.Errorf("RATE_LIMIT_REQUESTS = %d, want %d", cfg.RateLimitRequests, tt.want)
			}
		})
	}
}

func TestLoadEnvFileProblems(t *testing.T) {
	tests := []struct {
		name      string
		content   string
		mode      os.FileMode
		wantErr   error
		wantInErr []string
	}{
		{"world-writable refused", "RATE_LIMIT_REQUESTS=5\n", 0o666, ErrUnsafePermissions, []string{"SAMO_ENV_FILE", "writable"}},
		{"group-writable refused", "RATE_LIMIT_REQUESTS=5\n", 0o660, ErrUnsafePermissions, []string{"SAMO_ENV_FILE"}},
		{"malformed lines listed", "# ok\nRATE_LIMIT_REQUESTS=5\nnot a line\nX='open\n", 0o600, ErrMalformedEnvFile,
			[]string{"line 3", "line 4", "SAMO_ENV_FILE"}},
		{"bad value names source", "RATE_LIMIT_REQUESTS=many\n", 0o600, ErrInvalidValue,
			[]string{"RATE_LIMIT_REQUESTS", ".env.security"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := isolate(t)
			writeFile(t, filepath.Join(dir, DefaultEnvFile), tt.content, tt.mode)
			_, err := Load(nil, nil)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			for _, s := range tt.wantInErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestLoadWarnings(t *testing.T) {
	dir := isolate(t)
	writeFile(t, filepath.Join(dir, DefaultEnvFile), "RATE_LIMT_REQUESTS=5\nJWT_SECRET_KEY=short\nSAMO_ENV_FILE=x\n", 0o640)
	cfg, err := Load(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(cfg.Warnings, "\n")
	for _, want := range []string{"RATE_LIMT_REQUESTS", "readable by group", "JWT_SECRET_KEY", "SAMO_ENV_FILE"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings %q do not mention %q", all, want)
		}
	}
	if strings.Contains(all, "short\n") || strings.HasSuffix(all, "short") {
		t.Errorf("warnings %q contain the secret", all)
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	isolate(t)
	env := map[string]string{
		"RATE_LIMIT_REQUESTS": "lots",
		"MIN_TEXT_LENGTH":     "0",
		"API_KEY_LENGTH":      "12",
		"TRUSTED_PROXIES":     "10.0.0.1/8,not-an-ip",
	}
	_, err := Load(envMap(env), []string{"--jwt-algorithm=none", "--cors-enabled=maybe"})
	if err == nil {
		t.Fatal("Load succeeded, want errors")
	}
	for _, name := range []string{"RATE_LIMIT_REQUESTS", "MIN_TEXT_LENGTH", "API_KEY_LENGTH", "TRUSTED_PROXIES", "JWT_ALGORITHM", "CORS_ENABLED", "10.0.0.0/8", "not-an-ip"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not mention %s:\n%v", name, err)
		}
	}
}

func TestLoadArgs(t *testing.T) {
	isolate(t)
	tests := []struct {
		name    string
		args    []string
		wantErr error
	}{
		{"help", []string{"--help"}, flag.ErrHelp},
		{"positional", []string{"extra"}, ErrUnexpectedArgument},
		{"bare bool", []string{"--https-required", "--redis-fail-open"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(nil, tt.args)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (!cfg.HTTPSRequired || !cfg.RedisFailOpen) {
				t.Errorf("bare bool flags not applied: https=%v failopen=%v", cfg.HTTPSRequired, cfg.RedisFailOpen)
			}
		})
	}
}

func TestRegisterFlagsOnCallerFlagSet(t *testing.T) {
	isolate(t)
	fs := flag.NewFlagSet("samo serve", flag.ContinueOnError)
	var out strings.Builder
	fs.SetOutput(&out)
	f := RegisterFlags(fs)
	if err := fs.Parse([]string{"--addr", "127.0.0.1:9999", "--data-dir=/tmp/x"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadFlags(envMap(map[string]string{"SAMO_ADDR": "127.0.0.1:1"}), f)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9999" || cfg.DataDir != "/tmp/x" {
		t.Errorf("Addr, DataDir = %q, %q; want flag values", cfg.Addr, cfg.DataDir)
	}
	fs.PrintDefaults()
	usage := out.String()
	for _, s := range Describe() {
		if s.Flag == "" {
			if strings.Contains(usage, "-"+strings.ToLower(strings.ReplaceAll(s.Name, "_", "-"))+" ") {
				t.Errorf("usage lists a flag for secret %s", s.Name)
			}
			continue
		}
		if !strings.Contains(usage, "-"+s.Flag) || !strings.Contains(usage, "env "+s.Name) {
			t.Errorf("usage does not list -%s (env %s)", s.Flag, s.Name)
		}
	}
}
