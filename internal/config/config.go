package config

import (
	"crypto/tls"
	"log/slog"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Security levels (SECURITY_LEVEL).
const (
	LevelDevelopment = "development"
	LevelProduction  = "production"
)

// What analysts read of other users' text (ANALYST_TEXT_VIEW).
const (
	// AnalystTextAnonymized: PII replaced by tags and every other word
	// starred but its first and last letter (the Guide's mask_predictions).
	AnalystTextAnonymized = "anonymized"
	// AnalystTextPIIMasked: only PII replaced by tags; the words stay.
	AnalystTextPIIMasked = "pii_masked"
)

// Sources recorded in Config.Sources, from lowest to highest precedence.
// A secret read through NAME_FILE is recorded as, for example,
// "env (JWT_SECRET_KEY_FILE)".
const (
	SourceDefault   = "default"
	SourceEnvFile   = ".env.security"
	SourceEnv       = "env"
	SourceFlag      = "flag"
	SourceGenerated = "generated"
)

// DefaultEnvFile is the file read from the working directory when
// SAMO_ENV_FILE is not set.
const DefaultEnvFile = ".env.security"

// DevSecretsFile is the name, inside the data directory, of the file where
// development mode keeps its generated secrets.
const DevSecretsFile = "secrets.env"

// Config is SAMO's complete, typed configuration. Build it with LoadFlags (which
// validates it); the zero value is not useful. Fields hold plain values so
// the packages that use them never import config.
type Config struct {
	// The Guide's variables.

	SecurityLevel          string        // SECURITY_LEVEL: development or production
	EnableRateLimiting     bool          // ENABLE_RATE_LIMITING
	RateLimitRequests      int           // RATE_LIMIT_REQUESTS per RateLimitWindow, per principal
	RateLimitWindow        time.Duration // RATE_LIMIT_WINDOW
	APIKeyRotationInterval time.Duration // API_KEY_ROTATION_INTERVAL: idle expiry of keys, 0 = never
	APIKeyBackupCount      int           // API_KEY_BACKUP_COUNT: previous keys kept valid on rotation
	APIKeyLength           int           // API_KEY_LENGTH: random characters in a new key
	RequireBearerTokens    bool          // REQUIRE_BEARER_TOKENS: API keys only for the token exchange
	DashboardRequireTOTP   bool          // DASHBOARD_REQUIRE_TOTP: a second factor for every dashboard user
	JWTSecretKey           Secret        // JWT_SECRET_KEY: HS256 signing secret
	JWTAlgorithm           string        // JWT_ALGORITHM: HS256, EdDSA, ES256, PS256 or RS256
	JWTExpiryHours         int           // JWT_EXPIRY_HOURS: access-token lifetime
	EncryptionKey          Secret        // ENCRYPTION_KEY: key for stored text
	EncryptionAlgorithm    string        // ENCRYPTION_ALGORITHM: AES-256-GCM or Fernet
	SecurityLoggingEnabled bool          // SECURITY_LOGGING_ENABLED
	SecurityLogStderr      bool          // SECURITY_LOG_STDERR: events also in the process log
	SecurityAlertWebhook   string        // SECURITY_ALERT_WEBHOOK: "" = no alerts
	SecurityReportInterval time.Duration // SECURITY_REPORT_INTERVAL: 0 = off
	MaxTextLength          int           // MAX_TEXT_LENGTH in code points
	MinTextLength          int           // MIN_TEXT_LENGTH in code points
	AllowedFileTypes       []string      // ALLOWED_FILE_TYPES: subset of json, csv, txt
	MaxFileSize            int64         // MAX_FILE_SIZE in bytes
	AllowedOrigins         []string      // ALLOWED_ORIGINS: CORS origins
	CORSEnabled            bool          // CORS_ENABLED
	HTTPSRequired          bool          // HTTPS_REQUIRED

	// SAMO's own variables.

	Addr                      string         // SAMO_ADDR: API listener host:port
	DataDir                   string         // SAMO_DATA_DIR
	DatabaseURL               Secret         // DATABASE_URL: "" = SQLite in DataDir (may hold a password)
	DatabaseMigrate           bool           // DATABASE_MIGRATE: apply migrations at start (else only check)
	RedisURL                  Secret         // REDIS_URL: "" = in-process state (may hold a password)
	RedisFailOpen             bool           // REDIS_FAIL_OPEN
	TLSCertFile               string         // TLS_CERT_FILE
	TLSKeyFile                string         // TLS_KEY_FILE
	TrustedProxies            []netip.Prefix // TRUSTED_PROXIES
	IPAllowlist               []netip.Prefix // IP_ALLOWLIST
	SecurityLogFile           string         // SECURITY_LOG_FILE: "" = DataDir/security.log (see SecurityLogPath)
	SecurityAlertSecret       Secret         // SECURITY_ALERT_SECRET: webhook HMAC key
	SecurityAlertAllowPrivate bool           // SECURITY_ALERT_ALLOW_PRIVATE
	MetricsAddr               string         // METRICS_ADDR: "" = no metrics listener
	ModelBackendURL           string         // MODEL_BACKEND_URL: "" = embedded model
	BackendCAFile             string         // BACKEND_CA_FILE: extra roots for PostgreSQL, Redis and the model server
	BackendClientCertFile     string         // BACKEND_CLIENT_CERT_FILE: certificate SAMO presents to its backends
	BackendClientKeyFile      string         // BACKEND_CLIENT_KEY_FILE: its private key (a secret file)
	ModelBackendFormat        string         // MODEL_BACKEND_FORMAT: samo or probabilities
	ModelBackendTimeout       time.Duration  // MODEL_BACKEND_TIMEOUT
	ModelFile                 string         // SAMO_MODEL_FILE: "" = embedded artifact
	JWTIssuer                 string         // JWT_ISSUER
	JWTAudience               string         // JWT_AUDIENCE
	JWTMaxExpiryHours         int            // JWT_MAX_EXPIRY_HOURS
	JWTPreviousSecretKeys     []Secret       // JWT_PREVIOUS_SECRET_KEYS: older HS secrets still accepted
	JWTPrivateKeyFile         string         // JWT_PRIVATE_KEY_FILE
	JWTPublicKeyFiles         []string       // JWT_PUBLIC_KEY_FILES
	RefreshTokenTTL           time.Duration  // REFRESH_TOKEN_TTL
	RefreshFamilyMaxAge       time.Duration  // REFRESH_FAMILY_MAX_AGE: ≥ RefreshTokenTTL
	IPRateLimitRequests       int            // IP_RATE_LIMIT_REQUESTS per IPRateLimitWindow, per client IP
	IPRateLimitWindow         time.Duration  // IP_RATE_LIMIT_WINDOW
	IDSRequestsPerMinute      int            // IDS_REQUESTS_PER_MINUTE
	IDSBlockThreshold         int            // IDS_BLOCK_THRESHOLD
	InjectionPolicy           string         // INJECTION_POLICY: validated by the validate package
	PredictionRetention       time.Duration  // PREDICTION_RETENTION: 0 = keep forever
	AnalystTextView           string         // ANALYST_TEXT_VIEW: AnalystTextAnonymized or AnalystTextPIIMasked
	SecurityEventRetention    time.Duration  // SECURITY_EVENT_RETENTION: 0 = keep forever
	SecurityLogMaxSize        int64          // SECURITY_LOG_MAX_SIZE in bytes: 0 = never rotate
	SecurityLogMaxFiles       int            // SECURITY_LOG_MAX_FILES: rotated files kept
	MaxConcurrentUploads      int            // MAX_CONCURRENT_UPLOADS
	LogLevel                  slog.Level     // LOG_LEVEL
	LogFormat                 string         // LOG_FORMAT: json or text
	ShutdownTimeout           time.Duration  // SHUTDOWN_TIMEOUT

	// Profile is the part of the configuration that was loaded
	// (LoadProfile); Validate checks only its settings. The zero value,
	// ProfileAll, checks every setting.
	Profile Profile
	// EnvFile is the path of the .env.security file that was read, or "".
	EnvFile string
	// Sources maps every variable name Profile read to where its value
	// came from (one of the Source constants, possibly naming a NAME_FILE
	// variable). It never holds values.
	Sources map[string]string
	// backendClientCert is the pair BACKEND_CLIENT_CERT_FILE and
	// BACKEND_CLIENT_KEY_FILE name, loaded by Validate (nil when unset or
	// unusable); see BackendClientCert.
	backendClientCert *tls.Certificate
	// Warnings lists problems that do not stop SAMO (unknown variables in
	// the .env.security file, a secret file readable by others, weak
	// secrets in development). The caller should print them.
	Warnings []string
}

// Production reports whether SECURITY_LEVEL is production.
func (c *Config) Production() bool { return c.SecurityLevel == LevelProduction }

// SecurityLogPath returns SECURITY_LOG_FILE, or security.log inside the data
// directory when it is empty.
func (c *Config) SecurityLogPath() string {
	if c.SecurityLogFile != "" {
		return c.SecurityLogFile
	}
	return filepath.Join(c.DataDir, "security.log")
}

// DatabaseDriver returns "postgres" for a postgres:// or postgresql://
// DATABASE_URL and "sqlite" otherwise (empty, sqlite: or file:).
func (c *Config) DatabaseDriver() string {
	u := strings.ToLower(string(c.DatabaseURL.b))
	if strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://") {
		return "postgres"
	}
	return "sqlite"
}

// TLSEnabled reports whether both TLS_CERT_FILE and TLS_KEY_FILE are set.
func (c *Config) TLSEnabled() bool { return c.TLSCertFile != "" && c.TLSKeyFile != "" }

// jwtAlgorithms are the values of JWT_ALGORITHM: HS256 (a shared secret)
// first, then the ones with a key pair.
var jwtAlgorithms = []string{"HS256", "EdDSA", "ES256", "PS256", "RS256"}

// AsymmetricJWT reports whether JWT_ALGORITHM uses a key pair rather than a
// shared secret.
func (c *Config) AsymmetricJWT() bool {
	return slices.Contains(jwtAlgorithms[1:], c.JWTAlgorithm)
}
