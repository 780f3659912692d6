package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const testSecretValue = "s3cr3t-VALUE-that-must-never-print-0123456789"

func TestSecretAccessors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantSet bool
		wantLen int
	}{
		{"empty", "", false, 0},
		{"value", testSecretValue, true, len(testSecretValue)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSecret(tt.in)
			if got := s.IsSet(); got != tt.wantSet {
				t.Errorf("IsSet() = %v, want %v", got, tt.wantSet)
			}
			if got := s.Len(); got != tt.wantLen {
				t.Errorf("Len() = %d, want %d", got, tt.wantLen)
			}
			if got := string(s.Reveal()); got != tt.in {
				t.Errorf("Reveal() = %q, want %q", got, tt.in)
			}
		})
	}
}

func TestSecretRevealReturnsCopy(t *testing.T) {
	s := NewSecret(testSecretValue)
	b := s.Reveal()
	b[0] = 'X'
	if got := string(s.Reveal()); got != testSecretValue {
		t.Errorf("Reveal() after mutating an earlier result = %q, want %q", got, testSecretValue)
	}
}

// secretConfig returns a Config with every secret field set to
// testSecretValue (plus an index for lists).
func secretConfig() *Config {
	s := NewSecret(testSecretValue)
	return &Config{
		SecurityLevel:         LevelDevelopment,
		JWTSecretKey:          s,
		EncryptionKey:         s,
		DatabaseURL:           NewSecret("postgres://u:" + testSecretValue + "@db/samo"),
		RedisURL:              NewSecret("redis://:" + testSecretValue + "@cache:6379"),
		SecurityAlertSecret:   s,
		JWTPreviousSecretKeys: []Secret{s, NewSecret(testSecretValue + "2")},
		Sources:               map[string]string{"JWT_SECRET_KEY": SourceEnv},
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	s := NewSecret(testSecretValue)
	cfg := secretConfig()
	render := map[string]func() string{
		"secret %v":       func() string { return fmt.Sprintf("%v", s) },
		"secret %+v":      func() string { return fmt.Sprintf("%+v", s) },
		"secret %#v":      func() string { return fmt.Sprintf("%#v", s) },
		"secret %s":       func() string { return fmt.Sprintf("%s", s) },
		"secret %q":       func() string { return fmt.Sprintf("%q", s) },
		"secret %x":       func() string { return fmt.Sprintf("%x", s) },
		"secret %d":       func() string { return fmt.Sprintf("%d", s) },
		"secret ptr %v":   func() string { return fmt.Sprintf("%v", &s) },
		"secret Print":    func() string { return fmt.Sprint(s) },
		"config %v":       func() string { return fmt.Sprintf("%v", *cfg) },
		"config %+v":      func() string { return fmt.Sprintf("%+v", cfg) },
		"config %#v":      func() string { return fmt.Sprintf("%#v", cfg) },
		"secret String":   s.String,
		"secret GoString": s.GoString,
		"secret json": func() string {
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		},
		"config json": func() string {
			b, err := json.Marshal(cfg)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		},
		"secret text": func() string {
			b, err := s.MarshalText()
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		},
		"slog json": func() string {
			var buf bytes.Buffer
			l := slog.New(slog.NewJSONHandler(&buf, nil))
			l.Info("x", "secret", s, "config", cfg, "ptr", &s, slog.Any("list", cfg.JWTPreviousSecretKeys))
			return buf.String()
		},
		"slog text": func() string {
			var buf bytes.Buffer
			l := slog.New(slog.NewTextHandler(&buf, nil))
			l.Info("x", "secret", s, "config", cfg, "ptr", &s)
			return buf.String()
		},
	}
	for name, f := range render {
		t.Run(name, func(t *testing.T) {
			got := f()
			if strings.Contains(got, testSecretValue) || strings.Contains(got, fmt.Sprintf("%x", testSecretValue)) {
				t.Errorf("output contains the secret: %s", got)
			}
			if !strings.Contains(got, redacted) {
				t.Errorf("output %q does not contain %q", got, redacted)
			}
		})
	}
}
