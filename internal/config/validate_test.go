package config

import (
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// validDefaults returns the configuration Load builds with nothing set.
func validDefaults(t *testing.T) *Config {
	t.Helper()
	isolate(t)
	cfg, err := Load(nil, nil)
	if err != nil {
		t.Fatalf("Load defaults: %v", err)
	}
	return cfg
}

func TestValidateAlways(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(*Config)
		wantName string // "" = valid
		wantKind error
	}{
		{"defaults", func(*Config) {}, "", nil},
		{"min text 0", func(c *Config) { c.MinTextLength = 0 }, "MIN_TEXT_LENGTH", ErrOutOfRange},
		{"min above max", func(c *Config) { c.MinTextLength = 50; c.MaxTextLength = 10 }, "MAX_TEXT_LENGTH", ErrOutOfRange},
		{"max text at cap", func(c *Config) { c.MaxTextLength = 100000 }, "", nil},
		{"max text over cap", func(c *Config) { c.MaxTextLength = 100001 }, "MAX_TEXT_LENGTH", ErrOutOfRange},
		{"min equals max", func(c *Config) { c.MinTextLength = 5; c.MaxTextLength = 5 }, "", nil},
		{"rate limit 0", func(c *Config) { c.RateLimitRequests = 0 }, "RATE_LIMIT_REQUESTS", ErrOutOfRange},
		{"rate window 0", func(c *Config) { c.RateLimitWindow = 0 }, "RATE_LIMIT_WINDOW", ErrOutOfRange},
		{"ids rate over cap", func(c *Config) { c.IDSRequestsPerMinute = 60_001 }, "IDS_REQUESTS_PER_MINUTE", ErrOutOfRange},
		{"rate limit at cap", func(c *Config) { c.RateLimitRequests = 1_000_000 }, "", nil},
		{"rate limit over cap", func(c *Config) { c.RateLimitRequests = 1_000_001 }, "RATE_LIMIT_REQUESTS", ErrOutOfRange},
		{"ip limit over cap", func(c *Config) { c.IPRateLimitRequests = 2_000_000 }, "IP_RATE_LIMIT_REQUESTS", ErrOutOfRange},
		{"rate window under 1s", func(c *Config) { c.RateLimitWindow = 500 * time.Millisecond }, "RATE_LIMIT_WINDOW", ErrOutOfRange},
		{"rate window over 31 days", func(c *Config) { c.RateLimitWindow = 32 * 24 * time.Hour }, "RATE_LIMIT_WINDOW", ErrOutOfRange},
		{"ip window negative", func(c *Config) { c.IPRateLimitWindow = -time.Second }, "IP_RATE_LIMIT_WINDOW", ErrOutOfRange},
		{"rotation 0 means never", func(c *Config) { c.APIKeyRotationInterval = 0 }, "", nil},
		{"rotation negative", func(c *Config) { c.APIKeyRotationInterval = -1 }, "API_KEY_ROTATION_INTERVAL", ErrOutOfRange},
		{"key length 29", func(c *Config) { c.APIKeyLength = 29 }, "API_KEY_LENGTH", ErrOutOfRange},
		{"key length 30", func(c *Config) { c.APIKeyLength = 30 }, "", nil},
		{"backups 10", func(c *Config) { c.APIKeyBackupCount = 10 }, "", nil},
		{"backups 11", func(c *Config) { c.APIKeyBackupCount = 11 }, "API_KEY_BACKUP_COUNT", ErrOutOfRange},
		{"backups -1", func(c *Config) { c.APIKeyBackupCount = -1 }, "API_KEY_BACKUP_COUNT", ErrOutOfRange},
		{"jwt expiry 0", func(c *Config) { c.JWTExpiryHours = 0 }, "JWT_EXPIRY_HOURS", ErrOutOfRange},
		{"jwt expiry at max", func(c *Config) { c.JWTExpiryHours = 24 }, "", nil},
		{"jwt expiry over max", func(c *Config) { c.JWTExpiryHours = 25 }, "JWT_EXPIRY_HOURS", ErrOutOfRange},
		{"file type exe", func(c *Config) { c.AllowedFileTypes = []string{"json", "exe"} }, "ALLOWED_FILE_TYPES", ErrOutOfRange},
		{"file types empty", func(c *Config) { c.AllowedFileTypes = nil }, "", nil},
		{"file size 0", func(c *Config) { c.MaxFileSize = 0 }, "MAX_FILE_SIZE", ErrOutOfRange},
		{"file size 100 MiB", func(c *Config) { c.MaxFileSize = 100 << 20 }, "", nil},
		{"file size over", func(c *Config) { c.MaxFileSize = 100<<20 + 1 }, "MAX_FILE_SIZE", ErrOutOfRange},
		{"jwt alg none", func(c *Config) { c.JWTAlgorithm = "none" }, "JWT_ALGORITHM", ErrOutOfRange},
		{"jwt alg HS512", func(c *Config) { c.JWTAlgorithm = "HS512" }, "JWT_ALGORITHM", ErrOutOfRange},
		{"enc alg", func(c *Config) { c.EncryptionAlgorithm = "DES" }, "ENCRYPTION_ALGORITHM", ErrOutOfRange},
		{"level", func(c *Config) { c.SecurityLevel = "staging" }, "SECURITY_LEVEL", ErrOutOfRange},
		{"bad proxy prefix", func(c *Config) { c.TrustedProxies = []netip.Prefix{{}} }, "TRUSTED_PROXIES", ErrInvalidValue},
		{"webhook not a URL", func(c *Config) { c.SecurityAlertWebhook = "ftp://x/y" }, "SECURITY_ALERT_WEBHOOK", ErrInvalidValue},
		{"webhook no host", func(c *Config) { c.SecurityAlertWebhook = "https:///path" }, "SECURITY_ALERT_WEBHOOK", ErrInvalidValue},
		{"model URL relative", func(c *Config) { c.ModelBackendURL = "/predict" }, "MODEL_BACKEND_URL", ErrInvalidValue},
		{"model format", func(c *Config) { c.ModelBackendFormat = "xml" }, "MODEL_BACKEND_FORMAT", ErrOutOfRange},
		{"origin with path", func(c *Config) { c.AllowedOrigins = []string{"https://a.test/app"} }, "ALLOWED_ORIGINS", ErrInvalidValue},
		{"origin ok", func(c *Config) { c.AllowedOrigins = []string{"https://a.test:8443", "http://localhost:3000"} }, "", nil},
		{"star ok in development", func(c *Config) { c.AllowedOrigins = []string{"*"} }, "", nil},
		{"addr no port", func(c *Config) { c.Addr = "localhost" }, "SAMO_ADDR", ErrInvalidValue},
		{"metrics same as addr", func(c *Config) { c.MetricsAddr = c.Addr }, "METRICS_ADDR", ErrInvalidValue},
		{"database mysql", func(c *Config) { c.DatabaseURL = NewSecret("mysql://u:pw@h/db") }, "DATABASE_URL", ErrInvalidValue},
		{"database no scheme", func(c *Config) { c.DatabaseURL = NewSecret("user:pw@h/db") }, "DATABASE_URL", ErrInvalidValue},
		{"redis no scheme", func(c *Config) { c.RedisURL = NewSecret("user:pw@h:6379") }, "REDIS_URL", ErrInvalidValue},
		{"database postgres", func(c *Config) { c.DatabaseURL = NewSecret("postgresql://u:pw@h/db") }, "", nil},
		{"database sqlite", func(c *Config) { c.DatabaseURL = NewSecret("sqlite:/var/lib/samo.db") }, "", nil},
		{"redis http", func(c *Config) { c.RedisURL = NewSecret("http://h:6379") }, "REDIS_URL", ErrInvalidValue},
		{"redis ok", func(c *Config) { c.RedisURL = NewSecret("rediss://:pw@h:6380/0") }, "", nil},
		{"tls cert only", func(c *Config) { c.TLSCertFile = c.DataDir }, "TLS_KEY_FILE", ErrInvalidValue},
		{"tls key only", func(c *Config) { c.TLSKeyFile = c.DataDir }, "TLS_CERT_FILE", ErrInvalidValue},
		{"tls files missing", func(c *Config) { c.TLSCertFile, c.TLSKeyFile = "/nonexistent/c", "/nonexistent/k" }, "TLS_CERT_FILE", ErrMissingFile},
		{"public key missing", func(c *Config) { c.JWTPublicKeyFiles = []string{"/nonexistent/pub"} }, "JWT_PUBLIC_KEY_FILES", ErrMissingFile},
		{"issuer empty", func(c *Config) { c.JWTIssuer = "" }, "JWT_ISSUER", ErrInvalidValue},
		{"shutdown 0", func(c *Config) { c.ShutdownTimeout = 0 }, "SHUTDOWN_TIMEOUT", ErrOutOfRange},
		{"ids 0", func(c *Config) { c.IDSRequestsPerMinute = 0 }, "IDS_REQUESTS_PER_MINUTE", ErrOutOfRange},
		{"retention negative", func(c *Config) { c.PredictionRetention = -time.Hour }, "PREDICTION_RETENTION", ErrOutOfRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validDefaults(t)
			tt.mutate(cfg)
			err := cfg.Validate()
			if tt.wantName == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want a %s problem", tt.wantName)
			}
			if !hasProblem(err, tt.wantName, tt.wantKind) {
				t.Errorf("Validate() = %v, want a %s problem of kind %v", err, tt.wantName, tt.wantKind)
			}
			if strings.Contains(err.Error(), "pw@") {
				t.Errorf("error %q leaks a database or redis password", err)
			}
		})
	}
}

// hasProblem reports whether the joined err holds a *FieldError for name of
// the given kind.
func hasProblem(err error, name string, kind error) bool {
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	for _, e := range list {
		var fe *FieldError
		if errors.As(e, &fe) && fe.Name == name && (kind == nil || errors.Is(fe, kind)) {
			return true
		}
		if _, ok := e.(interface{ Unwrap() []error }); ok && hasProblem(e, name, kind) {
			return true
		}
	}
	return false
}

func TestSecretWeakness(t *testing.T) {
	tests := []struct {
		name string
		in   string
		weak bool
	}{
		{"empty", "", true},
		{"guide jwt", "your-super-secret-jwt-key-here", true},
		{"guide encryption", "your-encryption-key-here", true},
		{"changeme", "changeme", true},
		{"secret", "secret", true},
		{"password upper", "PASSWORD", true},
		{"long your here", "your-production-jwt-signing-key-goes-here-please", true},
		{"long your_here", "YOUR_LONG_AND_RANDOM_SECRET_VALUE_HERE_123", true},
		{"long change-me", "change-me-before-deploying-this-to-production!!", true},
		{"short random", "q8Zr1Lx0Pw", true},
		{"31 bytes", "Gd3kP0sQ9vLm2Xc8RtYb7Nw1HzJfAe4", true},
		{"all same", strings.Repeat("a", 64), true},
		{"repeated unit", strings.Repeat("abc123", 8), true},
		{"few distinct", strings.Repeat("ab", 10) + strings.Repeat("ba", 6) + "aabb", true},
		{"32 random", "Gd3kP0sQ9vLm2Xc8RtYb7Nw1HzJfAe4U", false},
		{"base64url 32 bytes", "c2FtbyBpcyBhIHNlY3VyZSBlbW90aW9uIGRldGVjdG9yIQ==", false},
		{"hex 32 bytes", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			why := secretWeakness([]byte(tt.in))
			if got := why != ""; got != tt.weak {
				t.Errorf("secretWeakness(%q) = %q, want weak %v", tt.in, why, tt.weak)
			}
			if tt.in != "" && strings.Contains(why, tt.in) {
				t.Errorf("reason %q contains the value", why)
			}
		})
	}
}

// guideEnvFile is the Guide's .env.security block, verbatim.
const guideEnvFile = `# .env.security
# Security Configuration
SECURITY_LEVEL=production
ENABLE_RATE_LIMITING=true
RATE_LIMIT_REQUESTS=100
RATE_LIMIT_WINDOW=3600

# API Key Configuration
API_KEY_ROTATION_INTERVAL=86400
API_KEY_BACKUP_COUNT=3
API_KEY_LENGTH=32

# JWT Configuration
JWT_SECRET_KEY=your-super-secret-jwt-key-here
JWT_ALGORITHM=HS256
JWT_EXPIRY_HOURS=24

# Encryption Configuration
ENCRYPTION_KEY=your-encryption-key-here
ENCRYPTION_ALGORITHM=Fernet

# Monitoring Configuration
SECURITY_LOGGING_ENABLED=true
SECURITY_ALERT_WEBHOOK=https://your-alerting-webhook.com/security
SECURITY_REPORT_INTERVAL=3600

# Input Validation
MAX_TEXT_LENGTH=10000
MIN_TEXT_LENGTH=1
ALLOWED_FILE_TYPES=json,csv,txt
MAX_FILE_SIZE=10485760

# Network Security
ALLOWED_ORIGINS=https://your-frontend-domain.com
CORS_ENABLED=true
HTTPS_REQUIRED=true
`

func TestProductionRefusesGuidePlaceholders(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		wantNames []string
		wantKinds []error
	}{
		{
			name:      "guide file as is",
			wantNames: []string{"JWT_SECRET_KEY", "ENCRYPTION_KEY", "SECURITY_ALERT_SECRET", "TLS_CERT_FILE", "SECURITY_ALERT_WEBHOOK", "ALLOWED_ORIGINS"},
			wantKinds: []error{ErrWeakSecret, ErrWeakSecret, ErrWeakSecret, ErrInsecureProduction, ErrInsecureProduction, ErrInsecureProduction},
		},
		{
			name: "guide file with insecure overrides",
			env: map[string]string{
				"ALLOWED_ORIGINS":        "*",
				"HTTPS_REQUIRED":         "false",
				"SECURITY_ALERT_WEBHOOK": "http://alerts.internal.samo/hook",
				"SECURITY_ALERT_SECRET":  "changeme",
				"JWT_SECRET_KEY":         "secret",
			},
			wantNames: []string{"JWT_SECRET_KEY", "ENCRYPTION_KEY", "SECURITY_ALERT_SECRET", "TLS_CERT_FILE", "SECURITY_ALERT_WEBHOOK", "ALLOWED_ORIGINS", "HTTPS_REQUIRED"},
			wantKinds: []error{ErrWeakSecret, ErrWeakSecret, ErrWeakSecret, ErrInsecureProduction, ErrInsecureProduction, ErrInsecureProduction, ErrInsecureProduction},
		},
		{
			name:      "asymmetric without key files",
			env:       map[string]string{"JWT_ALGORITHM": "eddsa"},
			wantNames: []string{"JWT_PRIVATE_KEY_FILE", "ENCRYPTION_KEY"},
			wantKinds: []error{ErrInsecureProduction, ErrWeakSecret},
		},
		{
			name:      "RS256 (PKCS#1 v1.5)",
			env:       map[string]string{"JWT_ALGORITHM": "rs256"},
			wantNames: []string{"JWT_ALGORITHM", "JWT_PRIVATE_KEY_FILE"},
			wantKinds: []error{ErrInsecureProduction, ErrInsecureProduction},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := isolate(t)
			writeFile(t, filepath.Join(dir, DefaultEnvFile), guideEnvFile, 0o600)
			cfg, err := Load(envMap(tt.env), nil)
			if err == nil {
				t.Fatalf("Load succeeded with the Guide's placeholders (level %q)", cfg.SecurityLevel)
			}
			for i, name := range tt.wantNames {
				if !strings.Contains(err.Error(), name+":") {
					t.Errorf("joined error does not name %s", name)
				}
				if !hasProblem(err, name, tt.wantKinds[i]) {
					t.Errorf("no %s problem of kind %v", name, tt.wantKinds[i])
				}
			}
			for _, leak := range []string{"your-super-secret-jwt-key-here", "your-encryption-key-here", "changeme"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error leaks secret value %q", leak)
				}
			}
			if t.Failed() {
				t.Logf("error:\n%v", err)
			}
		})
	}
}

// goodProduction returns an environment for a production configuration that
// must pass, with real (empty) TLS files in dir.
func goodProduction(t *testing.T, dir string) map[string]string {
	t.Helper()
	cert, key := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	writeFile(t, cert, "cert", 0o644)
	writeFile(t, key, "key", 0o600)
	return map[string]string{
		"SECURITY_LEVEL":         "production",
		"JWT_SECRET_KEY":         "Gd3kP0sQ9vLm2Xc8RtYb7Nw1HzJfAe4UqWs",
		"ENCRYPTION_KEY":         "c2FtbyBpcyBhIHNlY3VyZSBlbW90aW9uIGRldGVjdG9yIQ==",
		"SECURITY_ALERT_SECRET":  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
		"SECURITY_ALERT_WEBHOOK": "https://alerts.samo.dev/security",
		"ALLOWED_ORIGINS":        "https://app.samo.dev",
		"HTTPS_REQUIRED":         "true",
		"TLS_CERT_FILE":          cert,
		"TLS_KEY_FILE":           key,
	}
}

func TestProductionGoodConfigPasses(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(env map[string]string, dir string)
	}{
		{"TLS", func(map[string]string, string) {}},
		{"trusted proxy instead of TLS", func(env map[string]string, _ string) {
			delete(env, "TLS_CERT_FILE")
			delete(env, "TLS_KEY_FILE")
			env["TRUSTED_PROXIES"] = "10.0.0.0/8"
		}},
		{"EdDSA with key file and no JWT secret", func(env map[string]string, dir string) {
			delete(env, "JWT_SECRET_KEY")
			env["JWT_ALGORITHM"] = "EdDSA"
			env["JWT_PRIVATE_KEY_FILE"] = filepath.Join(dir, "tls.key")
		}},
		{"no webhook, no alert secret", func(env map[string]string, _ string) {
			delete(env, "SECURITY_ALERT_WEBHOOK")
			delete(env, "SECURITY_ALERT_SECRET")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := isolate(t)
			env := goodProduction(t, dir)
			tt.mutate(env, dir)
			cfg, err := Load(envMap(env), nil)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !cfg.Production() {
				t.Errorf("Production() = false, want true")
			}
		})
	}
}

func TestCheckProductionInDevelopment(t *testing.T) {
	cfg := validDefaults(t)
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate in development: %v", err)
	}
	err := cfg.CheckProduction()
	for _, name := range []string{"JWT_SECRET_KEY", "ENCRYPTION_KEY", "TLS_CERT_FILE", "HTTPS_REQUIRED"} {
		if !hasProblem(err, name, nil) {
			t.Errorf("CheckProduction() = %v, want a %s problem", err, name)
		}
	}
}

// TestProductionRSAPadding: production refuses RS256 (PKCS#1 v1.5) and
// takes PS256, development takes both.
func TestProductionRSAPadding(t *testing.T) {
	for _, c := range []struct {
		level, alg string
		refused    bool
	}{{"production", "RS256", true}, {"production", "PS256", false}, {"development", "RS256", false}} {
		isolate(t)
		_, err := Load(envMap(map[string]string{"SECURITY_LEVEL": c.level, "JWT_ALGORITHM": c.alg}), nil)
		if got := hasProblem(err, "JWT_ALGORITHM", ErrInsecureProduction); got != c.refused {
			t.Errorf("%s %s: JWT_ALGORITHM refused = %v, want %v (%v)", c.level, c.alg, got, c.refused, err)
		}
	}
}
