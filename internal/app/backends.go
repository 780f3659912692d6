package app

import (
	"context"
	"time"

	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/kv"
	"github.com/samo-brain/samo/internal/store"
)

// How SAMO reaches its backends. BACKEND_CA_FILE verifies PostgreSQL
// (unless DATABASE_URL has sslrootcert=), Redis and the model server
// (buildGateway), and the one client certificate of
// BACKEND_CLIENT_CERT_FILE authenticates SAMO to all three (PostgreSQL
// unless DATABASE_URL has sslcert=): ASVS V13.2.1, certificate-based
// authentication instead of passwords in the URLs.

// OpenStore opens DATABASE_URL as every command does. PostgreSQL gets
// BACKEND_CA_FILE's roots and BACKEND_CLIENT_CERT_FILE's certificate
// unless the URL names its own (sslrootcert=, sslcert=). now is the
// store's clock (nil: time.Now).
func OpenStore(ctx context.Context, cfg *config.Config, now func() time.Time) (*store.Store, error) {
	opt := store.Options{Now: now, NoMigrate: !cfg.DatabaseMigrate, ClientCert: cfg.BackendClientCert()}
	if cfg.DatabaseDriver() == "postgres" {
		roots, err := cfg.BackendRootCAs()
		if err != nil {
			return nil, err
		}
		opt.RootCAs = roots
	}
	return store.Open(ctx, string(cfg.DatabaseURL.Reveal()), cfg.DataDir, opt)
}

// redisOptions returns what every connection to REDIS_URL uses, the
// shared pool and the one-shot notices alike: a rediss:// server is
// verified against the system roots and BACKEND_CA_FILE, and is shown
// BACKEND_CLIENT_CERT_FILE's certificate when one is configured.
func redisOptions(cfg *config.Config) (kv.Options, error) {
	roots, err := cfg.BackendRootCAs()
	if err != nil {
		return kv.Options{}, err
	}
	return kv.Options{RootCAs: roots, ClientCert: cfg.BackendClientCert()}, nil
}
