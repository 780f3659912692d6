package config

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

// TestProfileSessions pins what ProfileSessions reads (the store's
// settings, REDIS_URL and JWT_MAX_EXPIRY_HOURS) and checks that in
// production it loads without any JWT key or other server secret, reads
// none that is set, and still refuses what production refuses of what it
// reads, naming the variable.
func TestProfileSessions(t *testing.T) {
	dir := isolate(t)
	want := append(ProfileStore.Variables(), "REDIS_URL", "JWT_MAX_EXPIRY_HOURS")
	got := ProfileSessions.Variables()
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("ProfileSessions.Variables() = %v, want %v", got, want)
	}
	if s := ProfileSessions.String(); s != "sessions" {
		t.Errorf("String() = %q", s)
	}
	base := map[string]string{"SECURITY_LEVEL": LevelProduction, "SAMO_DATA_DIR": filepath.Join(dir, "data")}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	type problem struct {
		name string
		kind error
	}
	tests := []struct {
		name string
		env  map[string]string
		want []problem // none: loads
	}{
		{"production without any server secret", base, nil},
		{"server secrets are not read", with(map[string]string{
			"JWT_SECRET_KEY_FILE": filepath.Join(dir, "missing"), "JWT_SECRET_KEY": "short",
			"ENCRYPTION_KEY": "changeme", "HTTPS_REQUIRED": "false", "SAMO_ADDR": "not an address",
		}), nil},
		{"Redis on TLS", with(map[string]string{"REDIS_URL": "rediss://redis.internal:6380/0"}), nil},
		{"Redis on the host", with(map[string]string{"REDIS_URL": "redis://127.0.0.1:6379/0"}), nil},
		{"plaintext Redis", with(map[string]string{"REDIS_URL": "redis://redis.internal:6379/0"}),
			[]problem{{"REDIS_URL", ErrInsecureProduction}}},
		{"not a Redis URL", with(map[string]string{"REDIS_URL": "http://redis.internal"}),
			[]problem{{"REDIS_URL", ErrInvalidValue}, {"REDIS_URL", ErrInsecureProduction}}},
		{"no token lifetime", with(map[string]string{"JWT_MAX_EXPIRY_HOURS": "0"}),
			[]problem{{"JWT_MAX_EXPIRY_HOURS", ErrOutOfRange}}},
		{"the store's rules", with(map[string]string{"DATABASE_URL": "postgres://samo@db.internal/samo"}),
			[]problem{{"DATABASE_URL", ErrInsecureProduction}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadProfile(envMap(tt.env), nil, ProfileSessions)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("LoadProfile(ProfileSessions) = %v, want no problem", err)
				}
				if c.JWTSecretKey.IsSet() || c.EncryptionKey.IsSet() || c.Sources["JWT_SECRET_KEY"] != "" {
					t.Error("a JWT or encryption key was read")
				}
				if got := string(c.RedisURL.Reveal()); got != tt.env["REDIS_URL"] {
					t.Errorf("REDIS_URL = %q, want %q", got, tt.env["REDIS_URL"])
				}
				return
			}
			var got []problem
			for _, e := range fieldErrors(err) {
				got = append(got, problem{e.Name, e.Kind})
			}
			if len(got) != len(tt.want) {
				t.Fatalf("problems %v, want %v", err, tt.want)
			}
			for i, w := range tt.want {
				if got[i].name != w.name || !errors.Is(got[i].kind, w.kind) {
					t.Errorf("problem %d: %s (%v), want %s (%v)", i, got[i].name, got[i].kind, w.name, w.kind)
				}
			}
		})
	}
	c, err := LoadProfile(envMap(with(map[string]string{"JWT_MAX_EXPIRY_HOURS": "72"})), nil, ProfileSessions)
	if err != nil || c.JWTMaxExpiryHours != 72 || c.Sources["JWT_MAX_EXPIRY_HOURS"] == "" {
		t.Errorf("JWT_MAX_EXPIRY_HOURS=72: %d, %v; want it read", c.JWTMaxExpiryHours, err)
	}
	// CheckProduction of the profile is its rules only.
	c.RedisURL = NewSecret("redis://redis.internal:6379/0")
	if err := c.CheckProduction(); len(fieldErrors(err)) != 1 || fieldErrors(err)[0].Name != "REDIS_URL" {
		t.Errorf("CheckProduction = %v; want only REDIS_URL", err)
	}
}
