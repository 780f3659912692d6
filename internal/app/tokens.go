package app

import (
	"context"
	"fmt"
	"time"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/token"
	"github.com/samo-brain/samo/internal/users"
)

// KeySet builds the JWT key set: HS256 from JWT_SECRET_KEY (plus
// JWT_PREVIOUS_SECRET_KEYS still accepted), or an asymmetric algorithm from
// JWT_PRIVATE_KEY_FILE and JWT_PUBLIC_KEY_FILES.
func KeySet(cfg *config.Config) (*token.KeySet, error) {
	if cfg.AsymmetricJWT() {
		return token.LoadKeySetFiles(cfg.JWTAlgorithm, cfg.JWTPrivateKeyFile, cfg.JWTPublicKeyFiles...)
	}
	var prev [][]byte
	for _, s := range cfg.JWTPreviousSecretKeys {
		prev = append(prev, s.Reveal())
	}
	return token.NewHMACKeySet(cfg.JWTSecretKey.Reveal(), prev...)
}

// Issuer builds the JWT issuer from the configuration.
func Issuer(cfg *config.Config, now func() time.Time) (*token.Issuer, error) {
	ks, err := KeySet(cfg)
	if err != nil {
		return nil, fmt.Errorf("JWT keys: %w", err)
	}
	return token.NewIssuer(tokenConfig(cfg), ks, now)
}

// tokenConfig is how cfg says tokens are issued and verified: the
// Issuer's configuration, and what revoking from the host keeps the
// revocations for (EndAllSessions).
func tokenConfig(cfg *config.Config) token.Config {
	return token.Config{
		Algorithm: cfg.JWTAlgorithm, Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience,
		TTL:                 time.Duration(cfg.JWTExpiryHours) * time.Hour,
		MaxLifetime:         time.Duration(cfg.JWTMaxExpiryHours) * time.Hour,
		RefreshTTL:          cfg.RefreshTokenTTL,
		RefreshFamilyMaxAge: cfg.RefreshFamilyMaxAge,
	}
}

func (a *App) buildTokens(now func() time.Time) (*token.Service, error) {
	iss, err := Issuer(a.Cfg, now)
	if err != nil {
		return nil, err
	}
	a.jwks = iss.KeySet().JWKS
	deny := a.scale.deny
	return token.NewService(token.Deps{
		Issuer: iss, Store: a.Store, DenyList: deny, Events: a.Events,
		Grants: grants{keys: a.Keys, users: a.Store},
	})
}

// grants answers token.Grants from the key and user records: a refresh only
// succeeds while the key is usable and not replaced by rotation, with the
// user's current role.
type grants struct {
	keys  *apikey.Service
	users users.Store
}

func (g grants) Permissions(ctx context.Context, userID, keyID string) ([]string, error) {
	k, err := g.keys.Check(ctx, keyID)
	if err != nil {
		return nil, err
	}
	if k.UserID != userID {
		return nil, fmt.Errorf("app: key %s does not belong to the token's user", keyID)
	}
	if k.ReplacedBy != "" {
		// In its rotation grace period the key serves data, not token
		// exchange: the client must exchange the new key.
		return nil, &apikey.KeyError{KeyID: k.ID, UserID: k.UserID, Err: apikey.ErrRotated}
	}
	u, err := g.users.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.Disabled() {
		return nil, users.ErrDisabled
	}
	var out []string
	for _, p := range u.Role.Permissions() {
		out = append(out, string(p))
	}
	return out, nil
}
