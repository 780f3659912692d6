// Package config loads, validates and describes SAMO's configuration.
//
// It is a leaf package: it imports nothing internal, and the packages that
// need a setting receive a plain value (an int, a time.Duration, a []byte
// from Secret.Reveal) from the caller that wires them, never the Config.
//
// # Precedence
//
// Each variable is taken from the first of these that sets it:
//
//  1. a command-line flag (a flag set prepared with RegisterFlags and
//     read with LoadFlags);
//  2. the process environment;
//  3. the .env.security file: ./.env.security when present, or the file
//     named by SAMO_ENV_FILE / --env-file, which must then exist;
//  4. the built-in default.
//
// An empty value in the environment or in the file counts as "not set" (a
// getenv function cannot tell unset from empty); a flag can set an empty
// value explicitly, e.g. --allowed-file-types= to turn uploads off.
// Config.Sources records, for every variable, which layer supplied it
// ("default", ".env.security", "env", "flag", "generated"), never the value.
//
// # Secrets
//
// JWT_SECRET_KEY, ENCRYPTION_KEY, SECURITY_ALERT_SECRET,
// JWT_PREVIOUS_SECRET_KEYS, DATABASE_URL and REDIS_URL are secrets: they are
// held in a Secret, whose every printing path (fmt, slog, encoding/json,
// encoding.TextMarshaler) prints "[redacted]". DATABASE_URL and REDIS_URL are
// secrets because their URLs usually carry a password.
//
// Secrets have no flag, because a command line is visible to every local
// user through ps. Each secret may instead be given as NAME_FILE, the path
// of a file holding the value (Docker and Kubernetes secrets); trailing
// newlines are trimmed. Setting NAME and NAME_FILE in the same layer
// is an error; a higher layer still overrides a lower one.
// JWT_PREVIOUS_SECRET_KEYS is a comma- (or, in a file, newline-) separated
// list.
//
// # The .env.security file
//
// Simple KEY=VALUE lines: blank lines and "#" comments are ignored, an
// "export " prefix is allowed, values may be single-quoted (literal) or
// double-quoted (with \" \\ \n \t escapes), and in an unquoted value " #"
// starts a comment. Every malformed line is reported with its line number
// but never its content (it may hold a secret). A variable set twice is an
// error. The file is refused when group or others can write it (whoever can
// write it controls the security level); a file others can read is accepted
// with a warning. Unknown variables are reported as warnings, not errors, so
// the file can be shared with other tools, but a typo is still visible.
//
// # Profiles
//
// LoadFlags reads every setting (ProfileAll). LoadProfile reads only a
// profile's settings and validates only those; the others keep their
// defaults, unread, so a command neither demands nor opens a secret it
// does not use. ProfileStore is what opening and migrating the store
// needs (SECURITY_LEVEL, SAMO_ENV_FILE, SAMO_DATA_DIR, DATABASE_URL,
// DATABASE_MIGRATE, BACKEND_CA_FILE, BACKEND_CLIENT_CERT_FILE,
// BACKEND_CLIENT_KEY_FILE): `samo init` loads it in production, so the
// schema owner's process holds no JWT, encryption or alert key. Every
// other profile is ProfileStore and the settings its commands use
// besides: ProfileSessions adds REDIS_URL and JWT_MAX_EXPIRY_HOURS, what
// ending every session from the host needs (`samo sessions end-all`, in
// every level): the shared deny-list and sessions, and how long the token
// cut-off is kept; no JWT key. ProfileKeys adds the API-key settings and
// REDIS_URL (`samo admin bootstrap`, `samo keys`), ProfileIP REDIS_URL
// (where the servers' block list is when set) and the intrusion
// detector's settings (`samo ip`), ProfileIncidents both and
// SECURITY_ALERT_WEBHOOK (`samo incidents`); `samo report` loads
// ProfileStore. The rules below still apply to what a profile reads,
// production's included: Validate runs every rule and keeps the problems
// about the settings the profile reads.
//
// # Validation
//
// LoadFlags runs Validate, which returns errors.Join of every problem at once;
// each is a *FieldError naming its variable and unwrapping to a sentinel
// (ErrInvalidValue, ErrOutOfRange, ErrWeakSecret, ErrInsecureProduction,
// ErrMissingFile, ErrMalformedEnvFile, ErrUnsafePermissions,
// ErrConflictingSources). In every mode it checks ranges and sets
// (MIN_TEXT_LENGTH 1 ≤ MAX_TEXT_LENGTH ≤ 100000, RATE_LIMIT_REQUESTS ≥ 1,
// windows > 0, API_KEY_LENGTH 30..256, API_KEY_BACKUP_COUNT 0..10,
// 0 < JWT_EXPIRY_HOURS ≤ JWT_MAX_EXPIRY_HOURS, ALLOWED_FILE_TYPES ⊆
// {json,csv,txt}, MAX_FILE_SIZE 1 B..100 MiB, the enumerations), that CIDRs,
// URLs, origins and listen addresses parse, that TLS_CERT_FILE and
// TLS_KEY_FILE are set together, and that every configured file exists.
// It loads BACKEND_CLIENT_CERT_FILE and BACKEND_CLIENT_KEY_FILE (set
// together; the key file under the rules of a NAME_FILE secret; a pair
// that does not match, or a certificate not for client authentication, is
// an error); BackendClientCert returns the pair.
// Enumerations are matched case-insensitively and normalised ("fernet" →
// "Fernet", "hs256" → "HS256").
//
// With SECURITY_LEVEL=production it also refuses (CheckProduction runs
// these rules alone, for `samo check`):
//
//   - JWT_SECRET_KEY (when JWT_ALGORITHM is HS256), ENCRYPTION_KEY, each
//     JWT_PREVIOUS_SECRET_KEYS entry, and SECURITY_ALERT_SECRET (required as
//     soon as a webhook is set: unsigned alerts can be forged) when missing,
//     shorter than 32 bytes, a placeholder (the Guide's
//     your-super-secret-jwt-key-here, changeme, secret, password, anything
//     of the form your-…-here, …), a short repeated pattern, or made of
//     fewer than 8 distinct characters;
//   - an asymmetric JWT_ALGORITHM without JWT_PRIVATE_KEY_FILE (or, for a
//     verify-only replica, JWT_PUBLIC_KEY_FILES);
//   - JWT_ALGORITHM=RS256 (PKCS#1 v1.5 padding; PS256 takes the same keys);
//   - no TLS (TLS_CERT_FILE and TLS_KEY_FILE) and no TRUSTED_PROXIES;
//   - ALLOWED_ORIGINS containing *, or a placeholder origin
//     (https://your-frontend-domain.com, example.com);
//   - HTTPS_REQUIRED=false;
//   - a SECURITY_ALERT_WEBHOOK that is not https or is a placeholder;
//   - a DATABASE_URL, REDIS_URL or MODEL_BACKEND_URL that could reach a
//     remote host unencrypted or unverified, and an expired (or not yet
//     valid) BACKEND_CLIENT_CERT_FILE.
//
// In development, weak secrets are accepted with a warning.
//
// # Development secrets
//
// In development (the default), EnsureDevSecrets fills the unset
// JWT_SECRET_KEY, ENCRYPTION_KEY and SECURITY_ALERT_SECRET with 32 random
// bytes from crypto/rand, kept in SAMO_DATA_DIR/secrets.env (directory
// 0700, file 0600, written atomically) and reused on later starts; it
// refuses a secrets.env that group or others can access, and it never runs
// in production. It returns the names it generated so the caller can say so.
//
// # Value formats
//
// Durations accept whole seconds or Go durations (1h, 90s); booleans accept
// true/false, 1/0, yes/no, on/off; TRUSTED_PROXIES and IP_ALLOWLIST accept
// CIDRs or bare IPs (a CIDR with host bits set is refused). Flags are
// validated with everything else; the last of a repeated flag wins.
//
// # Variables and flags
//
// Describe returns the table below with documentation; WriteReference
// renders it as the README's Markdown reference.
//
//	Variable                      Flag                            Default
//	SECURITY_LEVEL                --security-level                development
//	ENABLE_RATE_LIMITING          --enable-rate-limiting          true
//	RATE_LIMIT_REQUESTS           --rate-limit-requests           100
//	RATE_LIMIT_WINDOW             --rate-limit-window             3600
//	API_KEY_ROTATION_INTERVAL     --api-key-rotation-interval     86400
//	API_KEY_BACKUP_COUNT          --api-key-backup-count          3
//	API_KEY_LENGTH                --api-key-length                32
//	REQUIRE_BEARER_TOKENS         --require-bearer-tokens         false
//	DASHBOARD_REQUIRE_TOTP        --dashboard-require-totp        false
//	JWT_SECRET_KEY                (secret, no flag)               ""
//	JWT_ALGORITHM                 --jwt-algorithm                 HS256
//	JWT_EXPIRY_HOURS              --jwt-expiry-hours              1
//	ENCRYPTION_KEY                (secret, no flag)               ""
//	ENCRYPTION_ALGORITHM          --encryption-algorithm          AES-256-GCM
//	SECURITY_LOGGING_ENABLED      --security-logging-enabled      true
//	SECURITY_LOG_STDERR           --security-log-stderr           false
//	SECURITY_ALERT_WEBHOOK        --security-alert-webhook        ""
//	SECURITY_REPORT_INTERVAL      --security-report-interval      3600
//	MAX_TEXT_LENGTH               --max-text-length               10000
//	MIN_TEXT_LENGTH               --min-text-length               1
//	ALLOWED_FILE_TYPES            --allowed-file-types            json,csv,txt
//	MAX_FILE_SIZE                 --max-file-size                 10485760
//	ALLOWED_ORIGINS               --allowed-origins               ""
//	CORS_ENABLED                  --cors-enabled                  true
//	HTTPS_REQUIRED                --https-required                false
//	SAMO_ENV_FILE                 --env-file                      .env.security
//	SAMO_ADDR                     --addr                          127.0.0.1:8080
//	SAMO_DATA_DIR                 --data-dir                      ./samo-data
//	DATABASE_URL                  (secret, no flag)               ""
//	DATABASE_MIGRATE              --database-migrate              true
//	REDIS_URL                     (secret, no flag)               ""
//	BACKEND_CA_FILE               --backend-ca-file               ""
//	BACKEND_CLIENT_CERT_FILE      --backend-client-cert-file      ""
//	BACKEND_CLIENT_KEY_FILE       --backend-client-key-file       ""
//	REDIS_FAIL_OPEN               --redis-fail-open               false
//	TLS_CERT_FILE                 --tls-cert-file                 ""
//	TLS_KEY_FILE                  --tls-key-file                  ""
//	TRUSTED_PROXIES               --trusted-proxies               ""
//	IP_ALLOWLIST                  --ip-allowlist                  ""
//	SECURITY_LOG_FILE             --security-log-file             ""
//	SECURITY_ALERT_SECRET         (secret, no flag)               ""
//	SECURITY_ALERT_ALLOW_PRIVATE  --security-alert-allow-private  false
//	METRICS_ADDR                  --metrics-addr                  ""
//	MODEL_BACKEND_URL             --model-backend-url             ""
//	MODEL_BACKEND_FORMAT          --model-backend-format          samo
//	MODEL_BACKEND_TIMEOUT         --model-backend-timeout         5s
//	SAMO_MODEL_FILE               --model-file                    ""
//	JWT_ISSUER                    --jwt-issuer                    samo
//	JWT_AUDIENCE                  --jwt-audience                  samo-api
//	JWT_MAX_EXPIRY_HOURS          --jwt-max-expiry-hours          24
//	JWT_PREVIOUS_SECRET_KEYS      (secret, no flag)               ""
//	JWT_PRIVATE_KEY_FILE          --jwt-private-key-file          ""
//	JWT_PUBLIC_KEY_FILES          --jwt-public-key-files          ""
//	REFRESH_TOKEN_TTL             --refresh-token-ttl             720h
//	REFRESH_FAMILY_MAX_AGE        --refresh-family-max-age        2160h
//	IP_RATE_LIMIT_REQUESTS        --ip-rate-limit-requests        600
//	IP_RATE_LIMIT_WINDOW          --ip-rate-limit-window          60s
//	IDS_REQUESTS_PER_MINUTE       --ids-requests-per-minute       300
//	IDS_BLOCK_THRESHOLD           --ids-block-threshold           10
//	INJECTION_POLICY              --injection-policy              ""
//	PREDICTION_RETENTION          --prediction-retention          0
//	ANALYST_TEXT_VIEW             --analyst-text-view             anonymized
//	SECURITY_EVENT_RETENTION      --security-event-retention      2160h
//	SECURITY_LOG_MAX_SIZE         --security-log-max-size         52428800
//	SECURITY_LOG_MAX_FILES        --security-log-max-files        5
//	MAX_CONCURRENT_UPLOADS        --max-concurrent-uploads        4
//	LOG_LEVEL                     --log-level                     info
//	LOG_FORMAT                    --log-format                    json
//	SHUTDOWN_TIMEOUT              --shutdown-timeout              15s
package config
