package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sentinel kinds of validation problems; every *FieldError unwraps to one.
var (
	// ErrOutOfRange reports a value outside its allowed range or set.
	ErrOutOfRange = errors.New("config: value out of range")
	// ErrWeakSecret reports a missing, short or placeholder secret in
	// production.
	ErrWeakSecret = errors.New("config: weak secret")
	// ErrInsecureProduction reports a setting production refuses.
	ErrInsecureProduction = errors.New("config: insecure for production")
	// ErrMissingFile reports a configured file that does not exist.
	ErrMissingFile = errors.New("config: file not found")
)

// Limits from the issue and the Guide.
const (
	maxTextLengthCap  = 100000
	maxFileSizeCap    = 100 << 20
	minAPIKeyLength   = 30
	maxAPIKeyLength   = 256
	maxAPIKeyBackups  = 10
	minSecretBytes    = 32
	secretVarietyMin  = 8 // distinct byte values a real secret of 32+ bytes has
	secretPatternSpan = 8 // a secret repeating a unit this short is a pattern
)

// FieldError is one configuration problem. Name is the variable; Reason is
// a human explanation that never contains a secret value; Kind is the
// package sentinel the error unwraps to (ErrInvalidValue, ErrOutOfRange,
// ErrWeakSecret, ...); Err, when set, is the underlying cause (for example
// an *fs.PathError), also reachable with errors.Is and errors.As.
type FieldError struct {
	Name   string
	Reason string
	Kind   error
	Err    error
}

// Error returns "NAME: reason".
func (e *FieldError) Error() string { return e.Name + ": " + e.Reason }

// Unwrap returns Kind and Err, so errors.Is(err, config.ErrWeakSecret)
// works through the joined error of LoadFlags and Validate.
func (e *FieldError) Unwrap() []error {
	var out []error
	for _, err := range []error{e.Kind, e.Err} {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// problems collects FieldErrors.
type problems []error

func (p *problems) add(name string, kind error, format string, a ...any) {
	*p = append(*p, &FieldError{Name: name, Reason: fmt.Sprintf(format, a...), Kind: kind})
}

// Validate checks every setting of c.Profile (all of them for ProfileAll)
// and returns all problems joined with errors.Join (nil when there are
// none). Production rules (see CheckProduction) are added when
// SECURITY_LEVEL is production. LoadFlags runs it; call it again after
// changing a Config by hand. It also (re)loads the backend client
// certificate that BackendClientCert returns. Every rule runs; those
// about a setting c.Profile does not read are dropped (Profile.only).
func (c *Config) Validate() error {
	var p problems
	c.checkAlways(&p)
	if c.Production() {
		c.checkProduction(&p)
	}
	return errors.Join(c.Profile.only(p)...)
}

// CheckProduction returns the problems production mode would refuse in the
// settings of c.Profile, whatever SECURITY_LEVEL is, so `samo check` can
// report them before a deployment.
func (c *Config) CheckProduction() error {
	var p problems
	c.checkProduction(&p)
	return errors.Join(c.Profile.only(p)...)
}

// checkAlways adds the rules of every level.
func (c *Config) checkAlways(p *problems) {
	c.checkStoreSettings(p)
	between(p, "RATE_LIMIT_REQUESTS", c.RateLimitRequests, 1, maxRateLimit)
	window(p, "RATE_LIMIT_WINDOW", c.RateLimitWindow)
	notNegative(p, "API_KEY_ROTATION_INTERVAL", c.APIKeyRotationInterval)
	between(p, "API_KEY_BACKUP_COUNT", c.APIKeyBackupCount, 0, maxAPIKeyBackups)
	between(p, "API_KEY_LENGTH", c.APIKeyLength, minAPIKeyLength, maxAPIKeyLength)
	oneOf(p, "JWT_ALGORITHM", c.JWTAlgorithm, jwtAlgorithms...)
	atLeast(p, "JWT_MAX_EXPIRY_HOURS", c.JWTMaxExpiryHours, 1)
	switch {
	case c.JWTExpiryHours < 1:
		p.add("JWT_EXPIRY_HOURS", ErrOutOfRange, "%d must be at least 1", c.JWTExpiryHours)
	case c.JWTMaxExpiryHours >= 1 && c.JWTExpiryHours > c.JWTMaxExpiryHours:
		p.add("JWT_EXPIRY_HOURS", ErrOutOfRange, "%d exceeds JWT_MAX_EXPIRY_HOURS (%d)", c.JWTExpiryHours, c.JWTMaxExpiryHours)
	}
	notEmpty(p, "JWT_ISSUER", c.JWTIssuer)
	notEmpty(p, "JWT_AUDIENCE", c.JWTAudience)
	oneOf(p, "ENCRYPTION_ALGORITHM", c.EncryptionAlgorithm, "AES-256-GCM", "Fernet")
	oneOf(p, "LOG_FORMAT", c.LogFormat, "json", "text")
	checkURL(p, "SECURITY_ALERT_WEBHOOK", c.SecurityAlertWebhook)
	notNegative(p, "SECURITY_REPORT_INTERVAL", c.SecurityReportInterval)
	atLeast(p, "MIN_TEXT_LENGTH", c.MinTextLength, 1)
	between(p, "MAX_TEXT_LENGTH", c.MaxTextLength, max(c.MinTextLength, 1), maxTextLengthCap)
	for _, t := range c.AllowedFileTypes {
		if t != "json" && t != "csv" && t != "txt" {
			p.add("ALLOWED_FILE_TYPES", ErrOutOfRange, "%q is not one of json, csv, txt", t)
		}
	}
	if c.MaxFileSize < 1 || c.MaxFileSize > maxFileSizeCap {
		p.add("MAX_FILE_SIZE", ErrOutOfRange, "%d must be between 1 and %d bytes (100 MiB)", c.MaxFileSize, maxFileSizeCap)
	}
	for _, o := range c.AllowedOrigins {
		if o != "*" {
			checkOrigin(p, "ALLOWED_ORIGINS", o)
		}
	}
	checkAddr(p, "SAMO_ADDR", c.Addr, true)
	checkAddr(p, "METRICS_ADDR", c.MetricsAddr, false)
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		p.add("METRICS_ADDR", ErrInvalidValue, "must differ from SAMO_ADDR")
	}
	checkRedisURL(p, c.RedisURL)
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		name := "TLS_KEY_FILE"
		if c.TLSCertFile == "" {
			name = "TLS_CERT_FILE"
		}
		p.add(name, ErrInvalidValue, "TLS_CERT_FILE and TLS_KEY_FILE must be set together")
	}
	for _, f := range []struct{ name, path string }{
		{"TLS_CERT_FILE", c.TLSCertFile}, {"TLS_KEY_FILE", c.TLSKeyFile},
		{"JWT_PRIVATE_KEY_FILE", c.JWTPrivateKeyFile}, {"SAMO_MODEL_FILE", c.ModelFile},
	} {
		fileExists(p, f.name, f.path)
	}
	for _, f := range c.JWTPublicKeyFiles {
		fileExists(p, "JWT_PUBLIC_KEY_FILES", f)
	}
	for i, pr := range c.TrustedProxies {
		if !pr.IsValid() || pr.Masked() != pr {
			p.add("TRUSTED_PROXIES", ErrInvalidValue, "entry %d is not a valid CIDR", i+1)
		}
	}
	for i, pr := range c.IPAllowlist {
		if !pr.IsValid() || pr.Masked() != pr {
			p.add("IP_ALLOWLIST", ErrInvalidValue, "entry %d is not a valid CIDR", i+1)
		}
	}
	checkURL(p, "MODEL_BACKEND_URL", c.ModelBackendURL)
	oneOf(p, "MODEL_BACKEND_FORMAT", c.ModelBackendFormat, "samo", "probabilities")
	positive(p, "MODEL_BACKEND_TIMEOUT", c.ModelBackendTimeout)
	positive(p, "REFRESH_TOKEN_TTL", c.RefreshTokenTTL)
	positive(p, "REFRESH_FAMILY_MAX_AGE", c.RefreshFamilyMaxAge)
	if c.RefreshTokenTTL > 0 && c.RefreshFamilyMaxAge > 0 && c.RefreshFamilyMaxAge < c.RefreshTokenTTL {
		// Refused rather than accepted as a cap on every token: a shorter
		// family lifetime makes REFRESH_TOKEN_TTL meaningless, and is most
		// often a bare number meant as hours or days but read as seconds.
		p.add("REFRESH_FAMILY_MAX_AGE", ErrOutOfRange, "%s is shorter than REFRESH_TOKEN_TTL (%s); set it to at least REFRESH_TOKEN_TTL (a bare number is seconds) or lower REFRESH_TOKEN_TTL",
			c.RefreshFamilyMaxAge, c.RefreshTokenTTL)
	}
	between(p, "IP_RATE_LIMIT_REQUESTS", c.IPRateLimitRequests, 1, maxRateLimit)
	window(p, "IP_RATE_LIMIT_WINDOW", c.IPRateLimitWindow)
	between(p, "IDS_REQUESTS_PER_MINUTE", c.IDSRequestsPerMinute, 1, 60_000)
	between(p, "IDS_BLOCK_THRESHOLD", c.IDSBlockThreshold, 1, 60_000)
	notNegative(p, "PREDICTION_RETENTION", c.PredictionRetention)
	oneOf(p, "ANALYST_TEXT_VIEW", c.AnalystTextView, AnalystTextAnonymized, AnalystTextPIIMasked)
	notNegative(p, "SECURITY_EVENT_RETENTION", c.SecurityEventRetention)
	if c.SecurityLogMaxSize != 0 && (c.SecurityLogMaxSize < 4096 || c.SecurityLogMaxSize > 1<<40) {
		p.add("SECURITY_LOG_MAX_SIZE", ErrOutOfRange, "%d must be 0 (never rotate) or between 4096 and %d bytes", c.SecurityLogMaxSize, int64(1<<40))
	}
	between(p, "SECURITY_LOG_MAX_FILES", c.SecurityLogMaxFiles, 1, 100)
	between(p, "MAX_CONCURRENT_UPLOADS", c.MaxConcurrentUploads, 1, 1024)
	positive(p, "SHUTDOWN_TIMEOUT", c.ShutdownTimeout)
}

// checkStoreSettings checks the settings every profile reads
// (ProfileStore's), in every level: the level, the data directory,
// DATABASE_URL's form, the backend CA and the backend client certificate
// and key (loaded here).
func (c *Config) checkStoreSettings(p *problems) {
	oneOf(p, "SECURITY_LEVEL", c.SecurityLevel, LevelDevelopment, LevelProduction)
	notEmpty(p, "SAMO_DATA_DIR", c.DataDir)
	checkDatabaseURL(p, c.DatabaseURL)
	fileExists(p, "BACKEND_CA_FILE", c.BackendCAFile)
	checkCAFile(p, "BACKEND_CA_FILE", c.BackendCAFile)
	c.loadBackendClientCert(p)
}

// checkStoreProduction adds production's rules for the settings
// ProfileStore reads: the connection to PostgreSQL is encrypted and
// verified, and the client certificate is valid now.
func (c *Config) checkStoreProduction(p *problems) {
	c.checkDatabaseTLS(p)
	if why := c.clientCertValidity(time.Now()); why != "" {
		p.add("BACKEND_CLIENT_CERT_FILE", ErrInsecureProduction, "%s", why)
	}
}

// checkProduction adds the rules of SECURITY_LEVEL=production.
func (c *Config) checkProduction(p *problems) {
	c.checkStoreProduction(p)
	if c.JWTAlgorithm == "RS256" {
		p.add("JWT_ALGORITHM", ErrInsecureProduction, "RS256 signs with PKCS#1 v1.5 padding, refused in production; use PS256 (the same RSA keys), ES256 or EdDSA")
	}
	if !c.AsymmetricJWT() {
		weakSecret(p, "JWT_SECRET_KEY", c.JWTSecretKey)
	} else if c.JWTPrivateKeyFile == "" && len(c.JWTPublicKeyFiles) == 0 {
		p.add("JWT_PRIVATE_KEY_FILE", ErrInsecureProduction, "JWT_ALGORITHM=%s needs JWT_PRIVATE_KEY_FILE (or JWT_PUBLIC_KEY_FILES for a verify-only replica)", c.JWTAlgorithm)
	}
	for i, s := range c.JWTPreviousSecretKeys {
		if why := secretWeakness(s.b); why != "" {
			p.add("JWT_PREVIOUS_SECRET_KEYS", ErrWeakSecret, "entry %d is %s", i+1, why)
		}
	}
	weakSecret(p, "ENCRYPTION_KEY", c.EncryptionKey)
	if c.SecurityAlertWebhook != "" || c.SecurityAlertSecret.IsSet() {
		weakSecret(p, "SECURITY_ALERT_SECRET", c.SecurityAlertSecret)
	}
	if !c.TLSEnabled() && len(c.TrustedProxies) == 0 {
		p.add("TLS_CERT_FILE", ErrInsecureProduction, "production needs TLS (TLS_CERT_FILE and TLS_KEY_FILE) or a TLS-terminating proxy in TRUSTED_PROXIES")
	}
	if !c.HTTPSRequired {
		p.add("HTTPS_REQUIRED", ErrInsecureProduction, "must be true in production")
	}
	for _, o := range c.AllowedOrigins {
		switch {
		case strings.Contains(o, "*"):
			p.add("ALLOWED_ORIGINS", ErrInsecureProduction, "%q (any origin) is refused in production; list the origins", o)
		case placeholderURL(o):
			p.add("ALLOWED_ORIGINS", ErrInsecureProduction, "%q is a placeholder", o)
		}
	}
	c.checkBackendTLS(p)
	if w := c.SecurityAlertWebhook; w != "" {
		if u, err := url.Parse(w); err == nil && !strings.EqualFold(u.Scheme, "https") {
			p.add("SECURITY_ALERT_WEBHOOK", ErrInsecureProduction, "must be an https URL in production")
		}
		if placeholderURL(w) {
			p.add("SECURITY_ALERT_WEBHOOK", ErrInsecureProduction, "is a placeholder URL")
		}
	}
}

// devSecretWarnings returns warnings for secrets that are set but would be
// refused in production.
func (c *Config) devSecretWarnings() []string {
	var out []string
	for _, s := range []struct {
		name string
		v    Secret
	}{{"JWT_SECRET_KEY", c.JWTSecretKey}, {"ENCRYPTION_KEY", c.EncryptionKey}, {"SECURITY_ALERT_SECRET", c.SecurityAlertSecret}} {
		if s.v.IsSet() {
			if why := secretWeakness(s.v.b); why != "" {
				out = append(out, fmt.Sprintf("%s is %s; production would refuse it", s.name, why))
			}
		}
	}
	return out
}

func oneOf(p *problems, name, v string, allowed ...string) {
	if !slices.Contains(allowed, v) {
		p.add(name, ErrOutOfRange, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
}

func atLeast(p *problems, name string, v, lo int) {
	if v < lo {
		p.add(name, ErrOutOfRange, "%d must be at least %d", v, lo)
	}
}

func between(p *problems, name string, v, lo, hi int) {
	if v < lo || v > hi {
		p.add(name, ErrOutOfRange, "%d must be between %d and %d", v, lo, hi)
	}
}

// Rate-limit bounds, matching what the limiter accepts (ratelimit.Policy).
const (
	maxRateLimit = 1_000_000
	maxWindow    = 31 * 24 * time.Hour
)

func window(p *problems, name string, d time.Duration) {
	if d < time.Second || d > maxWindow {
		p.add(name, ErrOutOfRange, "%s must be between 1s and %s", d, maxWindow)
	}
}

func positive(p *problems, name string, d time.Duration) {
	if d <= 0 {
		p.add(name, ErrOutOfRange, "%s must be greater than zero", d)
	}
}

func notNegative(p *problems, name string, d time.Duration) {
	if d < 0 {
		p.add(name, ErrOutOfRange, "%s must not be negative", d)
	}
}

func notEmpty(p *problems, name, v string) {
	if v == "" {
		p.add(name, ErrInvalidValue, "must not be empty")
	}
}

func fileExists(p *problems, name, path string) {
	if path == "" {
		return
	}
	if _, err := os.Stat(path); err != nil {
		p.add(name, ErrMissingFile, "%s: %v", path, errors.Unwrap(err))
	}
}

// checkURL accepts an empty value or an absolute http(s) URL with a host.
func checkURL(p *problems, name, v string) {
	if v == "" {
		return
	}
	u, err := url.Parse(v)
	switch {
	case err != nil:
		p.add(name, ErrInvalidValue, "not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		p.add(name, ErrInvalidValue, "must be an http or https URL")
	case u.Host == "" || u.Hostname() == "":
		p.add(name, ErrInvalidValue, "URL has no host")
	}
}

// checkOrigin accepts scheme://host[:port] with no path, query or user.
func checkOrigin(p *problems, name, o string) {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" ||
		u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.Contains(o, "*") {
		p.add(name, ErrInvalidValue, "%q is not an origin (scheme://host[:port]) or *", o)
	}
}

// checkAddr accepts host:port with a numeric port (host may be empty for
// all interfaces). required says whether an empty value is an error.
func checkAddr(p *problems, name, v string, required bool) {
	if v == "" {
		if required {
			p.add(name, ErrInvalidValue, "must not be empty")
		}
		return
	}
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		p.add(name, ErrInvalidValue, "%q is not host:port", v)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		p.add(name, ErrInvalidValue, "%q has an invalid port", v)
	}
}

// checkDatabaseURL reports only the scheme of a bad value: the rest may hold
// a password.
func checkDatabaseURL(p *problems, s Secret) {
	v := strings.ToLower(string(s.b))
	if v == "" {
		return
	}
	for _, ok := range []string{"postgres://", "postgresql://", "sqlite:", "file:"} {
		if strings.HasPrefix(v, ok) {
			return
		}
	}
	p.add("DATABASE_URL", ErrInvalidValue, "%s is not postgres://, postgresql://, sqlite: or file:", describeScheme(v))
}

func checkRedisURL(p *problems, s Secret) {
	v := string(s.b)
	if v == "" {
		return
	}
	u, err := url.Parse(v)
	if err != nil {
		p.add("REDIS_URL", ErrInvalidValue, "not a URL")
		return
	}
	switch strings.ToLower(u.Scheme) {
	case "redis", "rediss":
		if u.Host == "" {
			p.add("REDIS_URL", ErrInvalidValue, "URL has no host")
		}
	case "unix":
	default:
		p.add("REDIS_URL", ErrInvalidValue, "%s is not redis://, rediss:// or unix://", describeScheme(v))
	}
}

// describeScheme names the scheme of v for an error message without
// revealing the rest of v.
func describeScheme(v string) string {
	if s := schemeOf(v); s != "" {
		return fmt.Sprintf("scheme %q", s)
	}
	return "the value (shown redacted)"
}

// schemeOf returns the scheme of a scheme://... value when it looks like
// one (letters, digits, + - .), or "" — never more of the value, which may
// hold a password.
func schemeOf(v string) string {
	s, _, ok := strings.Cut(v, "://")
	if !ok || s == "" || len(s) > 16 {
		return ""
	}
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return ""
		}
	}
	return s
}
