package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/seal"
	"github.com/samo-brain/samo/internal/store"
)

// KeyringReloadInterval is how often a server re-reads the stored keyring
// to pick up a rotation started elsewhere.
const KeyringReloadInterval = 2 * time.Second

// MasterKey parses ENCRYPTION_KEY.
func MasterKey(cfg *config.Config) (*seal.MasterKey, error) {
	if !cfg.EncryptionKey.IsSet() {
		return nil, errors.New("ENCRYPTION_KEY is not set")
	}
	mk, err := seal.ParseMasterKey(string(cfg.EncryptionKey.Reveal()))
	if err != nil {
		return nil, fmt.Errorf("ENCRYPTION_KEY: %w", err)
	}
	return mk, nil
}

// OpenKeyring unwraps the stored data-encryption keyring with
// ENCRYPTION_KEY, creating it on the first start with one active key of
// ENCRYPTION_ALGORITHM. Concurrent first starts agree on one keyring.
func OpenKeyring(ctx context.Context, cfg *config.Config, st *store.Store) (*seal.Keyring, error) {
	mk, err := MasterKey(cfg)
	if err != nil {
		return nil, err
	}
	blob, err := st.Keyring(ctx)
	if errors.Is(err, store.ErrNotFound) {
		alg, err := seal.ParseAlgorithm(cfg.EncryptionAlgorithm)
		if err != nil {
			return nil, err
		}
		ring, err := seal.New(alg, time.Now)
		if err != nil {
			return nil, err
		}
		fresh, err := ring.Wrap(mk)
		if err != nil {
			return nil, err
		}
		if blob, err = st.InitKeyring(ctx, fresh); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	ring, err := seal.Unwrap(blob, mk, time.Now)
	if errors.Is(err, seal.ErrWrongKey) {
		return nil, errors.New("ENCRYPTION_KEY does not open the stored keyring (wrong key?); refusing to start rather than write data nobody can read")
	}
	return ring, err
}

// KeyService builds the API-key service from the configuration.
func KeyService(cfg *config.Config, st *store.Store) *apikey.Service {
	return apikey.NewService(apikey.Config{
		Length:      cfg.APIKeyLength,
		IdleExpiry:  cfg.APIKeyRotationInterval,
		BackupCount: cfg.APIKeyBackupCount,
		OnChange:    keyNotifier(cfg), // revocation notices to other replicas (scaleout.go)
	}, st, time.Now)
}
