package config

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/testpki"
)

// TestProfileStoreVariables pins what ProfileStore reads: what opening and
// migrating the store needs, and no key of the server. A setting added to
// it must be one a migration really needs (README, "Deploying", lists the
// same variables).
func TestProfileStoreVariables(t *testing.T) {
	want := []string{
		"SECURITY_LEVEL", envFileSetting, "SAMO_DATA_DIR", "DATABASE_URL", "DATABASE_MIGRATE",
		"BACKEND_CA_FILE", "BACKEND_CLIENT_CERT_FILE", "BACKEND_CLIENT_KEY_FILE",
	}
	if got := ProfileStore.Variables(); !slices.Equal(got, want) {
		t.Errorf("ProfileStore.Variables() = %v, want %v", got, want)
	}
	if got, all := len(ProfileAll.Variables()), len(Describe()); got != all {
		t.Errorf("ProfileAll reads %d variables, want all %d", got, all)
	}
}

// TestLoadProfileStore: in production, ProfileStore loads with nothing but
// what the store needs, neither demands nor opens any other secret (even a
// missing or unsafe NAME_FILE, or a weak value, of a setting it does not
// read), and still refuses what production refuses of what it reads: a
// PostgreSQL URL that may be plaintext or unverified, an unsafe secret
// file, a client key group or others can write, an expired client
// certificate, a missing CA file, an unknown level. Each refusal names its
// variable; every problem is reported at once.
func TestLoadProfileStore(t *testing.T) {
	dir := isolate(t)
	ca := testpki.NewCA(t)
	certPEM, keyPEM := ca.IssueClient(t, time.Now().Add(30*24*time.Hour), "samo_owner")
	expiredPEM, expiredKeyPEM := ca.IssueClient(t, time.Now().Add(-time.Hour), "samo_owner")
	file := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		writeFile(t, p, body, mode)
		return p
	}
	cert, key := file("owner.pem", string(certPEM), 0o644), file("owner.key", string(keyPEM), 0o600)
	expired, expiredKey := file("expired.pem", string(expiredPEM), 0o644), file("expired.key", string(expiredKeyPEM), 0o600)
	caFile := file("ca.pem", string(ca.PEM), 0o644)
	verified := "postgres://samo_owner@db.internal:5432/samo?sslmode=verify-full"
	dbURLFile := file("database_url", verified, 0o600)
	unsafe := func(name, body string) string { return file(name, body, 0o666) }

	// What the Compose migrate service gives samo init.
	owner := map[string]string{
		"SECURITY_LEVEL": LevelProduction, "DATABASE_URL": verified, "DATABASE_MIGRATE": "true",
		"BACKEND_CA_FILE": caFile, "BACKEND_CLIENT_CERT_FILE": cert, "BACKEND_CLIENT_KEY_FILE": key,
	}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range owner {
			m[k] = v
		}
		for k, v := range extra {
			if v == "" {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	type want struct {
		name string
		kind error
	}
	tests := []struct {
		name string
		env  map[string]string
		want []want // problems, by variable; none = loads
	}{
		{"owner's settings only", owner, nil},
		{"SQLite in production", map[string]string{"SECURITY_LEVEL": LevelProduction}, nil},
		{"DATABASE_URL_FILE", with(map[string]string{"DATABASE_URL": "", "DATABASE_URL_FILE": dbURLFile}), nil},
		{"other settings are not read", with(map[string]string{
			"JWT_SECRET_KEY_FILE":        filepath.Join(dir, "missing"),
			"SECURITY_ALERT_SECRET_FILE": unsafe("alert", strings.Repeat("s", 40)),
			"ENCRYPTION_KEY":             "changeme",
			"JWT_PREVIOUS_SECRET_KEYS":   "short",
			"REDIS_URL":                  "redis://redis.internal:6379/0",
			"MODEL_BACKEND_URL":          "http://model.internal/predict",
			"HTTPS_REQUIRED":             "false",
			"ALLOWED_ORIGINS":            "*",
			"RATE_LIMIT_REQUESTS":        "many",
		}), nil},
		{"plaintext DATABASE_URL", with(map[string]string{"DATABASE_URL": "postgres://samo_owner@db.internal:5432/samo"}),
			[]want{{"DATABASE_URL", ErrInsecureProduction}}},
		{"unverified DATABASE_URL", with(map[string]string{"DATABASE_URL": "postgres://samo_owner@db.internal:5432/samo?sslmode=require"}),
			[]want{{"DATABASE_URL", ErrInsecureProduction}}},
		{"not a database URL", with(map[string]string{"DATABASE_URL": "mysql://db.internal/samo"}),
			[]want{{"DATABASE_URL", ErrInvalidValue}}},
		{"missing DATABASE_URL_FILE", with(map[string]string{"DATABASE_URL": "", "DATABASE_URL_FILE": filepath.Join(dir, "missing")}),
			[]want{{"DATABASE_URL", ErrMissingFile}}},
		{"expired client certificate", with(map[string]string{"BACKEND_CLIENT_CERT_FILE": expired, "BACKEND_CLIENT_KEY_FILE": expiredKey}),
			[]want{{"BACKEND_CLIENT_CERT_FILE", ErrInsecureProduction}}},
		{"certificate without its key", with(map[string]string{"BACKEND_CLIENT_KEY_FILE": ""}),
			[]want{{"BACKEND_CLIENT_KEY_FILE", ErrInvalidValue}}},
		{"missing CA file", with(map[string]string{"BACKEND_CA_FILE": filepath.Join(dir, "missing-ca.pem")}),
			[]want{{"BACKEND_CA_FILE", ErrMissingFile}}},
		{"unknown level", with(map[string]string{"SECURITY_LEVEL": "prod"}),
			[]want{{"SECURITY_LEVEL", ErrOutOfRange}}},
		{"every problem at once", with(map[string]string{"DATABASE_URL": "postgres://samo_owner@db.internal/samo", "BACKEND_CA_FILE": filepath.Join(dir, "missing-ca.pem")}),
			[]want{{"DATABASE_URL", ErrInsecureProduction}, {"BACKEND_CA_FILE", ErrMissingFile}}},
	}
	if runtime.GOOS != "windows" {
		tests = append(tests,
			struct {
				name string
				env  map[string]string
				want []want
			}{"unsafe DATABASE_URL_FILE", with(map[string]string{"DATABASE_URL": "", "DATABASE_URL_FILE": unsafe("database_url_unsafe", verified)}),
				[]want{{"DATABASE_URL", ErrUnsafePermissions}}},
			struct {
				name string
				env  map[string]string
				want []want
			}{"client key writable by others", with(map[string]string{"BACKEND_CLIENT_KEY_FILE": unsafe("owner_unsafe.key", string(keyPEM))}),
				[]want{{"BACKEND_CLIENT_KEY_FILE", ErrUnsafePermissions}}},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadProfile(envMap(tt.env), nil, ProfileStore)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("LoadProfile(ProfileStore) = %v, want no problem", err)
				}
				if c.Profile != ProfileStore || !c.Production() {
					t.Errorf("Profile %v, production %v; want store, true", c.Profile, c.Production())
				}
				for _, name := range []string{"JWT_SECRET_KEY", "ENCRYPTION_KEY", "SECURITY_ALERT_SECRET", "JWT_PREVIOUS_SECRET_KEYS", "REDIS_URL"} {
					if src, ok := c.Sources[name]; ok {
						t.Errorf("%s was read (source %q)", name, src)
					}
				}
				if c.JWTSecretKey.IsSet() || c.EncryptionKey.IsSet() || c.SecurityAlertSecret.IsSet() || c.RedisURL.IsSet() || len(c.JWTPreviousSecretKeys) > 0 {
					t.Error("a secret ProfileStore does not read is set")
				}
				if tt.env["BACKEND_CLIENT_CERT_FILE"] != "" && c.BackendClientCert() == nil {
					t.Error("the client certificate was not loaded")
				}
				return
			}
			if err == nil {
				t.Fatalf("LoadProfile(ProfileStore) loaded; want %v", tt.want)
			}
			var got []want
			for _, e := range fieldErrors(err) {
				got = append(got, want{e.Name, e.Kind})
			}
			for _, w := range tt.want {
				if !slices.ContainsFunc(got, func(g want) bool { return g.name == w.name && errors.Is(g.kind, w.kind) }) {
					t.Errorf("problems %v lack %s (%v)", err, w.name, w.kind)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("%d problems %v, want %d", len(got), err, len(tt.want))
			}
		})
	}

	// The same settings are not enough for the whole configuration: the
	// server's secrets are what ProfileStore leaves out.
	_, err := LoadFlags(envMap(owner), nil)
	for _, name := range []string{"JWT_SECRET_KEY", "ENCRYPTION_KEY"} {
		if err == nil || !strings.Contains(err.Error(), name+":") {
			t.Errorf("LoadFlags with the owner's settings only: %v; want %s refused", err, name)
		}
	}
}

// TestProfileStoreValidate: Validate and CheckProduction of a ProfileStore
// Config check only its settings; a hand-built Config (ProfileAll) checks
// everything. An unknown profile is refused.
func TestProfileStoreValidate(t *testing.T) {
	isolate(t)
	c, err := LoadProfile(envMap(map[string]string{"SECURITY_LEVEL": LevelProduction}), nil, ProfileStore)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate of a ProfileStore Config: %v", err)
	}
	c.DatabaseURL = NewSecret("postgres://samo_owner@db.internal/samo")
	if err := c.CheckProduction(); err == nil || !strings.HasPrefix(err.Error(), "DATABASE_URL:") || strings.Contains(err.Error(), "\n") {
		t.Errorf("CheckProduction = %v; want only DATABASE_URL", err)
	}
	c.Profile = ProfileAll
	if err := c.CheckProduction(); err == nil || !strings.Contains(err.Error(), "JWT_SECRET_KEY:") {
		t.Errorf("CheckProduction of ProfileAll = %v; want JWT_SECRET_KEY among the problems", err)
	}
	if _, err := LoadProfile(nil, nil, Profile(9)); !errors.Is(err, ErrUnknownProfile) {
		t.Errorf("LoadProfile(Profile(9)) = %v, want ErrUnknownProfile", err)
	}
}

// fieldErrors returns the *FieldError values joined in err.
func fieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(e error) {
		if fe, ok := e.(*FieldError); ok {
			out = append(out, fe)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	return out
}

// TestProfileVariables pins what each profile but ProfileAll reads: the
// store's settings and what its commands use besides, and no key of the
// server (README, "Configuration", lists the same variables per command).
// Every name a profile adds is a setting.
func TestProfileVariables(t *testing.T) {
	store := ProfileStore.Variables()
	keys := []string{"API_KEY_ROTATION_INTERVAL", "API_KEY_BACKUP_COUNT", "API_KEY_LENGTH", "REDIS_URL"}
	detector := []string{"IDS_REQUESTS_PER_MINUTE", "IDS_BLOCK_THRESHOLD", "IP_ALLOWLIST"}
	for _, tt := range []struct {
		p    Profile
		adds []string // besides the store's
	}{
		{ProfileKeys, keys},
		{ProfileIP, append([]string{"REDIS_URL"}, detector...)},
		{ProfileIncidents, append(append(append([]string{}, keys...), detector...), "SECURITY_ALERT_WEBHOOK")},
		{ProfileUsers, []string{"REDIS_URL"}},
	} {
		got := tt.p.Variables()
		want := slices.Concat(store, tt.adds)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s.Variables() = %v, want %v", tt.p, got, want)
		}
		for _, secret := range []string{"JWT_SECRET_KEY", "JWT_PREVIOUS_SECRET_KEYS", "ENCRYPTION_KEY", "SECURITY_ALERT_SECRET"} {
			if slices.Contains(got, secret) {
				t.Errorf("%s reads %s", tt.p, secret)
			}
		}
	}
	names := map[string]bool{}
	for _, s := range Describe() {
		names[s.Name] = true
	}
	for p := ProfileAll; ; p++ {
		adds, ok := p.adds()
		if !ok {
			if p <= ProfileUsers {
				t.Errorf("%s is not a known profile", p)
			}
			break
		}
		for _, name := range adds {
			if !names[name] {
				t.Errorf("%s reads %s, which is not a setting", p, name)
			}
		}
	}
}

// TestLoadProfileCommands: in production each command profile loads with
// nothing but its own settings (the store's and its additions, read into
// the Config), neither demands nor opens a secret it does not read, and
// refuses a problem in what it reads, naming the variable.
func TestLoadProfileCommands(t *testing.T) {
	dir := isolate(t)
	redisFile := filepath.Join(dir, "redis_url")
	writeFile(t, redisFile, "rediss://redis.internal:6379/0", 0o600)
	missing := filepath.Join(dir, "missing")
	// What none of these profiles reads, missing, weak or insecure.
	server := map[string]string{
		"JWT_SECRET_KEY_FILE":   missing,
		"ENCRYPTION_KEY":        "changeme",
		"SECURITY_ALERT_SECRET": "short",
		"HTTPS_REQUIRED":        "false",
		"SAMO_ADDR":             "not an address",
		"MODEL_BACKEND_URL":     "http://model.internal/predict",
	}
	base := map[string]string{"SECURITY_LEVEL": LevelProduction}
	keys := map[string]string{"API_KEY_LENGTH": "40", "API_KEY_BACKUP_COUNT": "5", "API_KEY_ROTATION_INTERVAL": "3600", "REDIS_URL_FILE": redisFile}
	ip := map[string]string{"IP_ALLOWLIST": "10.0.0.0/8", "IDS_REQUESTS_PER_MINUTE": "100", "IDS_BLOCK_THRESHOLD": "4"}
	webhook := map[string]string{"SECURITY_ALERT_WEBHOOK": "https://alerts.samo.internal/samo"}
	merge := func(ms ...map[string]string) map[string]string {
		out := map[string]string{}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	tests := []struct {
		p       Profile
		own     map[string]string
		check   func(c *Config) bool // the profile's values were read
		refused map[string]map[string]string
	}{
		{ProfileKeys, keys,
			func(c *Config) bool {
				return c.APIKeyLength == 40 && c.APIKeyBackupCount == 5 && c.APIKeyRotationInterval == time.Hour && c.RedisURL.IsSet()
			},
			map[string]map[string]string{
				"API_KEY_LENGTH":            {"API_KEY_LENGTH": "10"},
				"API_KEY_BACKUP_COUNT":      {"API_KEY_BACKUP_COUNT": "11"},
				"API_KEY_ROTATION_INTERVAL": {"API_KEY_ROTATION_INTERVAL": "-1"},
				"REDIS_URL":                 {"REDIS_URL_FILE": "", "REDIS_URL": "redis://redis.internal:6379/0"},
			}},
		{ProfileIP, merge(ip, map[string]string{"REDIS_URL_FILE": redisFile}),
			func(c *Config) bool {
				return len(c.IPAllowlist) == 1 && c.IDSRequestsPerMinute == 100 && c.IDSBlockThreshold == 4 && c.RedisURL.IsSet()
			},
			map[string]map[string]string{
				"REDIS_URL":               {"REDIS_URL_FILE": "", "REDIS_URL": "redis://redis.internal:6379/0"},
				"IP_ALLOWLIST":            {"IP_ALLOWLIST": "10.0.0.1/8"},
				"IDS_REQUESTS_PER_MINUTE": {"IDS_REQUESTS_PER_MINUTE": "0"},
				"IDS_BLOCK_THRESHOLD":     {"IDS_BLOCK_THRESHOLD": "0"},
			}},
		{ProfileIncidents, merge(keys, ip, webhook),
			func(c *Config) bool {
				return c.SecurityAlertWebhook != "" && c.APIKeyLength == 40 && len(c.IPAllowlist) == 1 && c.RedisURL.IsSet()
			},
			map[string]map[string]string{
				"SECURITY_ALERT_WEBHOOK": {"SECURITY_ALERT_WEBHOOK": "http://alerts.samo.internal/samo"},
				"REDIS_URL":              {"REDIS_URL_FILE": missing},
				"IP_ALLOWLIST":           {"IP_ALLOWLIST": "not a network"},
				"API_KEY_LENGTH":         {"API_KEY_LENGTH": "10"},
			}},
		{ProfileUsers, map[string]string{"REDIS_URL_FILE": redisFile},
			func(c *Config) bool { return c.RedisURL.IsSet() },
			map[string]map[string]string{
				"REDIS_URL": {"REDIS_URL_FILE": "", "REDIS_URL": "redis://redis.internal:6379/0"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.p.String(), func(t *testing.T) {
			c, err := LoadProfile(envMap(merge(base, tt.own, server)), nil, tt.p)
			if err != nil {
				t.Fatalf("LoadProfile(%s) with its settings only: %v", tt.p, err)
			}
			if !tt.check(c) {
				t.Errorf("LoadProfile(%s) did not read its settings: %+v", tt.p, c.Sources)
			}
			for _, name := range []string{"JWT_SECRET_KEY", "ENCRYPTION_KEY", "SECURITY_ALERT_SECRET", "SAMO_ADDR", "MODEL_BACKEND_URL"} {
				if src, ok := c.Sources[name]; ok {
					t.Errorf("%s was read (source %q)", name, src)
				}
			}
			if c.JWTSecretKey.IsSet() || c.EncryptionKey.IsSet() || c.SecurityAlertSecret.IsSet() {
				t.Error("a secret the profile does not read is set")
			}
			for name, bad := range tt.refused {
				env := merge(base, tt.own, server, bad)
				for k, v := range env {
					if v == "" {
						delete(env, k)
					}
				}
				_, err := LoadProfile(envMap(env), nil, tt.p)
				fes := fieldErrors(err)
				if len(fes) != 1 || fes[0].Name != name {
					t.Errorf("LoadProfile(%s) with %v: %v; want only %s refused", tt.p, bad, err, name)
				}
			}
		})
	}
}
