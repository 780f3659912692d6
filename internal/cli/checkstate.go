package cli

// The parts of `samo check` that read the filesystem and the store:
// data-directory permissions, backups, key ages, open incidents, the alert
// outbox and the dependency scan.

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/store"
)

// files checks the data directory, the development secrets file, the
// .env.security file, the SQLite database and the metrics listener.
func (c *checker) files() {
	cfg := c.cfg
	fi, err := os.Stat(cfg.DataDir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		c.add(checkWarn, "data_dir", "%s does not exist yet (created with mode 0700 on first start)", cfg.DataDir)
	case err != nil:
		c.add(checkFail, "data_dir", "%s cannot be read: %v", cfg.DataDir, errors.Unwrap(err))
	case !fi.IsDir():
		c.add(checkFail, "data_dir", "%s is not a directory", cfg.DataDir)
	case fi.Mode().Perm()&0o077 != 0:
		c.add(checkFail, "data_dir", "%s has mode %04o; want 0700 (it holds the database and secrets)", cfg.DataDir, fi.Mode().Perm())
	default:
		c.add(checkPass, "data_dir", "%s mode %04o", cfg.DataDir, fi.Mode().Perm())
	}
	secrets := filepath.Join(cfg.DataDir, config.DevSecretsFile)
	if _, err := os.Stat(secrets); err == nil {
		if cfg.Production() {
			c.add(checkWarn, "secrets_file", "%s (development secrets) exists in a production data directory; production ignores it: remove it", secrets)
		} else {
			c.fileMode("secrets_file", secrets, 0o077, "development secrets")
		}
	} else {
		c.add(checkPass, "secrets_file", "no development secrets file: secrets come from the environment")
	}
	if cfg.EnvFile != "" {
		c.fileMode("env_file", cfg.EnvFile, 0o077, ".env.security")
	}
	if cfg.DatabaseDriver() == "sqlite" {
		if db := sqlitePath(cfg); db != "" {
			if _, err := os.Stat(db); err == nil {
				c.fileMode("database_file", db, 0o077, "SQLite database")
			}
		}
	} else {
		c.postgresTLS()
	}
	c.add(checkWarn, "backups", "not verifiable at run time: back up the database (and the secrets, separately) encrypted, and test a restore")
	c.metricsListener()
}

// sqlitePath is the SQLite file the store would open.
func sqlitePath(cfg *config.Config) string {
	u := string(cfg.DatabaseURL.Reveal())
	p := strings.TrimPrefix(strings.TrimPrefix(u, "sqlite:"), "file:")
	if p == "" {
		return filepath.Join(cfg.DataDir, "samo.db")
	}
	return p
}

// postgresTLS warns when a remote PostgreSQL connection may be in clear.
func (c *checker) postgresTLS() {
	u, err := url.Parse(string(c.cfg.DatabaseURL.Reveal()))
	if err != nil {
		return
	}
	host := u.Hostname()
	local := host == "" || host == "localhost" || strings.HasPrefix(host, "/")
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		local = true
	}
	switch mode := u.Query().Get("sslmode"); {
	case mode == "verify-full":
		c.add(checkPass, "database_tls", "PostgreSQL over TLS with certificate and host verification")
	case local:
		c.add(checkPass, "database_tls", "PostgreSQL on this host")
	case mode == "require" || mode == "verify-ca":
		c.add(checkWarn, "database_tls", "PostgreSQL sslmode=%s does not check the server's host name; prefer verify-full", mode)
	default:
		c.add(checkFail, "database_tls", "remote PostgreSQL without sslmode=verify-full: credentials and data may travel in clear")
	}
}

func (c *checker) metricsListener() {
	addr := c.cfg.MetricsAddr
	if addr == "" {
		c.add(checkWarn, "metrics", "METRICS_ADDR not set: no Prometheus metrics")
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err == nil && (host == "localhost" || ip != nil && ip.IsLoopback()) {
		c.add(checkPass, "metrics", "Prometheus metrics on %s (this host only)", addr)
		return
	}
	c.add(checkWarn, "metrics", "Prometheus metrics on %s are reachable from the network and unauthenticated: restrict them with a firewall", addr)
}

// runtimeState reads the store: key ages against the rotation interval,
// open incidents, undelivered alerts. It never creates a database.
func (c *checker) runtimeState(ctx context.Context) {
	cfg := c.cfg
	if cfg.DatabaseDriver() == "sqlite" {
		if _, err := os.Stat(sqlitePath(cfg)); err != nil {
			c.add(checkWarn, "store", "no database yet: key ages, incidents and alerts not checked")
			return
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st, err := openStore(ctx, cfg)
	if err != nil {
		c.add(checkWarn, "store", "database unavailable: key ages, incidents and alerts not checked (%v)", errors.Unwrap(err))
		return
	}
	defer st.Close()
	c.keyAges(ctx, st)
	c.openIncidents(ctx, st)
	c.outbox(ctx, st)
}

func (c *checker) keyAges(ctx context.Context, st *store.Store) {
	interval := c.cfg.APIKeyRotationInterval
	keys, err := st.ListKeys(ctx, "")
	if err != nil {
		c.add(checkWarn, "key_rotation", "keys could not be listed: %v", err)
		return
	}
	now := c.opt.now()
	active, old := 0, 0
	var oldest time.Duration
	for _, k := range keys {
		if k.Status != apikey.StatusActive || k.ReplacedBy != "" || (k.ExpiresAt != nil && !k.ExpiresAt.After(now)) {
			continue
		}
		active++
		if age := now.Sub(k.CreatedAt); interval > 0 && age > interval {
			old++
			oldest = max(oldest, age)
		}
	}
	switch {
	case interval <= 0:
		c.add(checkWarn, "key_rotation", "API_KEY_ROTATION_INTERVAL=0: keys never expire (%d active)", active)
	case old > 0:
		c.add(checkWarn, "key_rotation", "%d of %d active keys are older than API_KEY_ROTATION_INTERVAL (%s), the oldest %d days: rotate them (samo keys rotate)",
			old, active, interval, int(oldest.Hours()/24))
	default:
		c.add(checkPass, "key_rotation", "%d active keys, none older than API_KEY_ROTATION_INTERVAL (%s)", active, interval)
	}
}

func (c *checker) openIncidents(ctx context.Context, st *store.Store) {
	list, err := st.ListIncidents(ctx, incident.Filter{Statuses: []incident.Status{incident.StatusOpen, incident.StatusAcknowledged}, Limit: 100000})
	if err != nil {
		c.add(checkWarn, "incidents", "incidents could not be listed: %v", err)
		return
	}
	if len(list) == 0 {
		c.add(checkPass, "incidents", "no open incidents")
		return
	}
	critical, unacked := 0, 0
	oldest := list[0].CreatedAt
	for _, i := range list {
		if i.Severity == "critical" {
			critical++
		}
		if i.Status == incident.StatusOpen {
			unacked++
		}
		if i.CreatedAt.Before(oldest) {
			oldest = i.CreatedAt
		}
	}
	c.add(checkWarn, "incidents", "%d unresolved incidents (%d critical, %d not acknowledged), the oldest from %s: samo incidents list",
		len(list), critical, unacked, oldest.UTC().Format(time.RFC3339))
}

func (c *checker) outbox(ctx context.Context, st *store.Store) {
	s, err := st.AlertStats(ctx)
	switch {
	case err != nil:
		c.add(checkWarn, "alert_outbox", "alert outbox could not be read: %v", err)
	case s.Dead > 0:
		c.add(checkWarn, "alert_outbox", "%d alerts were given up after repeated failures: GET /v1/admin/security/alerts?state=dead", s.Dead)
	case s.Oldest != nil && c.opt.now().Sub(*s.Oldest) > 15*time.Minute:
		c.add(checkWarn, "alert_outbox", "%d alerts pending, the oldest since %s: the receiver may be down", s.Pending, s.Oldest.UTC().Format(time.RFC3339))
	default:
		c.add(checkPass, "alert_outbox", "%d alerts pending, %d delivered, none given up", s.Pending, s.Delivered)
	}
}

// dependencies reports what can honestly be said at run time: the Go
// toolchain and module versions are embedded, but whether they have known
// vulnerabilities is decided by govulncheck in CI, not here.
func (c *checker) dependencies() {
	mods := 0
	if bi, ok := debug.ReadBuildInfo(); ok {
		mods = len(bi.Deps)
	}
	c.add(checkWarn, "dependencies", "not verifiable at run time: built with %s and %d modules; run `make audit` (govulncheck, offline database) before deploying",
		runtime.Version(), mods)
}
