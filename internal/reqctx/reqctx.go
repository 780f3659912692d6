// Package reqctx carries request-scoped values (request id, client IP, route,
// authenticated principal) through a context with typed, comma-ok accessors.
package reqctx

import (
	"context"
	"net/netip"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
)

// How a Principal authenticated (Principal.Method).
const (
	MethodAPIKey  = "api_key" // X-API-Key
	MethodJWT     = "jwt"     // Authorization: Bearer
	MethodSession = "session" // dashboard session cookie
)

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID   string    // stable user id
	UserName string    // human name of the user
	Role     rbac.Role // the user's role
	KeyID    string    // API key that authenticated the request or issued the token
	TokenID  string    // JWT id (jti) when authenticated with a bearer token
	Method   string    // MethodAPIKey, MethodJWT or MethodSession
	// Scope, when non-nil, narrows the role's permissions (a JWT carries the
	// permissions it was issued with; a demoted user's old tokens lose the
	// rest because the role is read fresh).
	Scope []rbac.Permission
	// Grace is set when the key (or the key that issued the token) has been
	// replaced by rotation and is in its grace period: it may then only be
	// used on routes that serve the owner's data (predict, read own
	// predictions), never for key management, token exchange or admin.
	Grace bool
}

// Can reports whether the principal's role grants p. A nil principal can do
// nothing.
func (p *Principal) Can(perm rbac.Permission) bool {
	if p == nil || !p.Role.Has(perm) {
		return false
	}
	if p.Scope == nil {
		return true
	}
	for _, s := range p.Scope {
		if s == perm {
			return true
		}
	}
	return false
}

// Info is the mutable per-request record shared by the middleware chain. The
// first middleware creates it; later ones fill in Route and Principal.
type Info struct {
	RequestID string
	// TraceParent is the W3C traceparent a trusted proxy sent ("" if none).
	TraceParent string
	ClientIP    netip.Addr
	Route       string
	Start       time.Time
	Principal   *Principal
	// AuthFailBudget is the client address's failed-authentication budget
	// as the IP rate-limit step read it, in the same round trip to the
	// limiter; nil when it was not read (the API then reads it itself).
	AuthFailBudget *Budget
}

// Budget is a rate-limit budget read without spending it.
type Budget struct {
	Exhausted  bool
	RetryAfter time.Duration // when Exhausted: until the next attempt fits
}

type infoKey struct{}

// With returns a context carrying info.
func With(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, infoKey{}, info)
}

// From returns the request info stored in ctx.
func From(ctx context.Context) (*Info, bool) {
	info, ok := ctx.Value(infoKey{}).(*Info)
	return info, ok && info != nil
}

// PrincipalFrom returns the authenticated principal of the request in ctx.
func PrincipalFrom(ctx context.Context) (*Principal, bool) {
	info, ok := From(ctx)
	if !ok || info.Principal == nil {
		return nil, false
	}
	return info.Principal, true
}
