package config

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"
)

// checkDatabaseTLS adds production's rule for the connection to
// PostgreSQL: it is encrypted and verifies the server's certificate and
// name, unless it never leaves the host (a loopback address, "localhost"
// or a Unix socket). There is no opt-out: a private network is not an
// encrypted one.
func (c *Config) checkDatabaseTLS(p *problems) {
	if c.DatabaseDriver() == "postgres" {
		if why := postgresPlaintext(string(c.DatabaseURL.b)); why != "" {
			p.add("DATABASE_URL", ErrInsecureProduction, "%s; production needs sslmode=verify-full (BACKEND_CA_FILE or sslrootcert=FILE for a private CA) unless every host is loopback or a Unix socket", why)
		}
	}
}

// checkRedisTLS adds the rule of checkDatabaseTLS for Redis.
func (c *Config) checkRedisTLS(p *problems) {
	if v := string(c.RedisURL.b); v != "" {
		if why := redisPlaintext(v); why != "" {
			p.add("REDIS_URL", ErrInsecureProduction, "%s; production needs rediss:// (BACKEND_CA_FILE for a private CA) unless the host is loopback or a Unix socket", why)
		}
	}
}

// checkBackendTLS adds the rule of checkDatabaseTLS for SAMO's other
// backends: Redis and the model server.
func (c *Config) checkBackendTLS(p *problems) {
	c.checkRedisTLS(p)
	if v := c.ModelBackendURL; v != "" {
		if u, err := url.Parse(v); err == nil && !strings.EqualFold(u.Scheme, "https") && !localHost(u.Hostname()) {
			p.add("MODEL_BACKEND_URL", ErrInsecureProduction, "must be an https URL in production unless its host is loopback")
		}
	}
}

// postgresPlaintext says why the PostgreSQL URL v could connect without a
// verified TLS session ("" when it cannot), as pgx will read it (PG*
// environment variables included): every host it may try, fallbacks
// included, is a Unix socket, loopback, or TLS with the certificate and
// name verified (sslmode=verify-full). The reason never quotes v.
func postgresPlaintext(v string) string {
	cfg, err := pgconn.ParseConfig(v)
	if err != nil {
		return "it does not parse as a PostgreSQL URL, or a file it names cannot be read"
	}
	hosts := append([]*pgconn.FallbackConfig{{Host: cfg.Host, Port: cfg.Port, TLSConfig: cfg.TLSConfig}}, cfg.Fallbacks...)
	for _, h := range hosts {
		if network, _ := pgconn.NetworkAddress(h.Host, h.Port); network == "unix" || localHost(h.Host) {
			continue
		}
		switch {
		case h.TLSConfig == nil:
			return "a connection to a remote host may be plaintext (sslmode disable, allow or prefer, the default)"
		case h.TLSConfig.InsecureSkipVerify:
			return "sslmode does not verify the server's certificate and name (require, verify-ca, allow or prefer)"
		}
	}
	return ""
}

// redisPlaintext says why the Redis URL v could connect without a verified
// TLS session ("" when it cannot), as go-redis reads it.
func redisPlaintext(v string) string {
	o, err := redis.ParseURL(v)
	if err != nil {
		return "it does not parse as a Redis URL"
	}
	if o.Network == "unix" {
		return ""
	}
	host, _, _ := net.SplitHostPort(o.Addr)
	switch {
	case o.TLSConfig == nil && !localHost(host):
		return "redis:// to a remote host is plaintext"
	case o.TLSConfig != nil && o.TLSConfig.InsecureSkipVerify:
		return "skip_verify turns off certificate verification"
	}
	return ""
}

// localHost reports whether host names this machine: "localhost" or a
// loopback address.
func localHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// checkCAFile checks that a set CA file holds at least one PEM certificate.
func checkCAFile(p *problems, name, path string) {
	if path == "" {
		return
	}
	b, err := os.ReadFile(path) // #nosec G304 -- the path is the operator's own configuration (BACKEND_CA_FILE)
	if err != nil {
		return // fileExists reports it
	}
	if _, err := ParseCAFile(b); err != nil {
		p.add(name, ErrInvalidValue, "%s: %v", path, err)
	}
}

// ParseCAFile returns the certificates of a PEM bundle; an empty bundle or
// a block that is not a valid certificate is an error.
func ParseCAFile(b []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("a %q PEM block is not a certificate", blk.Type)
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return certs, nil
}

// BackendRootCAs returns the pool that verifies Redis, the model server
// and PostgreSQL (when DATABASE_URL names no sslrootcert=): the system
// roots plus BACKEND_CA_FILE's certificates, or nil (the system roots
// alone) when it is not set.
func (c *Config) BackendRootCAs() (*x509.CertPool, error) {
	if c.BackendCAFile == "" {
		return nil, nil
	}
	b, err := os.ReadFile(c.BackendCAFile)
	if err != nil {
		return nil, fmt.Errorf("BACKEND_CA_FILE: %w", err)
	}
	certs, err := ParseCAFile(b)
	if err != nil {
		return nil, fmt.Errorf("BACKEND_CA_FILE: %s: %w", c.BackendCAFile, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool() // no system roots (e.g. FROM scratch without a bundle)
	}
	for _, cert := range certs {
		pool.AddCert(cert)
	}
	return pool, nil
}
