// Package api is SAMO's HTTP API: the v1 route table, one file per
// resource, strict request decoding and the problem+json renderer.
//
// Every route names its access in the table (routes.go); Handler refuses to
// build a table with an unnamed one, so nothing is reachable by accident.
// Per route, in this order: authenticate (401), authorize (403), the
// per-principal rate limit (429), then the handler. Handlers return errors;
// *problem.Error values carry what the client may see, anything else becomes a 500
// whose cause is only logged.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/auth"
	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/ratelimit"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/token"
	"github.com/samo-brain/samo/internal/users"
	"github.com/samo-brain/samo/internal/validate"
)

// Authenticator turns request credentials into a principal.
type Authenticator interface {
	Authenticate(r *http.Request) (*reqctx.Principal, error)
}

// Observer receives intrusion-detection signals.
type Observer interface {
	Observe(ctx context.Context, ip netip.Addr, sig ids.Signal, key string) error
	// ObserveN records n occurrences of sig at once (the rejected items of
	// one batch), weighted as n single requests.
	ObserveN(ctx context.Context, ip netip.Addr, sig ids.Signal, key string, n int) error
}

// KeyAddresses remembers the addresses each API key authenticated from
// (apikey.Addresses), so a dead key presented from a stranger's address is
// told apart from its owner's client retrying.
type KeyAddresses interface {
	// Seen notes a successful authentication of keyID from address.
	Seen(keyID, address string)
	// Stranger reports whether address never authenticated with keyID
	// (once per pair and hour).
	Stranger(ctx context.Context, keyID, address string) (bool, error)
}

// Checker is one readiness check (store, cache, model).
type Checker struct {
	Name  string
	Check func(ctx context.Context) error
}

// Limits are the input limits of the prediction endpoints.
type Limits struct {
	Text         validate.Limits
	MaxBatch     int      // texts per batch (100)
	MaxFileSize  int64    // MAX_FILE_SIZE
	AllowedFiles []string // ALLOWED_FILE_TYPES
	// MaxUploads bounds the multipart uploads read at once
	// (MAX_CONCURRENT_UPLOADS); more are refused with 503 and Retry-After.
	// Zero means unbounded.
	MaxUploads int
}

// Deps are the API's dependencies.
type Deps struct {
	Log     *slog.Logger
	Events  secevent.Recorder
	Auth    Authenticator
	IDS     Observer // may be nil
	Limiter ratelimit.Limiter
	Policy  ratelimit.Policy // per principal
	// AuthFailPolicy bounds failed authentications per client address
	// (checked before authenticating, counted after each failure).
	AuthFailPolicy ratelimit.Policy
	RateLimiting   bool
	Predictions    *prediction.Service
	Keys           *apikey.Service
	Users          users.Store
	UserAdmin      UserAdmin      // disables and enables users
	SessionAdmin   SessionAdmin   // ends every session (nil: DELETE /v1/admin/sessions answers 404)
	Tokens         *token.Service // nil disables the token endpoints
	JWKS           func() ([]byte, error)
	Injection      validate.Policy
	Limits         Limits
	Taxonomies     map[string][]string // taxonomy → labels
	Ready          []Checker
	Version        string
	ModelVersion   string
	Now            func() time.Time
	Metrics        MetricsSource
	Rotation       Rotation // online encryption-key rotation (admin)
	// Idempotency stores the answers of creating POSTs sent with an
	// Idempotency-Key (idempotent.go); nil turns the header off.
	Idempotency Idempotency
	// Security holds the security-operations dependencies (security.go).
	Security SecurityDeps
	// KeyAddresses, when set, raises a critical event for a revoked or
	// suspended key presented from an address that never used it.
	KeyAddresses KeyAddresses
	// RequireBearer (REQUIRE_BEARER_TOKENS) refuses an API key on every
	// route but those open to any credential (the token exchange and
	// logout): the key is then only used to get short-lived tokens.
	RequireBearer bool
}

// MetricsSource supplies the JSON summary of GET /v1/metrics.
type MetricsSource interface {
	Summary(ctx context.Context) (any, error)
}

// API holds the handlers' dependencies.
type API struct {
	Deps
	uploads   chan struct{} // the MaxUploads semaphore; nil when unbounded
	lastReady readiness     // /ready's round of checks in progress
}

// New returns the API.
func New(d Deps) *API {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Events == nil {
		d.Events = secevent.Discard{}
	}
	a := &API{Deps: d}
	if d.Limits.MaxUploads > 0 {
		a.uploads = make(chan struct{}, d.Limits.MaxUploads)
	}
	return a
}

// Handler returns the mux serving every route of the table but the probes
// (Probes), each wrapped in RouteChain. Unmatched requests get a
// problem+json 404 or 405.
func (a *API) Handler() (http.Handler, error) {
	routes := a.Routes()
	if err := checkAccess(routes); err != nil {
		return nil, err
	}
	return a.serve(slices.DeleteFunc(routes, func(rt Route) bool { return rt.Access.Probe })), nil
}

// Probes returns the liveness and readiness routes' paths and their
// handler, for the server to answer ahead of the global chain (no block
// list, rate limit, HTTPS requirement or access log: an orchestrator's
// probes must not depend on them). They need no credentials, and concurrent
// /ready calls share one round of checks.
func (a *API) Probes() (paths []string, h http.Handler) {
	routes := slices.DeleteFunc(a.Routes(), func(rt Route) bool { return !rt.Access.Probe })
	for _, rt := range routes {
		paths = append(paths, rt.Pattern)
	}
	return paths, a.serve(routes)
}

// serve returns a handler for routes, each in its per-route chain, with
// the mux's 404/405 decisions as problem+json.
func (a *API) serve(routes []Route) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routes {
		rt.handle = strictQuery(knownQuery(rt), rt.handle)
		if limit, ok := a.idempotentLimit(rt); ok && a.Idempotency != nil {
			rt.handle = a.idempotent(limit, rt.handle)
		}
		h := a.RouteChain(rt)
		if succ, ok := aliasSuccessors[rt.Pattern]; ok {
			h = deprecated(succ, h)
		}
		mux.Handle(rt.Method+" "+rt.Pattern, h)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			a.unmatched(mux, w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// checkAccess refuses a table with a route that names no access rule, so
// nothing becomes reachable by omission.
func checkAccess(routes []Route) error {
	for _, rt := range routes {
		if !rt.Access.Public && !rt.Access.Refresh && !rt.Access.AnyKey && rt.Access.Perm == "" {
			return fmt.Errorf("api: route %s %s names no access rule", rt.Method, rt.Pattern)
		}
	}
	return nil
}

// unmatched renders the mux's own 404/405 decision as problem+json.
func (a *API) unmatched(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	h, _ := mux.Handler(r)
	rec := &headerCapture{header: http.Header{}}
	h.ServeHTTP(rec, r)
	if rec.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", rec.header.Get("Allow"))
		problem.Write(w, r, a.Log, problem.Errorf(http.StatusMethodNotAllowed, "method_not_allowed", "This method is not allowed on this path."))
		return
	}
	problem.Write(w, r, a.Log, problem.Errorf(http.StatusNotFound, "not_found", "No such endpoint."))
}

type headerCapture struct {
	header http.Header
	status int
}

func (h *headerCapture) Header() http.Header         { return h.header }
func (h *headerCapture) Write(b []byte) (int, error) { return len(b), nil }
func (h *headerCapture) WriteHeader(code int)        { h.status = code }

// RouteChain wraps one route's handler in the per-route steps, in order:
// record the route, authenticate, authorize, per-principal rate limit,
// handle, render any error.
func (a *API) RouteChain(rt Route) http.Handler {
	route := rt.Method + " " + rt.Pattern // built once, not per request
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, ok := reqctx.From(r.Context())
		if !ok {
			info = &reqctx.Info{Start: a.Now()}
			r = r.WithContext(reqctx.With(r.Context(), info))
		}
		info.Route = route
		if err := a.guard(w, r, info, rt.Access); err != nil {
			problem.Write(w, r, a.Log, err)
			return
		}
		if err := rt.handle(w, r); err != nil {
			a.noteClientError(r, err)
			problem.Write(w, r, a.Log, err)
		}
	})
}

// guard runs authentication, authorization and the per-principal limit.
func (a *API) guard(w http.ResponseWriter, r *http.Request, info *reqctx.Info, acc Access) error {
	if acc.Public || acc.Refresh {
		return nil
	}
	if err := a.authBudget(r, info, false); err != nil {
		return err
	}
	p, err := a.Auth.Authenticate(r)
	if err != nil {
		var f *auth.Failure
		if errors.As(err, &f) && f.Reason != auth.ReasonMissing && !errors.Is(f.Err, auth.ErrUnavailable) { // an outage is not a failed authentication
			_ = a.authBudget(r, info, true)
		}
		return a.authFailed(r, info, err)
	}
	info.Principal = p
	if a.KeyAddresses != nil && p.KeyID != "" && info.ClientIP.IsValid() {
		a.KeyAddresses.Seen(p.KeyID, keyAddress(info.ClientIP))
	}
	if p.Grace && !acc.Grace {
		a.Events.Record(r.Context(), secevent.New(r.Context(), secevent.PermissionDenied, secevent.Medium, a.Now(),
			map[string]string{"reason": "rotation_grace", "role": string(p.Role)}))
		return keyInGrace()
	}
	if a.RequireBearer && p.Method == reqctx.MethodAPIKey && !acc.AnyKey {
		a.Events.Record(r.Context(), secevent.New(r.Context(), secevent.PermissionDenied, secevent.Medium, a.Now(),
			map[string]string{"reason": "bearer_required", "role": string(p.Role)}))
		w.Header().Set("WWW-Authenticate", `Bearer realm="samo"`)
		return bearerRequired()
	}
	if acc.Perm != "" && !p.Can(acc.Perm) {
		a.Events.Record(r.Context(), secevent.New(r.Context(), secevent.PermissionDenied, secevent.Medium, a.Now(),
			map[string]string{"permission": string(acc.Perm), "role": string(p.Role)}))
		a.observe(r, info, ids.SignalForbidden, "")
		return problem.Errorf(http.StatusForbidden, "forbidden", "Your role does not grant the permission this endpoint requires.")
	}
	if !a.RateLimiting || a.Limiter == nil {
		return nil
	}
	dec, err := a.Limiter.Allow(r.Context(), "principal:"+p.UserID, a.Policy)
	if err != nil {
		return problem.Unavailable("Rate limiting", err)
	}
	ratelimit.SetHeaders(w.Header(), a.Policy, dec)
	if dec.Warn {
		a.Events.Record(r.Context(), secevent.New(r.Context(), secevent.RateLimitWarning, secevent.Medium, a.Now(),
			map[string]string{"limit": strconv.Itoa(dec.Limit), "remaining": strconv.Itoa(dec.Remaining)}))
	}
	if !dec.Allowed {
		a.Events.Record(r.Context(), secevent.New(r.Context(), secevent.RateLimited, secevent.Medium, a.Now(),
			map[string]string{"scope": "principal", "limit": strconv.Itoa(dec.Limit)}))
		e := problem.Errorf(http.StatusTooManyRequests, "rate_limited", "Rate limit exceeded; retry after the indicated time.")
		e.RetryAfter = dec.RetryAfter
		return e
	}
	return nil
}

// authBudget checks (count=false) or spends (count=true) the client
// address's budget of failed authentications. Checking never spends, so
// clients that authenticate correctly are never throttled by it
// (ids.AuthFailBudget, which reuses the IP rate-limit step's reading).
func (a *API) authBudget(r *http.Request, info *reqctx.Info, count bool) error {
	if !a.RateLimiting || a.Limiter == nil || a.AuthFailPolicy.Limit <= 0 {
		return nil
	}
	if count {
		if _, err := a.Limiter.Allow(r.Context(), ids.AuthFailKey(info.ClientIP), a.AuthFailPolicy); err != nil {
			return problem.Unavailable("Rate limiting", err)
		}
		return nil
	}
	budget, err := ids.AuthFailBudget(r.Context(), a.Limiter, a.AuthFailPolicy)
	if err != nil {
		return problem.Unavailable("Rate limiting", err)
	}
	if budget.Exhausted {
		e := problem.Errorf(http.StatusTooManyRequests, "too_many_auth_failures", "Too many failed authentications from this address; retry later.")
		e.RetryAfter = budget.RetryAfter
		return e
	}
	return nil
}

// authFailed records the failure and returns the 401 (or 400/503) problem.
func (a *API) authFailed(r *http.Request, info *reqctx.Info, err error) error {
	var f *auth.Failure
	if !errors.As(err, &f) {
		return problem.Internal(err)
	}
	if errors.Is(f.Err, auth.ErrUnavailable) {
		return problem.Unavailable("Authentication", f.Cause)
	}
	details := map[string]string{"reason": string(f.Reason)}
	ev := secevent.New(r.Context(), secevent.AuthFailure, secevent.Medium, a.Now(), details)
	if f.KeyID != "" {
		ev.KeyID = f.KeyID
	}
	if f.Reason == auth.ReasonMissing {
		ev.Severity = secevent.Low
	}
	a.Events.Record(r.Context(), ev)
	if f.Reason == auth.ReasonRevoked || f.Reason == auth.ReasonSuspended {
		a.deadKeyPresented(r, info, f)
	}
	sig := ids.SignalAuthFailure
	switch f.Reason {
	case auth.ReasonMissing:
		sig = "" // no credential at all is not an attack signal by itself
	case auth.ReasonMalformedKey:
		sig = ids.SignalMalformedKey
	case auth.ReasonUnknownKey:
		sig = ids.SignalUnknownKey
	}
	a.observe(r, info, sig, f.Hint)
	switch {
	case errors.Is(f.Err, auth.ErrCredentialInURL):
		return problem.Errorf(http.StatusBadRequest, "credentials_in_url", "Send credentials in the X-API-Key or Authorization header, never in the URL.")
	case errors.Is(f.Err, auth.ErrAmbiguous):
		return problem.Errorf(http.StatusBadRequest, "ambiguous_credentials", "Send either X-API-Key or Authorization, not both.")
	case errors.Is(f.Err, auth.ErrMissing):
		return &problem.Error{Status: http.StatusUnauthorized, Code: "unauthenticated", Title: "Unauthorized",
			Detail: "This endpoint needs an API key (X-API-Key) or a bearer token (Authorization: Bearer)."}
	}
	return &problem.Error{Status: http.StatusUnauthorized, Code: "invalid_credentials", Title: "Unauthorized",
		Detail: "The API key or token is not valid (malformed, unknown, revoked or expired)."}
}

// keyAddress is the address a key use is remembered under: the IPv4
// address, or the IPv6 /64 (one host's privacy addresses are one address).
func keyAddress(ip netip.Addr) string { return ids.Subject(ip, 64).String() }

// deadKeyPresented raises the critical KeyNewAddress event when the revoked
// or suspended key of f is presented from an address that never
// authenticated with it: the key's owner retrying is the usual failure, a
// stranger holding the key is a stolen credential. The client's answer is
// the same 401 either way.
func (a *API) deadKeyPresented(r *http.Request, info *reqctx.Info, f *auth.Failure) {
	if a.KeyAddresses == nil || f.KeyID == "" || !info.ClientIP.IsValid() {
		return
	}
	stranger, err := a.KeyAddresses.Stranger(r.Context(), f.KeyID, keyAddress(info.ClientIP))
	if err != nil {
		if a.Log != nil {
			a.Log.LogAttrs(r.Context(), slog.LevelWarn, "checking a dead key's addresses failed",
				slog.String("key_id", f.KeyID), slog.String("error", err.Error()))
		}
		return
	}
	if !stranger {
		return
	}
	ev := secevent.New(r.Context(), secevent.KeyNewAddress, secevent.Critical, a.Now(), map[string]string{"status": string(f.Reason)})
	ev.KeyID = f.KeyID
	a.Events.Record(r.Context(), ev)
}

func (a *API) observe(r *http.Request, info *reqctx.Info, sig ids.Signal, key string) {
	if a.IDS != nil && sig != "" {
		_ = a.IDS.Observe(r.Context(), info.ClientIP, sig, key) // the detector records its own failures
	}
}

// keyInGrace refuses a key replaced by rotation (or a token issued from
// it) outside the data routes.
func bearerRequired() *problem.Error {
	return &problem.Error{Status: http.StatusUnauthorized, Code: "bearer_token_required", Title: "Unauthorized",
		Detail: "This deployment accepts API keys only at POST /v1/auth/token: exchange the key for a token pair " +
			"and send the access token as Authorization: Bearer."}
}

func keyInGrace() *problem.Error {
	return &problem.Error{Status: http.StatusForbidden, Code: "key_in_grace", Title: "Forbidden",
		Detail: "This API key was replaced by rotation. Until its grace period ends it may only be used to predict and to read your predictions; " +
			"key management, token exchange and admin actions need the new key."}
}

// codeUpstreamRejected is the problem code of a text the model server
// refused (gateway mode).
const codeUpstreamRejected = "upstream_rejected"

// noteClientError feeds validation and injection rejections to intrusion
// detection.
func (a *API) noteClientError(r *http.Request, err error) {
	var e *problem.Error
	if !errors.As(err, &e) {
		return
	}
	info, ok := reqctx.From(r.Context())
	if !ok {
		return
	}
	if (e.Code == "invalid_request" || e.Code == "invalid_field") && !errors.As(err, new(*recordedError)) && len(e.Fields) > 0 {
		a.recordInvalidParameter(r, e.Fields)
	}
	switch {
	case e.Code == "injection_detected":
		a.observe(r, info, ids.SignalInjection, "")
	case e.Code == codeUpstreamRejected:
		// Gateway mode: the model server refused the caller's text. It
		// scores the caller, never the shared circuit breaker.
		a.observe(r, info, ids.SignalValidationRejected, "")
	case e.Status == http.StatusNotFound && info.Principal != nil:
		a.observe(r, info, ids.SignalForbidden, "") // probing other users' ids
	case e.Status == http.StatusBadRequest, e.Status == http.StatusRequestEntityTooLarge, e.Status == http.StatusUnsupportedMediaType:
		a.observe(r, info, ids.SignalValidationRejected, "")
	}
}

// recordInvalidParameter records one invalid_parameter event (low, as the
// Guide's) for a request refused for its parameters: which ones and why,
// never their values.
func (a *API) recordInvalidParameter(r *http.Request, fields []problem.FieldError) {
	names := make([]string, 0, len(fields))
	codes := make([]string, 0, len(fields))
	for _, f := range fields {
		names = append(names, truncate(f.Field, 64))
		codes = append(codes, truncate(f.Code, 32))
	}
	a.Events.Record(r.Context(), secevent.New(r.Context(), secevent.InvalidParameter, secevent.Low, a.Now(),
		map[string]string{"parameter": truncate(strings.Join(names, ","), 256), "code": truncate(strings.Join(codes, ","), 256)}))
}
