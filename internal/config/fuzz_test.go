package config

import (
	"strings"
	"testing"
)

// FuzzSettings feeds arbitrary text to every setting's parser: none may
// panic, and a secret's parser never fails (so its value can never reach an
// error message).
func FuzzSettings(f *testing.F) {
	for _, s := range []string{"", "1", "-1", "3600", "1h30m", "true", "maybe", "10.0.0.0/8, ::1", "10.0.0.1/8",
		"::ffff:10.0.0.0/104", "fe80::1%eth0", "a,,b, c", "HS256", "https://x", "9999999999999999999", "info+2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, s := range settings() {
			var c Config
			err := s.set(&c, v)
			if s.secret && err != nil {
				t.Errorf("%s: secret parser failed: %v", s.name, err)
			}
			if err == nil && s.kind == kindCIDRs {
				for _, p := range append(c.TrustedProxies, c.IPAllowlist...) {
					if !p.IsValid() || p.Masked() != p {
						t.Errorf("%s: accepted non-canonical prefix %v from %q", s.name, p, v)
					}
				}
			}
		}
	})
}

// FuzzLoadEnvFile loads arbitrary .env.security content: Load must not
// panic, and no error or warning may contain the value of a secret line.
func FuzzLoadEnvFile(f *testing.F) {
	f.Add("JWT_SECRET_KEY=FUZZSECRETVALUE\nRATE_LIMIT_REQUESTS=x\n")
	f.Add("ENCRYPTION_KEY='FUZZSECRETVALUE\nSECURITY_LEVEL=production\n")
	f.Add("export DATABASE_URL=mysql://u:FUZZSECRETVALUE@h/db\n")
	f.Fuzz(func(t *testing.T, content string) {
		dir := t.TempDir()
		path := dir + "/env"
		writeFile(t, path, content, 0o600)
		cfg, err := Load(envMap(map[string]string{"SAMO_ENV_FILE": path, "SAMO_DATA_DIR": dir}), nil)
		const marker = "FUZZSECRETVALUE"
		if markerMayBeEchoed(content, marker) {
			return
		}
		if err != nil && strings.Contains(err.Error(), marker) {
			t.Errorf("error contains a secret: %v", err)
		}
		if cfg != nil && strings.Contains(strings.Join(cfg.Warnings, "\n"), marker) {
			t.Errorf("warnings contain a secret: %q", cfg.Warnings)
		}
	})
}

// markerMayBeEchoed reports whether marker appears where an error may
// rightly quote it: in a variable name, or in the value of a variable that
// is not a secret.
func markerMayBeEchoed(content, marker string) bool {
	secret := make(map[string]bool)
	for _, s := range settings() {
		secret[s.name] = s.secret
	}
	for _, line := range strings.Split(content, "\n") {
		k, _, _ := strings.Cut(line, "=")
		if strings.Contains(k, marker) {
			return true
		}
	}
	entries, _ := parseEnvFile([]byte(content))
	for _, e := range entries {
		if !secret[e.key] && strings.Contains(e.value, marker) {
			return true
		}
	}
	return false
}
