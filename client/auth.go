package client

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"
)

// TokenSource supplies the access token of each request.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// StaticToken is a TokenSource that always returns the same token.
type StaticToken string

// Token returns the token.
func (t StaticToken) Token(context.Context) (string, error) { return string(t), nil }

// String hides the token.
func (StaticToken) String() string { return "[redacted]" }

// GoString hides the token from %#v.
func (StaticToken) GoString() string { return "[redacted]" }

// Token exchanges the client's API key for an access token and a refresh
// token (POST /v1/auth/token). Tokens never outlive the key's revocation.
func (c *Client) Token(ctx context.Context) (*TokenPair, error) {
	var p TokenPair
	if err := c.do(ctx, call{method: http.MethodPost, path: "/v1/auth/token", auth: authKey, out: &p}); err != nil {
		return nil, err
	}
	return &p, nil
}

// Refresh rotates a refresh token (POST /v1/auth/refresh): the answer is a
// new pair and the old refresh token is spent. Presenting a spent refresh
// token again revokes its whole family (ErrUnauthorized, code
// "refresh_token_reused").
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*TokenPair, error) {
	body := struct {
		RefreshToken string `json:"refresh_token"`
	}{refreshToken}
	var p TokenPair
	if err := c.do(ctx, call{method: http.MethodPost, path: "/v1/auth/refresh", body: body, auth: authNone, out: &p}); err != nil {
		return nil, err
	}
	return &p, nil
}

// Logout revokes the client's bearer token and its refresh family (POST
// /v1/auth/logout).
func (c *Client) Logout(ctx context.Context) error {
	return c.do(ctx, call{method: http.MethodPost, path: "/v1/auth/logout", auth: authBearer})
}

// KeyTokenSource is a TokenSource that exchanges an API key for tokens and
// refreshes them before they expire, falling back to a new exchange when
// the refresh token is refused. It is safe for concurrent use; one caller
// fetches while the others wait.
type KeyTokenSource struct {
	keys *Client // authenticates with the API key
	now  func() time.Time

	mu      sync.Mutex
	pair    *TokenPair
	expires time.Time
}

// NewKeyTokenSource returns a source that gets its tokens through
// keyClient, a Client configured WithAPIKey.
func NewKeyTokenSource(keyClient *Client) *KeyTokenSource {
	return &KeyTokenSource{keys: keyClient, now: time.Now}
}

// tokenMargin is how long before expiry a token is renewed.
const tokenMargin = 30 * time.Second

// Token returns a valid access token, fetching one when needed.
func (s *KeyTokenSource) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.pair != nil && now.Add(tokenMargin).Before(s.expires) {
		return s.pair.AccessToken, nil
	}
	var p *TokenPair
	var err error
	if s.pair != nil && s.pair.RefreshToken != "" {
		p, err = s.keys.Refresh(ctx, s.pair.RefreshToken)
		if err != nil && !errors.Is(err, ErrUnauthorized) {
			return "", err
		}
	}
	if p == nil {
		if p, err = s.keys.Token(ctx); err != nil {
			s.pair = nil
			return "", err
		}
	}
	s.pair, s.expires = p, now.Add(time.Duration(p.ExpiresIn)*time.Second)
	return p.AccessToken, nil
}
