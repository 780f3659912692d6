package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/token"
)

// issueToken exchanges the API key that authenticated the request for an
// access/refresh pair. Tokens can only be obtained with a key, so a token
// never outlives the key's revocation.
func (a *API) issueToken(w http.ResponseWriter, r *http.Request) error {
	if a.Tokens == nil {
		return problem.Errorf(http.StatusNotFound, "not_found", "Token authentication is not enabled.")
	}
	p, _ := reqctx.PrincipalFrom(r.Context())
	if p.Method != reqctx.MethodAPIKey {
		return problem.Errorf(http.StatusBadRequest, "api_key_required", "Exchange an API key (X-API-Key) for tokens; use /v1/auth/refresh to renew tokens.")
	}
	if r.ContentLength > 0 {
		var empty struct{}
		if err := decodeJSON(w, r, 1024, &empty); err != nil {
			return err
		}
	}
	perms := make([]string, 0, 5)
	for _, pm := range p.Role.Permissions() {
		perms = append(perms, string(pm))
	}
	pair, err := a.Tokens.IssuePair(r.Context(), p.UserID, p.KeyID, perms)
	if err != nil {
		return tokenError(err)
	}
	writeJSON(w, http.StatusOK, pair)
	return nil
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (a *API) refreshToken(w http.ResponseWriter, r *http.Request) error {
	if a.Tokens == nil {
		return problem.Errorf(http.StatusNotFound, "not_found", "Token authentication is not enabled.")
	}
	var req refreshRequest
	if err := decodeJSON(w, r, 4096, &req, "refresh_token"); err != nil {
		return err
	}
	if req.RefreshToken == "" {
		return fieldProblem("refresh_token", "required", "refresh_token is required")
	}
	pair, err := a.Tokens.Refresh(r.Context(), req.RefreshToken)
	if err != nil {
		if info, ok := reqctx.From(r.Context()); ok {
			a.observe(r, info, "auth_failure", "")
		}
		return tokenError(err)
	}
	writeJSON(w, http.StatusOK, pair)
	return nil
}

func (a *API) logout(w http.ResponseWriter, r *http.Request) error {
	if a.Tokens == nil {
		return problem.Errorf(http.StatusNotFound, "not_found", "Token authentication is not enabled.")
	}
	p, _ := reqctx.PrincipalFrom(r.Context())
	if p.Method != "jwt" {
		return problem.Errorf(http.StatusBadRequest, "bearer_required", "Logout revokes a bearer token; send it in the Authorization header.")
	}
	bearer := strings.TrimSpace(r.Header.Get("Authorization")[len("Bearer "):])
	claims, err := a.Tokens.Authenticate(r.Context(), bearer)
	if err != nil {
		return tokenError(err)
	}
	if err := a.Tokens.Logout(r.Context(), claims); err != nil {
		return tokenError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func tokenError(err error) error {
	switch {
	case errors.Is(err, token.ErrUnavailable):
		return problem.Unavailable("Token storage", err)
	case errors.Is(err, apikey.ErrRotated):
		return keyInGrace() // the family's key was replaced: exchange the new key
	case errors.Is(err, token.ErrRefreshReused):
		return &problem.Error{Status: http.StatusUnauthorized, Code: "refresh_token_reused", Title: "Unauthorized",
			Detail: "This refresh token was already used; every token of its family is now revoked. Sign in again with an API key."}
	case errors.Is(err, token.ErrRefreshUnknown), errors.Is(err, token.ErrRefreshExpired), errors.Is(err, token.ErrRevoked),
		errors.Is(err, token.ErrRefreshRevoked), errors.Is(err, token.ErrRefreshMalformed), errors.Is(err, token.ErrRefreshDenied):
		return &problem.Error{Status: http.StatusUnauthorized, Code: "invalid_refresh_token", Title: "Unauthorized",
			Detail: "The refresh token is not valid (unknown, expired or revoked)."}
	}
	var e *problem.Error
	if errors.As(err, &e) {
		return e
	}
	return problem.Internal(err)
}
