package cli

// The part of `samo check` about how SAMO authenticates to its backends
// (ASVS V13.2.1): the client certificate's dates and key file, and, for
// each configured backend, whether a client certificate or a password in
// the URL is the credential. Secrets are never printed.

import (
	"net"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"

	"github.com/samo-brain/samo/internal/config"
)

// backendCred is what SAMO presents to one backend.
type backendCred struct {
	name     string // "PostgreSQL", "Redis", "the model server"
	cert     bool   // a client certificate over TLS
	password bool   // a password from the URL (or, for PostgreSQL, PGPASSWORD or a passfile)
	local    bool   // every address is a Unix socket or loopback
}

// backendAuth reports BACKEND_CLIENT_CERT_FILE (dates, key file mode) and
// one backend_auth line per configured backend.
func (c *checker) backendAuth() {
	cfg := c.cfg
	if cert := cfg.BackendClientCert(); cert != nil {
		c.prodProblems("BACKEND_CLIENT_CERT_FILE")
		c.certDates("backend_client_cert", "BACKEND_CLIENT_CERT_FILE (CN "+cert.Leaf.Subject.CommonName+")", cert.Leaf,
			config.ClientCertExpiryWarning, "backends refuse it; issue a new one and restart", "issue a new one and restart before then")
		c.fileMode("backend_client_key", cfg.BackendClientKeyFile, 0o077, "BACKEND_CLIENT_KEY_FILE")
	}
	var creds []backendCred
	if cfg.DatabaseDriver() == "postgres" {
		creds = append(creds, postgresCred(cfg))
	}
	if cfg.RedisURL.IsSet() {
		creds = append(creds, redisCred(cfg))
	}
	if cfg.ModelBackendURL != "" {
		creds = append(creds, modelCred(cfg))
	}
	for _, b := range creds {
		c.backendAuthLine(b)
	}
}

// backendAuthLine adds the backend_auth line of b: a client certificate
// alone passes; a password in the URL is a WARN in production (an
// unchanging credential, V13.2.1); no credential at all passes on this
// host (the server's own authentication, such as peer) and is a WARN in
// production elsewhere.
func (c *checker) backendAuthLine(b backendCred) {
	const fix = "set BACKEND_CLIENT_CERT_FILE and BACKEND_CLIENT_KEY_FILE, have the server require the certificate, and remove the password"
	status := checkPass
	if c.cfg.Production() {
		status = checkWarn
	}
	switch {
	case b.password && b.cert:
		c.add(status, "backend_auth", "%s: client certificate, and a password in the URL as well, an unchanging credential (ASVS V13.2.1): remove the password once the server requires the certificate", b.name)
	case b.password:
		c.add(status, "backend_auth", "%s: password in the URL, an unchanging credential (ASVS V13.2.1): %s", b.name, fix)
	case b.cert:
		c.add(checkPass, "backend_auth", "%s: client certificate (BACKEND_CLIENT_CERT_FILE or the URL's own), no password", b.name)
	case b.local:
		c.add(checkPass, "backend_auth", "%s: no password or certificate, on this host (the server's own authentication, such as peer on a Unix socket)", b.name)
	default:
		c.add(status, "backend_auth", "%s: SAMO presents no credential (ASVS V13.2.1): anyone who reaches it can use it; set BACKEND_CLIENT_CERT_FILE and BACKEND_CLIENT_KEY_FILE and have the server require the certificate", b.name)
	}
}

// postgresCred reads DATABASE_URL as pgx will (PG* variables and the
// passfile included).
func postgresCred(cfg *config.Config) backendCred {
	b := backendCred{name: "PostgreSQL"}
	pc, err := pgconn.ParseConfig(string(cfg.DatabaseURL.Reveal()))
	if err != nil {
		return b // the configuration check reports it
	}
	b.password = pc.Password != ""
	b.local, b.cert = true, true
	for _, h := range append([]*pgconn.FallbackConfig{{Host: pc.Host, Port: pc.Port, TLSConfig: pc.TLSConfig}}, pc.Fallbacks...) {
		if network, _ := pgconn.NetworkAddress(h.Host, h.Port); network != "unix" && !loopbackHost(h.Host) {
			b.local = false
		}
		own := h.TLSConfig != nil && len(h.TLSConfig.Certificates) > 0
		given := h.TLSConfig != nil && cfg.BackendClientCert() != nil && pc.SSLCertMode != "disable"
		if !own && !given {
			b.cert = false
		}
	}
	return b
}

func redisCred(cfg *config.Config) backendCred {
	b := backendCred{name: "Redis"}
	o, err := redis.ParseURL(string(cfg.RedisURL.Reveal()))
	if err != nil {
		return b
	}
	host, _, _ := net.SplitHostPort(o.Addr)
	b.password = o.Password != ""
	b.cert = o.TLSConfig != nil && cfg.BackendClientCert() != nil
	b.local = o.Network == "unix" || loopbackHost(host)
	return b
}

func modelCred(cfg *config.Config) backendCred {
	b := backendCred{name: "the model server"}
	u, err := url.Parse(cfg.ModelBackendURL)
	if err != nil {
		return b
	}
	_, b.password = u.User.Password()
	b.cert = strings.EqualFold(u.Scheme, "https") && cfg.BackendClientCert() != nil
	b.local = loopbackHost(u.Hostname())
	return b
}

// loopbackHost reports whether host is "localhost" or a loopback address.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
