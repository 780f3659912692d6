package ids

import (
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// ErrInvalidConfig reports a Config that fails Validate.
var ErrInvalidConfig = errors.New("ids: invalid config")

// maxDistinctKeys is the size of the per-client set of recently seen
// malformed or unknown key fingerprints.
const maxDistinctKeys = 16

// Config tunes the detector. Start from DefaultConfig; New rejects an
// invalid Config with every problem listed.
//
// Each counted signal has an allowance per Window: occurrences beyond it add
// suspicion points (1 each; 2 for injection rejections and for each new
// distinct key beyond DistinctKeys). Points are remembered for
// SuspicionWindow; reaching SuspicionThreshold blocks the client.
type Config struct {
	// RequestsPerMinute is the number of requests per Window tolerated;
	// each further request adds a point (the Guide's "more than 50 a
	// minute").
	RequestsPerMinute int
	// ValidationRejections tolerated per Window (malformed or out-of-range
	// input; not injection).
	ValidationRejections int
	// Injections tolerated per Window (requests rejected by the injection
	// detector); each further one adds 2 points.
	Injections int
	// AuthFailures tolerated per Window (401s, including malformed and
	// unknown keys).
	AuthFailures int
	// Forbidden tolerated per Window (403s of authenticated callers).
	Forbidden int
	// DistinctKeys is the number of distinct malformed or unknown keys per
	// Window tolerated; each further new key adds 2 points (key enumeration).
	// At most 15.
	DistinctKeys int
	// BruteForceFailures: more than this many failed authentications in a
	// Window raise one high-severity brute_force event per Window.
	BruteForceFailures int
	// ResumeWindow: brute force (see BruteForceFailures) from a client
	// whose block ended less than this long ago is a critical brute_force
	// event (details resumed_after_block) instead of a high one (default
	// 1 h; 0 turns it off).
	ResumeWindow time.Duration
	// Window is the length of the short sliding windows (default 1 min).
	Window time.Duration
	// SuspicionThreshold is the score at which a client is blocked.
	SuspicionThreshold int
	// SuspicionWindow is how long suspicion points count (default 1 h).
	SuspicionWindow time.Duration
	// BlockTTLs are the automatic block durations for a client's 1st, 2nd,
	// 3rd and later offences (the last repeats).
	BlockTTLs []time.Duration
	// OffenceMemory is how long offences are remembered for escalation.
	OffenceMemory time.Duration
	// MaxBlock caps the duration of a manual block.
	MaxBlock time.Duration
	// Allowlist holds prefixes that are never blocked (IP_ALLOWLIST).
	Allowlist []netip.Prefix
	// MaxTracked caps the number of clients with tracking state; the least
	// recently seen are evicted first.
	MaxTracked int
	// IPv6PrefixLen is the IPv6 prefix tracked and blocked as one client
	// (default 64; 128 tracks single addresses).
	IPv6PrefixLen int
	// RefreshInterval is how often the local block cache asks the store for
	// changes (default 1 s).
	RefreshInterval time.Duration
	// MaxStale is how old the block cache may get, when the store cannot be
	// read, before Check reports ErrStale (default 30 s).
	MaxStale time.Duration
	// StatusLimit caps the number of suspicious clients Status lists.
	StatusLimit int
}

// DefaultConfig returns the defaults from the Guide and DESIGN §4.
func DefaultConfig() Config {
	return Config{
		RequestsPerMinute:    50,
		ValidationRejections: 5,
		Injections:           1,
		AuthFailures:         3,
		Forbidden:            5,
		DistinctKeys:         3,
		BruteForceFailures:   5,
		ResumeWindow:         time.Hour,
		Window:               time.Minute,
		SuspicionThreshold:   10,
		SuspicionWindow:      time.Hour,
		BlockTTLs:            []time.Duration{15 * time.Minute, time.Hour, 24 * time.Hour},
		OffenceMemory:        7 * 24 * time.Hour,
		MaxBlock:             365 * 24 * time.Hour,
		MaxTracked:           100_000,
		IPv6PrefixLen:        64,
		RefreshInterval:      time.Second,
		MaxStale:             30 * time.Second,
		StatusLimit:          100,
	}
}

// Validate reports every problem with c, joined.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	for _, f := range []struct {
		name string
		v    int
		min  int
	}{
		{"RequestsPerMinute", c.RequestsPerMinute, 1},
		{"ValidationRejections", c.ValidationRejections, 0},
		{"Injections", c.Injections, 0},
		{"AuthFailures", c.AuthFailures, 0},
		{"Forbidden", c.Forbidden, 0},
		{"DistinctKeys", c.DistinctKeys, 1},
		{"BruteForceFailures", c.BruteForceFailures, 1},
		{"SuspicionThreshold", c.SuspicionThreshold, 1},
		{"MaxTracked", c.MaxTracked, 1},
		{"StatusLimit", c.StatusLimit, 1},
	} {
		if f.v < f.min {
			bad("%s = %d, want >= %d", f.name, f.v, f.min)
		}
	}
	if c.DistinctKeys >= maxDistinctKeys {
		bad("DistinctKeys = %d, want < %d", c.DistinctKeys, maxDistinctKeys)
	}
	if c.RequestsPerMinute > 60_000 || c.SuspicionThreshold > 60_000 {
		bad("RequestsPerMinute and SuspicionThreshold must be <= 60000")
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{
		{"Window", c.Window}, {"SuspicionWindow", c.SuspicionWindow}, {"OffenceMemory", c.OffenceMemory},
		{"MaxBlock", c.MaxBlock}, {"RefreshInterval", c.RefreshInterval}, {"MaxStale", c.MaxStale},
	} {
		if f.v < time.Second {
			bad("%s = %v, want >= 1s", f.name, f.v)
		}
	}
	if len(c.BlockTTLs) == 0 {
		bad("BlockTTLs is empty")
	}
	for i, d := range c.BlockTTLs {
		if d < time.Second {
			bad("BlockTTLs[%d] = %v, want >= 1s", i, d)
		}
	}
	if c.IPv6PrefixLen < 0 || c.IPv6PrefixLen > 128 {
		bad("IPv6PrefixLen = %d, want 0..128", c.IPv6PrefixLen)
	}
	for i, p := range c.Allowlist {
		if !p.IsValid() {
			bad("Allowlist[%d] is not a valid prefix", i)
		}
	}
	return errors.Join(errs...)
}
