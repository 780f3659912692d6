package token

import (
	"fmt"
	"time"
)

// Algorithm names accepted in Config.Algorithm and JWT_ALGORITHM (exact case).
const (
	HS256 = "HS256"
	EdDSA = "EdDSA"
	ES256 = "ES256"
	RS256 = "RS256"
	// PS256 is RSASSA-PSS with SHA-256 (RFC 7518 §3.5): the RSA signature
	// to prefer; RS256 (PKCS#1 v1.5 padding) is kept for verifiers that
	// know nothing else.
	PS256 = "PS256"
)

// Defaults applied by Config.withDefaults to zero fields.
const (
	DefaultIssuer        = "samo"
	DefaultAudience      = "samo-api"
	DefaultTTL           = time.Hour
	DefaultMaxLifetime   = 24 * time.Hour
	DefaultLeeway        = 30 * time.Second
	DefaultMaxTokenBytes = 8 << 10
	DefaultRefreshTTL    = 30 * 24 * time.Hour
	// DefaultRefreshFamilyMaxAge is the absolute lifetime of a refresh
	// family: 90 days after IssuePair, however often it was rotated.
	DefaultRefreshFamilyMaxAge = 90 * 24 * time.Hour

	// maxLeeway bounds Config.Leeway: a clock-skew allowance of minutes
	// would quietly extend every token's validity window.
	maxLeeway = 5 * time.Minute
	// minTokenBytes is the smallest MaxTokenBytes accepted; an RS256 token
	// with a 4096-bit key needs about 1 KiB.
	minTokenBytes = 1 << 10
	// maxTokenBytes is the largest MaxTokenBytes accepted.
	maxTokenBytes = 64 << 10
)

// Config says how access and refresh tokens are issued and verified. The
// zero value of every field means its default.
type Config struct {
	// Algorithm is the one signature algorithm issued and accepted: HS256
	// (default), EdDSA, ES256, PS256 or RS256. It must match the KeySet.
	Algorithm string
	// Issuer is the iss claim issued and required (default "samo").
	Issuer string
	// Audience is the aud claim issued and required (default "samo-api").
	Audience string
	// TTL is the access-token lifetime (default 1 h, JWT_EXPIRY_HOURS).
	TTL time.Duration
	// MaxLifetime is the longest exp - iat accepted (default 24 h). TTL
	// above it is a configuration error, not silently capped.
	MaxLifetime time.Duration
	// Leeway is the clock skew allowed for iat and nbf in the future
	// (default 30 s, at most 5 min). exp gets no leeway.
	Leeway time.Duration
	// MaxTokenBytes is the largest token accepted, checked before parsing
	// (default 8 KiB).
	MaxTokenBytes int
	// RefreshTTL is the lifetime of each refresh token (default 30 days);
	// every rotation issues a token with a fresh RefreshTTL, capped by
	// RefreshFamilyMaxAge.
	RefreshTTL time.Duration
	// RefreshFamilyMaxAge is the absolute lifetime of a refresh family,
	// counted from its IssuePair (default 90 days,
	// REFRESH_FAMILY_MAX_AGE): no token of the family is usable after it,
	// and no access token issued in it expires after it. It must be at
	// least RefreshTTL; a shorter value would silently cap every token.
	RefreshFamilyMaxAge time.Duration
}

// withDefaults returns c with zero fields set to their defaults, or an error
// naming every out-of-range field.
func (c Config) withDefaults() (Config, error) {
	// A negative leeway is checked as given: 0 means the default.
	leeway := c.Leeway
	if c.Algorithm == "" {
		c.Algorithm = HS256
	}
	if c.Issuer == "" {
		c.Issuer = DefaultIssuer
	}
	if c.Audience == "" {
		c.Audience = DefaultAudience
	}
	if c.TTL == 0 {
		c.TTL = DefaultTTL
	}
	if c.MaxLifetime == 0 {
		c.MaxLifetime = DefaultMaxLifetime
	}
	if c.Leeway == 0 {
		c.Leeway = DefaultLeeway
	}
	if c.MaxTokenBytes == 0 {
		c.MaxTokenBytes = DefaultMaxTokenBytes
	}
	if c.RefreshTTL == 0 {
		c.RefreshTTL = DefaultRefreshTTL
	}
	if c.RefreshFamilyMaxAge == 0 {
		c.RefreshFamilyMaxAge = DefaultRefreshFamilyMaxAge
	}
	if !knownAlgorithm(c.Algorithm) {
		return c, fmt.Errorf("%w: algorithm must be HS256, EdDSA, ES256, PS256 or RS256", ErrConfig)
	}
	if !validClaimString(c.Issuer, maxNameBytes) {
		return c, fmt.Errorf("%w: issuer must be 1-%d bytes of valid UTF-8", ErrConfig, maxNameBytes)
	}
	if !validClaimString(c.Audience, maxNameBytes) {
		return c, fmt.Errorf("%w: audience must be 1-%d bytes of valid UTF-8", ErrConfig, maxNameBytes)
	}
	if c.TTL < time.Second || c.TTL%time.Second != 0 {
		return c, fmt.Errorf("%w: TTL must be a positive whole number of seconds", ErrConfig)
	}
	if c.MaxLifetime < time.Second {
		return c, fmt.Errorf("%w: max lifetime must be at least 1s", ErrConfig)
	}
	if c.TTL > c.MaxLifetime {
		return c, fmt.Errorf("%w: TTL %v exceeds max lifetime %v", ErrConfig, c.TTL, c.MaxLifetime)
	}
	if leeway < 0 || c.Leeway > maxLeeway {
		return c, fmt.Errorf("%w: leeway must be between 0 and %v", ErrConfig, maxLeeway)
	}
	if c.MaxTokenBytes < minTokenBytes || c.MaxTokenBytes > maxTokenBytes {
		return c, fmt.Errorf("%w: max token bytes must be between %d and %d", ErrConfig, minTokenBytes, maxTokenBytes)
	}
	if c.RefreshTTL < time.Minute {
		return c, fmt.Errorf("%w: refresh TTL must be at least 1m", ErrConfig)
	}
	if c.RefreshFamilyMaxAge < c.RefreshTTL {
		return c, fmt.Errorf("%w: refresh family max age %v is shorter than refresh TTL %v", ErrConfig, c.RefreshFamilyMaxAge, c.RefreshTTL)
	}
	return c, nil
}

func knownAlgorithm(alg string) bool {
	switch alg {
	case HS256, EdDSA, ES256, RS256, PS256:
		return true
	}
	return false
}
