package apikey

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings of the joined error; none = valid
	}{
		{"zero value", Config{}, nil},
		{"guide defaults", Config{Length: 32, IdleExpiry: 24 * time.Hour, BackupCount: 3}, nil},
		{"bounds included", Config{Length: MinLength, BackupCount: MaxBackupCount, DefaultGrace: MaxGrace}, nil},
		{"longest key", Config{Length: MaxLength}, nil},
		{"grace too long", Config{DefaultGrace: MaxGrace + 1}, []string{"grace"}},
		{"short key", Config{Length: 29}, []string{"API_KEY_LENGTH"}},
		{"long key", Config{Length: MaxLength + 1}, []string{"API_KEY_LENGTH"}},
		{"negative idle", Config{IdleExpiry: -time.Second}, []string{"API_KEY_ROTATION_INTERVAL"}},
		{"negative backups", Config{BackupCount: -1}, []string{"API_KEY_BACKUP_COUNT"}},
		{"too many backups", Config{BackupCount: MaxBackupCount + 1}, []string{"API_KEY_BACKUP_COUNT"}},
		{"every problem at once", Config{Length: 5, IdleExpiry: -1, BackupCount: -1, DefaultGrace: -1, CacheTTL: -1, CacheSize: -1, FlushInterval: -1},
			[]string{"API_KEY_LENGTH", "API_KEY_ROTATION_INTERVAL", "API_KEY_BACKUP_COUNT", "grace", "cache TTL", "cache size", "flush interval"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Errorf("Validate = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate = %v, want ErrInvalid", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate = %q, want it to mention %q", err, w)
				}
			}
		})
	}
}

// TestInvalidConfigFailsClosed: a Service built from a bad Config refuses to
// work rather than issuing weak keys.
func TestInvalidConfigFailsClosed(t *testing.T) {
	t.Parallel()
	st := newFakeStore()
	svc := NewService(Config{Length: 8}, st, newClock().Now)
	if _, _, err := svc.Create(context.Background(), "u", ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("Create = %v, want ErrInvalid", err)
	}
	if _, err := svc.Authenticate(context.Background(), mustGenerate(t, DefaultLength)); !errors.Is(err, ErrInvalid) {
		t.Errorf("Authenticate = %v, want ErrInvalid", err)
	}
	if n := st.totalCalls(); n != 0 {
		t.Errorf("store calls = %d, want 0", n)
	}
}

func TestCreateUsesConfiguredLength(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{Length: 45})
	plain, _ := f.create(t)
	if got, want := len(plain), len(KeyPrefix)+45+ChecksumLength; got != want {
		t.Errorf("len(key) = %d, want %d", got, want)
	}
}
