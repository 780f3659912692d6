package apikey

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Defaults applied by NewService to zero Config fields.
const (
	DefaultGrace         = 24 * time.Hour
	DefaultCacheTTL      = time.Second
	DefaultCacheSize     = 10000
	DefaultFlushInterval = 5 * time.Second
	// MaxGrace bounds a rotation grace period: an old key never outlives its
	// replacement by more than this.
	MaxGrace = 30 * 24 * time.Hour
	// MaxBackupCount bounds API_KEY_BACKUP_COUNT.
	MaxBackupCount = 100
)

// Config tunes a Service. Zero fields take the defaults above; BackupCount 0
// and IdleExpiry 0 are meaningful (no old key stays valid after a rotation;
// no idle expiry).
type Config struct {
	// Length is the number of random base62 characters of new keys
	// (API_KEY_LENGTH); 0 means DefaultLength.
	Length int
	// IdleExpiry ends a key not used for longer than this since its last use
	// or creation (API_KEY_ROTATION_INTERVAL); 0 = never.
	IdleExpiry time.Duration
	// BackupCount is how many previous keys of a rotation chain stay valid
	// during their grace period (API_KEY_BACKUP_COUNT).
	BackupCount int
	// DefaultGrace is the grace period of Rotate when it is given 0.
	DefaultGrace time.Duration
	// CacheTTL is how long an authenticated lookup is reused before the store
	// is asked again; it bounds how long a revocation made by another process
	// takes to apply here.
	CacheTTL time.Duration
	// CacheSize bounds the number of cached keys.
	CacheSize int
	// FlushInterval is how often Run writes batched last uses.
	FlushInterval time.Duration
	// Logger receives Run's flush failures and OnChange failures; nil
	// discards them.
	Logger *slog.Logger
	// OnChange, when set, is called after a successful Revoke or Suspend
	// (lineage "") and Rotate (the old key and its rotation chain), so other
	// processes can drop the key from their caches at once (a revocation
	// notice; they call Invalidate and InvalidateLineage). Its error is
	// logged, not returned: the change is stored, and other processes apply
	// it within their CacheTTL anyway.
	OnChange func(ctx context.Context, keyID, lineage string) error
}

// withDefaults returns c with zero fields replaced by defaults.
func (c Config) withDefaults() Config {
	if c.Length == 0 {
		c.Length = DefaultLength
	}
	if c.DefaultGrace == 0 {
		c.DefaultGrace = DefaultGrace
	}
	if c.CacheTTL == 0 {
		c.CacheTTL = DefaultCacheTTL
	}
	if c.CacheSize == 0 {
		c.CacheSize = DefaultCacheSize
	}
	if c.FlushInterval == 0 {
		c.FlushInterval = DefaultFlushInterval
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports every problem of c (after defaults) at once, each wrapping
// ErrInvalid.
func (c Config) Validate() error {
	// Signs are checked on the values as given, where 0 means "the
	// default"; the upper bounds on the values in effect.
	raw := c
	c = c.withDefaults()
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
	}
	if c.Length < MinLength || c.Length > MaxLength {
		add("API_KEY_LENGTH %d outside [%d, %d]", c.Length, MinLength, MaxLength)
	}
	if c.IdleExpiry < 0 {
		add("API_KEY_ROTATION_INTERVAL %s is negative", c.IdleExpiry)
	}
	if c.BackupCount < 0 || c.BackupCount > MaxBackupCount {
		add("API_KEY_BACKUP_COUNT %d outside [0, %d]", c.BackupCount, MaxBackupCount)
	}
	if raw.DefaultGrace < 0 || c.DefaultGrace > MaxGrace {
		add("default grace %s outside [0, %s]", c.DefaultGrace, MaxGrace)
	}
	if raw.CacheTTL < 0 {
		add("cache TTL %s is negative", c.CacheTTL)
	}
	if raw.CacheSize < 0 {
		add("cache size %d is negative", c.CacheSize)
	}
	if raw.FlushInterval < 0 {
		add("flush interval %s is negative", c.FlushInterval)
	}
	return errors.Join(errs...)
}
