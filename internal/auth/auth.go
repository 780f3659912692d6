// Package auth turns a request's credentials into a reqctx.Principal.
//
// Credentials come only from headers: "X-API-Key: samo_…" or
// "Authorization: Bearer <jwt>". Credentials in the URL (query parameters
// such as api_key, key, token, access_token) are refused outright because
// URLs end up in logs, proxies and browser history. Sending both headers is
// refused as ambiguous.
//
// An API key is checked by apikey.Service (format and checksum first, no
// lookup for a malformed key). A bearer token is verified by token.Service
// (algorithm pinning, claims, deny-list) and then tied back to its API key:
// a revoked or suspended key's tokens stop working at once. The role is read
// from the user record on every request (through a one-second cache), so a
// role change applies to existing tokens and a disabled user's keys and
// tokens are refused (reason user_disabled); a token's permissions claim can
// only narrow the role, never widen it.
//
// A key replaced by rotation and still in its grace period (and any token
// issued from it) authenticates with Principal.Grace set; the surfaces
// then allow it only on the routes that serve the owner's data.
package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/token"
	"github.com/samo-brain/samo/internal/users"
)

// Sentinel errors; every failure wraps one of them in a *Failure.
var (
	ErrMissing         = errors.New("auth: no credentials")
	ErrInvalid         = errors.New("auth: invalid credentials")
	ErrCredentialInURL = errors.New("auth: credentials in URL")
	ErrAmbiguous       = errors.New("auth: both X-API-Key and Authorization sent")
	ErrUnavailable     = errors.New("auth: credential store unavailable")
)

// Reason is a short machine reason for a failed authentication, recorded in
// security events ("reason") and used to pick the intrusion-detection signal.
type Reason string

// Failure reasons.
const (
	ReasonMissing           Reason = "missing"            // no credential at all
	ReasonCredentialInURL   Reason = "key_in_url"         // #nosec G101 -- a reason name (a credential-like query parameter), not a credential
	ReasonAmbiguous         Reason = "ambiguous"          // both X-API-Key and Authorization
	ReasonUnsupportedScheme Reason = "unsupported_scheme" // Authorization that is not "Bearer <token>"
	ReasonMalformedKey      Reason = "malformed_key"      // not the format or checksum of a key
	ReasonUnknownKey        Reason = "unknown_key"
	ReasonRevoked           Reason = "revoked"   // the key (or the token's key) is revoked
	ReasonExpired           Reason = "expired"   // the key is expired
	ReasonSuspended         Reason = "suspended" // the key is suspended
	ReasonInvalidToken      Reason = "invalid_token"
	ReasonRevokedToken      Reason = "revoked_token" // the token was logged out or revoked
	ReasonUnknownUser       Reason = "unknown_user"
	ReasonUserDisabled      Reason = "user_disabled"
	ReasonStoreError        Reason = "store_error" // with ErrUnavailable: not the caller's fault
)

// Failure describes why authentication failed, for events and metrics. It
// never holds the credential itself.
type Failure struct {
	Err    error  // one of the sentinels
	Reason Reason // short machine reason
	Hint   string // SHA-256 prefix of a presented credential (key-enumeration detection), never the credential
	KeyID  string // the key involved when known
	Cause  error  // internal detail, for logs only
}

// Error returns the sentinel and the reason.
func (f *Failure) Error() string { return f.Err.Error() + ": " + string(f.Reason) }

// Unwrap returns the sentinel.
func (f *Failure) Unwrap() error { return f.Err }

// UserLookup reads users by id.
type UserLookup interface {
	UserByID(ctx context.Context, id string) (users.User, error)
}

// Authenticator authenticates requests.
type Authenticator struct {
	keys   *apikey.Service
	tokens *token.Service
	users  UserLookup
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]cachedUser
}

type cachedUser struct {
	u       users.User
	expires time.Time
}

// userCacheTTL bounds how long a role change or a disabled user takes to
// apply on a replica that missed the user notice.
const userCacheTTL = time.Second

// InvalidateUser drops user id from the cache, so a change to the user
// (disabled, enabled) applies to the next request; for user notices from
// other replicas.
func (a *Authenticator) InvalidateUser(id string) {
	a.mu.Lock()
	delete(a.cache, id)
	a.mu.Unlock()
}

// PurgeUsers empties the user cache, e.g. after a pub/sub reconnection
// when notices may have been missed.
func (a *Authenticator) PurgeUsers() {
	a.mu.Lock()
	clear(a.cache)
	a.mu.Unlock()
}

// New returns an Authenticator. tokens may be nil (bearer tokens refused).
func New(keys *apikey.Service, tokens *token.Service, ul UserLookup, now func() time.Time) *Authenticator {
	if now == nil {
		now = time.Now
	}
	return &Authenticator{keys: keys, tokens: tokens, users: ul, now: now, cache: map[string]cachedUser{}}
}

// urlCredentialParams are query parameters that look like credentials.
var urlCredentialParams = []string{"api_key", "apikey", "key", "token", "access_token", "jwt", "refresh_token"}

// Authenticate returns the principal for r's credentials.
func (a *Authenticator) Authenticate(r *http.Request) (*reqctx.Principal, error) {
	q := r.URL.Query()
	for _, p := range urlCredentialParams {
		if q.Has(p) {
			return nil, &Failure{Err: ErrCredentialInURL, Reason: ReasonCredentialInURL}
		}
	}
	key := r.Header.Get("X-Api-Key") // X-API-Key, in the canonical form Get would compute (and allocate) per request
	authz := r.Header.Get("Authorization")
	// Plain ifs rather than a switch: coverage instrumentation (and so
	// mutation testing) sees the conditions of if statements, not of cases.
	if key != "" && authz != "" {
		return nil, &Failure{Err: ErrAmbiguous, Reason: ReasonAmbiguous}
	}
	if key != "" {
		return a.withKey(r.Context(), key)
	}
	if authz == "" {
		return nil, &Failure{Err: ErrMissing, Reason: ReasonMissing}
	}
	scheme, cred, ok := strings.Cut(authz, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || cred == "" {
		return nil, &Failure{Err: ErrInvalid, Reason: ReasonUnsupportedScheme}
	}
	return a.withToken(r.Context(), strings.TrimSpace(cred))
}

// AuthenticateKey checks a raw API key (dashboard sign-in).
func (a *Authenticator) AuthenticateKey(ctx context.Context, key string) (*reqctx.Principal, error) {
	return a.withKey(ctx, key)
}

func hint(cred string) string {
	sum := sha256.Sum256([]byte(cred))
	return hex.EncodeToString(sum[:6])
}

func (a *Authenticator) withKey(ctx context.Context, presented string) (*reqctx.Principal, error) {
	k, err := a.keys.Authenticate(ctx, presented)
	if err != nil {
		return nil, keyFailure(err, hint(presented))
	}
	p, err := a.principal(ctx, k.UserID, k.ID, "", reqctx.MethodAPIKey, nil)
	if p != nil {
		p.Grace = k.ReplacedBy != ""
	}
	return p, err
}

func keyFailure(err error, h string) *Failure {
	f := &Failure{Err: ErrInvalid, Hint: h, Cause: err}
	var ke *apikey.KeyError
	if errors.As(err, &ke) {
		f.KeyID = ke.KeyID
	}
	switch {
	case errors.Is(err, apikey.ErrMalformed):
		f.Reason = ReasonMalformedKey
	case errors.Is(err, apikey.ErrNotFound):
		f.Reason = ReasonUnknownKey
	case errors.Is(err, apikey.ErrRevoked):
		f.Reason = ReasonRevoked
	case errors.Is(err, apikey.ErrExpired):
		f.Reason = ReasonExpired
	case errors.Is(err, apikey.ErrSuspended):
		f.Reason = ReasonSuspended
	default:
		f.Err, f.Reason = ErrUnavailable, ReasonStoreError
	}
	return f
}

func (a *Authenticator) withToken(ctx context.Context, bearer string) (*reqctx.Principal, error) {
	if a.tokens == nil {
		return nil, &Failure{Err: ErrInvalid, Reason: ReasonInvalidToken}
	}
	c, err := a.tokens.Authenticate(ctx, bearer)
	if err != nil {
		reason := ReasonInvalidToken
		if errors.Is(err, token.ErrRevoked) {
			reason = ReasonRevokedToken
		}
		if errors.Is(err, token.ErrUnavailable) {
			return nil, &Failure{Err: ErrUnavailable, Reason: ReasonStoreError, Cause: err}
		}
		return nil, &Failure{Err: ErrInvalid, Reason: reason, Hint: hint(bearer), Cause: err}
	}
	// The key that the token was issued from must still be valid; a token
	// of a key in its rotation grace period is as limited as the key.
	grace := false
	if c.APIKeyID != "" {
		k, err := a.keys.Check(ctx, c.APIKeyID)
		if err != nil {
			return nil, keyFailure(err, "")
		}
		grace = k.ReplacedBy != ""
	}
	scope := make([]rbac.Permission, 0, len(c.Permissions))
	for _, p := range c.Permissions {
		scope = append(scope, rbac.Permission(p))
	}
	p, err := a.principal(ctx, c.UserID, c.APIKeyID, c.ID, reqctx.MethodJWT, scope)
	if p != nil {
		p.Grace = grace
	}
	return p, err
}

func (a *Authenticator) principal(ctx context.Context, userID, keyID, jti, method string, scope []rbac.Permission) (*reqctx.Principal, error) {
	u, err := a.user(ctx, userID)
	if err != nil {
		if errors.Is(err, users.ErrNotFound) {
			return nil, &Failure{Err: ErrInvalid, Reason: ReasonUnknownUser, KeyID: keyID}
		}
		return nil, &Failure{Err: ErrUnavailable, Reason: ReasonStoreError, Cause: err}
	}
	if u.Disabled() {
		return nil, &Failure{Err: ErrInvalid, Reason: ReasonUserDisabled, KeyID: keyID}
	}
	return &reqctx.Principal{UserID: u.ID, UserName: u.Name, Role: u.Role, KeyID: keyID, TokenID: jti, Method: method, Scope: scope}, nil
}

func (a *Authenticator) user(ctx context.Context, id string) (users.User, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := a.cache[id]
	a.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.u, nil
	}
	u, err := a.users.UserByID(ctx, id)
	if err != nil {
		return u, err
	}
	a.mu.Lock()
	if len(a.cache) > 10000 {
		clear(a.cache)
	}
	a.cache[id] = cachedUser{u: u, expires: now.Add(userCacheTTL)}
	a.mu.Unlock()
	return u, nil
}
