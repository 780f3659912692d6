package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/config"
)

// Check statuses.
const (
	checkPass = "pass"
	checkWarn = "warn"
	checkFail = "fail"
)

// checkResult is one line of `samo check`.
type checkResult struct {
	Status string `json:"status"`
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// checkOptions are test hooks; the zero value is what `samo check` uses.
type checkOptions struct {
	probe   *http.Client               // webhook probe client (default: the SSRF-safe alert client)
	now     func() time.Time           // default time.Now
	offline bool                       // skip the webhook probe
	clock   func() (clockState, error) // default readClock
}

// errChecksFailed makes `samo check` exit 1.
var errChecksFailed = errors.New("checks failed")

// runCheck is `samo check [--json] [--offline]`: the Guide's pre-deployment
// and runtime checklists evaluated against the real configuration, files,
// store and webhook, one PASS/WARN/FAIL line per item, exit 1 on any FAIL.
//
// Decisions:
//   - Production rules (config.CheckProduction) are always evaluated, so a
//     development setup fails the deployment checks it would fail in
//     production. A production configuration that does not load because of
//     those rules is re-read as development, so every other check still
//     runs and each problem is reported on its own line.
//   - Nothing is written: the security log is opened for appending without
//     writing (or a temporary file is created and removed in its
//     directory); the database is opened only when it already exists.
//   - Secrets are judged (source, length, placeholder, pattern), never
//     printed.
//   - The webhook probe is a HEAD request with a 5 s timeout through the
//     outbox's SSRF-safe client: an address deliveries would refuse is a
//     FAIL, an unreachable receiver a WARN (it may be down right now).
//   - What cannot be known at run time is a WARN that says so, not a PASS:
//     backups and the dependency scan (govulncheck runs in CI, `make audit`).
func runCheck(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "check")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	offline := fs.Bool("offline", false, "do not probe the alert webhook")
	if _, err := parseCmd(fs, args); err != nil {
		return err
	}
	results := evaluate(ctx, stdio, checkOptions{offline: *offline})
	pass, warn, fail := 0, 0, 0
	for _, r := range results {
		switch r.Status {
		case checkPass:
			pass++
		case checkWarn:
			warn++
		default:
			fail++
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdio.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"ok": fail == 0, "pass": pass, "warn": warn, "fail": fail, "checks": results}); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			fmt.Fprintf(stdio.Stdout, "%-4s  %-22s  %s\n", strings.ToUpper(r.Status), r.Name, r.Reason)
		}
		fmt.Fprintf(stdio.Stderr, "%d passed, %d warnings, %d failed\n", pass, warn, fail)
	}
	if fail > 0 {
		return fmt.Errorf("%w: %d of %d", errChecksFailed, fail, len(results))
	}
	return nil
}

// checker accumulates results.
type checker struct {
	cfg     *config.Config
	opt     checkOptions
	results []checkResult
	// prod maps a variable to the production rules it breaks.
	prod    map[string][]string
	claimed map[string]bool
}

func (c *checker) add(status, name, format string, a ...any) {
	c.results = append(c.results, checkResult{Status: status, Name: name, Reason: fmt.Sprintf(format, a...)})
}

// prodProblems returns (and marks as reported) the production-rule problems
// of the named variables.
func (c *checker) prodProblems(names ...string) []string {
	var out []string
	for _, n := range names {
		c.claimed[n] = true
		out = append(out, c.prod[n]...)
	}
	return out
}

// evaluate runs every check. A configuration that does not load is
// reported, then re-read as development (production rules become findings
// instead of a refusal) so the other checks still run.
func evaluate(ctx context.Context, stdio IO, opt checkOptions) []checkResult {
	if opt.now == nil {
		opt.now = time.Now
	}
	c := &checker{opt: opt, prod: map[string][]string{}, claimed: map[string]bool{}}
	cfg, err := config.LoadFlags(stdio.Getenv, nil)
	if err != nil {
		for _, fe := range fieldErrors(err) {
			if !errors.Is(fe, config.ErrWeakSecret) && !errors.Is(fe, config.ErrInsecureProduction) {
				c.add(checkFail, "config", "%s", fe.Error())
			}
		}
		dev := func(k string) string {
			if k == "SECURITY_LEVEL" {
				return config.LevelDevelopment
			}
			return stdio.Getenv(k)
		}
		if cfg, err = config.LoadFlags(dev, nil); err != nil {
			if len(c.results) == 0 {
				c.add(checkFail, "config", "%v", err)
			}
			return c.results
		}
		cfg.SecurityLevel = config.LevelProduction
	}
	c.cfg = cfg
	for _, fe := range fieldErrors(cfg.CheckProduction()) {
		c.prod[fe.Name] = append(c.prod[fe.Name], fe.Reason)
	}
	c.level()
	c.secrets()
	c.https()
	c.limits()
	c.access()
	c.logging()
	c.alerting(ctx)
	c.files()
	c.backendAuth()
	c.clock()
	c.runtimeState(ctx)
	c.dependencies()
	for name, reasons := range c.prod {
		if !c.claimed[name] {
			c.add(checkFail, "production_rules", "%s: %s", name, strings.Join(reasons, "; "))
		}
	}
	return c.results
}

// certDates adds name's line for cert (called what) at the check's time:
// FAIL before it starts or once it has expired (expired: what to do),
// WARN within warn of its end (renew: what to do), PASS otherwise.
func (c *checker) certDates(name, what string, cert *x509.Certificate, warn time.Duration, expired, renew string) {
	now := c.opt.now()
	left := cert.NotAfter.Sub(now)
	if now.Before(cert.NotBefore) {
		c.add(checkFail, name, "%s is not valid before %s", what, cert.NotBefore.UTC().Format(time.RFC3339))
	} else if left <= 0 {
		c.add(checkFail, name, "%s expired on %s: %s", what, cert.NotAfter.UTC().Format(time.RFC3339), expired)
	} else if left < warn {
		c.add(checkWarn, name, "%s expires in %d days (%s): %s", what, int(left.Hours()/24), cert.NotAfter.UTC().Format("2006-01-02"), renew)
	} else {
		c.add(checkPass, name, "%s valid until %s", what, cert.NotAfter.UTC().Format("2006-01-02"))
	}
}

// fieldErrors flattens the joined errors of config loading.
func fieldErrors(err error) []*config.FieldError {
	var out []*config.FieldError
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		var fe *config.FieldError
		if errors.As(e, &fe) && e == error(fe) {
			out = append(out, fe)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		if errors.As(e, &fe) {
			out = append(out, fe)
		}
	}
	walk(err)
	return out
}

func (c *checker) level() {
	if c.cfg.Production() {
		c.add(checkPass, "security_level", "production: weak or insecure settings are refused at start")
		return
	}
	c.add(checkWarn, "security_level", "development: production rules are checked below but not enforced at start (set SECURITY_LEVEL=production)")
}

// secrets checks each secret's source and strength, never its value.
func (c *checker) secrets() {
	type sec struct {
		name, check string
		v           config.Secret
		need        bool
	}
	list := []sec{{"ENCRYPTION_KEY", "encryption_key", c.cfg.EncryptionKey, true}}
	if c.cfg.AsymmetricJWT() {
		c.jwtKeyFile()
	} else {
		list = append([]sec{{"JWT_SECRET_KEY", "jwt_secret_key", c.cfg.JWTSecretKey, true}}, list...)
	}
	if c.cfg.SecurityAlertSecret.IsSet() { // a missing one is reported by alert_signing
		list = append(list, sec{"SECURITY_ALERT_SECRET", "alert_secret", c.cfg.SecurityAlertSecret, c.cfg.SecurityAlertWebhook != ""})
	}
	for _, s := range list {
		src := c.cfg.Sources[s.name]
		switch weak := c.prodProblems(s.name); {
		case len(weak) > 0:
			c.add(checkFail, s.check, "%s %s", s.name, strings.Join(weak, "; "))
		case src == config.SourceGenerated:
			c.add(checkWarn, s.check, "%s generated for development in %s; production needs it from the environment", s.name, filepath.Join(c.cfg.DataDir, config.DevSecretsFile))
		case strings.HasPrefix(src, config.SourceEnvFile):
			c.add(checkWarn, s.check, "%s read from %s; prefer the environment or %s_FILE (a secrets mount)", s.name, c.cfg.EnvFile, s.name)
		case !s.v.IsSet():
			c.add(checkWarn, s.check, "%s not set", s.name)
		default:
			c.add(checkPass, s.check, "%s from %s, %d bytes, not a placeholder or pattern", s.name, src, s.v.Len())
		}
	}
	if weak := c.prodProblems("JWT_PREVIOUS_SECRET_KEYS"); len(weak) > 0 {
		c.add(checkFail, "jwt_previous_keys", "JWT_PREVIOUS_SECRET_KEYS %s", strings.Join(weak, "; "))
	}
}

func (c *checker) jwtKeyFile() {
	if p := c.prodProblems("JWT_PRIVATE_KEY_FILE"); len(p) > 0 {
		c.add(checkFail, "jwt_private_key", "%s", strings.Join(p, "; "))
		return
	}
	if c.cfg.JWTPrivateKeyFile == "" {
		c.add(checkPass, "jwt_private_key", "verify-only replica (%s with JWT_PUBLIC_KEY_FILES)", c.cfg.JWTAlgorithm)
		return
	}
	c.fileMode("jwt_private_key", c.cfg.JWTPrivateKeyFile, 0o077, "private key")
}

// fileMode fails when group or others have any of the bits in forbidden.
func (c *checker) fileMode(name, path string, forbidden os.FileMode, what string) {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		c.add(checkFail, name, "%s %s cannot be read: %v", what, path, errors.Unwrap(err))
	case fi.Mode().Perm()&forbidden != 0:
		c.add(checkFail, name, "%s %s has mode %04o; want 0600 or stricter (chmod 600)", what, path, fi.Mode().Perm())
	default:
		c.add(checkPass, name, "%s %s mode %04o", what, path, fi.Mode().Perm())
	}
}

// https checks TLS files (readable, matching, certificate dates) or a
// trusted TLS-terminating proxy, and HTTPS_REQUIRED.
func (c *checker) https() {
	cfg := c.cfg
	c.prodProblems("TLS_CERT_FILE", "TLS_KEY_FILE")
	switch {
	case cfg.TLSEnabled():
		c.tlsFiles()
	case len(cfg.TrustedProxies) > 0:
		c.add(checkWarn, "https", "TLS is terminated by a proxy in TRUSTED_PROXIES; not verifiable from here: make sure it redirects HTTP and has a valid certificate")
	default:
		c.add(checkFail, "https", "no TLS_CERT_FILE/TLS_KEY_FILE and no TLS-terminating proxy in TRUSTED_PROXIES: traffic would be plain HTTP")
	}
	if c.prodProblems("HTTPS_REQUIRED"); cfg.HTTPSRequired {
		c.add(checkPass, "https_required", "plain-HTTP API calls are refused; HSTS is sent")
	} else {
		c.add(checkFail, "https_required", "HTTPS_REQUIRED=false: plain-HTTP API calls are served")
	}
}

func (c *checker) tlsFiles() {
	cfg := c.cfg
	pemBytes, err := os.ReadFile(cfg.TLSCertFile)
	if err != nil {
		c.add(checkFail, "https", "TLS_CERT_FILE cannot be read: %v", errors.Unwrap(err))
		return
	}
	if _, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile); err != nil {
		c.add(checkFail, "https", "TLS_CERT_FILE and TLS_KEY_FILE do not load as a pair: %v", err)
		return
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		c.add(checkFail, "https", "TLS_CERT_FILE holds no PEM certificate")
		return
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		c.add(checkFail, "https", "TLS_CERT_FILE: %v", err)
		return
	}
	c.certDates("https", "TLS certificate for "+certName(cert), cert, 30*24*time.Hour, "clients refuse it; renew it", "renew it")
	c.fileMode("tls_key_file", cfg.TLSKeyFile, 0o077, "TLS key")
}

func certName(cert *x509.Certificate) string {
	if len(cert.DNSNames) > 0 {
		return strings.Join(cert.DNSNames, ", ")
	}
	if cert.Subject.CommonName != "" {
		return cert.Subject.CommonName
	}
	return "(no name)"
}

func (c *checker) limits() {
	cfg := c.cfg
	reason := fmt.Sprintf("text %d-%d code points, batch 100 texts, uploads %s up to %d bytes", cfg.MinTextLength, cfg.MaxTextLength,
		strings.Join(cfg.AllowedFileTypes, "/"), cfg.MaxFileSize)
	switch {
	case cfg.MaxTextLength > 50000:
		c.add(checkWarn, "input_limits", "%s: MAX_TEXT_LENGTH above 50000 lets one request cost much model time", reason)
	case cfg.MaxFileSize > 50<<20:
		c.add(checkWarn, "input_limits", "%s: MAX_FILE_SIZE above 50 MiB", reason)
	default:
		c.add(checkPass, "input_limits", "%s", reason)
	}
	if p := c.prodProblems("ALLOWED_ORIGINS"); len(p) > 0 {
		c.add(checkFail, "cors", "%s", strings.Join(p, "; "))
	} else if len(cfg.AllowedOrigins) == 0 || !cfg.CORSEnabled {
		c.add(checkPass, "cors", "no cross-origin access")
	} else {
		c.add(checkPass, "cors", "only %d listed origin(s), never * with credentials", len(cfg.AllowedOrigins))
	}
}

func (c *checker) access() {
	cfg := c.cfg
	auth := fmt.Sprintf("every non-public route needs an API key or a %s JWT (deny by default); tokens last %dh, refresh tokens %gh each within a family of at most %gh",
		cfg.JWTAlgorithm, cfg.JWTExpiryHours, cfg.RefreshTokenTTL.Hours(), cfg.RefreshFamilyMaxAge.Hours())
	switch {
	case cfg.JWTExpiryHours > 24:
		c.add(checkWarn, "authentication", "%s: access tokens longer than 24h are hard to revoke", auth)
	case cfg.RefreshFamilyMaxAge > 365*24*time.Hour:
		c.add(checkWarn, "authentication", "%s: REFRESH_FAMILY_MAX_AGE over a year lets a stolen refresh token be rotated that long without the API key", auth)
	default:
		c.add(checkPass, "authentication", "%s", auth)
	}
	c.add(checkPass, "rbac", "roles user, analyst and admin checked on every route, with ownership of predictions (built in, not configurable)")
	switch {
	case cfg.DashboardRequireTOTP:
		c.add(checkPass, "dashboard_mfa", "every dashboard user signs in with a key and a TOTP code (DASHBOARD_REQUIRE_TOTP)")
	case cfg.Production():
		c.add(checkWarn, "dashboard_mfa", "DASHBOARD_REQUIRE_TOTP=false: users who have not enrolled a second factor reach the dashboard with a key alone; keep it only behind another strong authentication")
	default:
		c.add(checkPass, "dashboard_mfa", "a TOTP second factor is optional per user in development (required by default in production)")
	}
	if !cfg.EnableRateLimiting {
		c.add(checkFail, "rate_limiting", "ENABLE_RATE_LIMITING=false: no per-principal or per-IP limits")
		return
	}
	c.add(checkPass, "rate_limiting", "%d requests per %s per principal, %d per %s per IP", cfg.RateLimitRequests, cfg.RateLimitWindow,
		cfg.IPRateLimitRequests, cfg.IPRateLimitWindow)
}

// logging checks that the security log is on and writable, without writing
// to it.
func (c *checker) logging() {
	if !c.cfg.SecurityLoggingEnabled {
		c.add(checkFail, "security_log", "SECURITY_LOGGING_ENABLED=false: no JSON security log (events are still stored)")
		return
	}
	path := c.cfg.SecurityLogPath()
	if fi, err := os.Stat(path); err == nil {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0) // #nosec G304 -- the operator's own SECURITY_LOG_FILE, opened (never written) to test writability
		if err != nil {
			c.add(checkFail, "security_log", "%s is not writable: %v", path, errors.Unwrap(err))
			return
		}
		_ = f.Close()
		if fi.Mode().Perm()&0o077 != 0 {
			c.add(checkWarn, "security_log", "%s is writable but has mode %04o; want 0600", path, fi.Mode().Perm())
			return
		}
		c.add(checkPass, "security_log", "%s writable, mode %04o", path, fi.Mode().Perm())
		return
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".samo-check-*")
	if err != nil {
		c.add(checkFail, "security_log", "%s cannot be created in %s: %v", filepath.Base(path), dir, errors.Unwrap(err))
		return
	}
	name := f.Name()
	_ = f.Close()
	_ = os.Remove(name)
	c.add(checkPass, "security_log", "%s will be created (directory writable)", path)
}
