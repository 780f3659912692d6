package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/randid"
	"github.com/samo-brain/samo/internal/ratelimit"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/secevent"
)

// Middleware wraps a handler.
type Middleware func(http.Handler) http.Handler

// ChainDeps are what the global middleware chain needs.
type ChainDeps struct {
	Log      *slog.Logger
	Events   secevent.Recorder
	IDS      *ids.Detector
	Limiter  ratelimit.Limiter
	IPPolicy ratelimit.Policy // per-IP limit before authentication
	// AuthFailPolicy is the per-address budget of failed authentications
	// (Limit 0: none). ipRateLimit reads it along with the IP limit, in one
	// round trip to a shared limiter, for the API and dashboard to check.
	AuthFailPolicy ratelimit.Policy
	RateLimiting   bool
	TrustedProxies []netip.Prefix
	AllowedOrigins []string
	CORSEnabled    bool
	HTTPSRequired  bool
	Now            func() time.Time
	Metrics        RequestObserver
}

// RequestObserver receives one call per finished request (Prometheus).
type RequestObserver interface {
	ObserveRequest(method, route string, status int, d time.Duration)
}

// Chain returns the global middleware in the order requests pass through
// them. Each step only relies on the ones before it, and a step switched
// off by the configuration is not in the chain at all:
//
//  1. requestInfo   – request id, start time, client IP (X-Forwarded-For, X-Request-ID and traceparent only from TRUSTED_PROXIES)
//  2. recoverPanic  – a panic becomes a 500 problem, never a dropped connection or a stack trace
//  3. accessLog     – one JSON line per request: method, route, status, duration, request id, key id
//  4. securityHeaders – the Guide's headers + Cache-Control: no-store, on every response including errors (HSTS only over HTTPS)
//  5. cors          – only ALLOWED_ORIGINS, never * with credentials (when CORS_ENABLED; otherwise preflights are refused)
//  6. requireHTTPS  – plain-HTTP calls refused with a clear problem (only when HTTPS_REQUIRED)
//  7. blockCheck    – blocked client IPs get 403 before any other work (when intrusion detection runs)
//  8. ipRateLimit   – per-IP budget before authentication, so invented keys get no fresh bucket (when rate limiting is on);
//     it also reads the address's failed-authentication budget for the authentication step, in the same call
//
// Authentication, authorization, per-principal rate limiting and validation
// run per route (api.RouteChain), because they depend on the route. The
// liveness and readiness probes are answered ahead of this chain
// (WithProbes).
func Chain(d ChainDeps) []Middleware {
	chain := []Middleware{
		requestInfo(d.TrustedProxies, d.Now),
		recoverPanic(d.Log),
		accessLog(d.Log, d.Metrics, d.Now),
		securityHeaders(d.TrustedProxies),
	}
	chain = append(chain, corsPolicy(d.CORSEnabled, d.AllowedOrigins))
	if d.HTTPSRequired {
		chain = append(chain, requireHTTPS(d.TrustedProxies))
	}
	if d.IDS != nil {
		chain = append(chain, blockCheck(d.IDS, d.Log))
	}
	if d.RateLimiting && d.Limiter != nil {
		chain = append(chain, ipRateLimit(d.Limiter, d.IPPolicy, d.AuthFailPolicy, d.Events, d.Log, d.Now))
	}
	return chain
}

// Wrap applies chain to h, the first middleware outermost.
func Wrap(h http.Handler, chain []Middleware) http.Handler {
	for i := len(chain) - 1; i >= 0; i-- {
		h = chain[i](h)
	}
	return h
}

// WithProbes answers requests for the probe paths (liveness, readiness:
// exact paths, any method) with probes behind a short chain — request id,
// panic recovery, security headers — and every other request with full.
// Probes are public and cheap by design, and an orchestrator must see the
// process and its dependencies whatever the block list, the rate limiter
// or the HTTPS requirement say; they are not in the access log.
func WithProbes(full, probes http.Handler, paths []string, d ChainDeps) http.Handler {
	probes = Wrap(probes, []Middleware{requestInfo(d.TrustedProxies, d.Now), recoverPanic(d.Log), securityHeaders(d.TrustedProxies)})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slices.Contains(paths, r.URL.Path) {
			probes.ServeHTTP(w, r)
			return
		}
		full.ServeHTTP(w, r)
	})
}

// newRequestID returns 128 random bits, base64url.
func newRequestID() string { return randid.New("", 16) }

func requestInfo(trusted []netip.Prefix, now func() time.Time) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			info := &reqctx.Info{
				ClientIP: ids.ClientIP(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), trusted),
				Start:    now(),
			}
			// A trusted proxy's request id and trace context are kept (when
			// valid) so its logs and ours correlate; anyone else's are not.
			if fromTrustedProxy(r, trusted) {
				if id := r.Header.Get("X-Request-ID"); validRequestID(id) {
					info.RequestID = id
				}
				if tp := r.Header.Get("Traceparent"); validTraceparent(tp) {
					info.TraceParent = tp
					w.Header().Set("Traceparent", tp)
				}
			}
			if info.RequestID == "" {
				info.RequestID = newRequestID()
			}
			// The canonical name (what Header.Set would compute for
			// "X-Request-ID"), assigned directly: no per-request canonicalising.
			w.Header()["X-Request-Id"] = []string{info.RequestID}
			next.ServeHTTP(w, r.WithContext(reqctx.With(r.Context(), info)))
		})
	}
}

func recoverPanic(log *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					log.Error("panic serving request", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
					problem.Write(w, r, nil, problem.Internal(fmt.Errorf("panic: %v", v)))
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// statusWriter records the status code for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func accessLog(log *slog.Logger, metrics RequestObserver, now func() time.Time) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sw := &statusWriter{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			info, _ := reqctx.From(r.Context())
			dur := now().Sub(info.Start)
			route := info.Route
			if route == "" {
				route = "unmatched"
			}
			if metrics != nil {
				metrics.ObserveRequest(r.Method, route, sw.status, dur)
			}
			// Room for every attribute, so the key_id and user_id of an
			// authenticated request do not move the slice to the heap.
			attrs := make([]slog.Attr, 0, 9)
			attrs = append(attrs,
				slog.String("method", r.Method), slog.String("route", route), slog.Int("status", sw.status),
				slog.Float64("duration_ms", float64(dur.Microseconds())/1000), slog.String("request_id", info.RequestID),
				slog.String("client_ip", info.ClientIP.String()), slog.Int64("bytes", sw.bytes),
			)
			if p := info.Principal; p != nil {
				attrs = append(attrs, slog.String("key_id", p.KeyID), slog.String("user_id", p.UserID))
			}
			log.LogAttrs(r.Context(), accessLevel(sw.status), "request", attrs...)
		})
	}
}

// securityHeaderValues are the headers every response carries, with
// canonical names so they are assigned without re-canonicalising on every
// request. Each value slice has len == cap, so a later Header.Add copies
// instead of writing into the shared array.
var securityHeaderValues = [...]struct {
	name  string
	value []string
}{
	{"X-Content-Type-Options", []string{"nosniff"}},
	{"X-Frame-Options", []string{"DENY"}},
	// The Guide's "1; mode=block" enables a filter modern browsers removed and
	// that could be abused; "0" is the current OWASP recommendation.
	{"X-Xss-Protection", []string{"0"}},
	{"Referrer-Policy", []string{"strict-origin-when-cross-origin"}},
	{"Permissions-Policy", []string{"geolocation=(), microphone=(), camera=()"}},
	{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
	{"Cross-Origin-Resource-Policy", []string{"same-origin"}},
	// API responses render nothing; the dashboard replaces this with its own policy.
	{"Content-Security-Policy", []string{"default-src 'none'; frame-ancestors 'none'"}},
	{"Cache-Control", []string{"no-store"}},
}

// hstsValue is sent only on HTTPS responses: browsers ignore it over plain
// HTTP (RFC 6797 §7.2), and sending it there misdescribes the deployment.
var hstsValue = []string{"max-age=31536000; includeSubDomains"}

func securityHeaders(trusted []netip.Prefix) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			for _, sh := range securityHeaderValues {
				h[sh.name] = sh.value
			}
			if isHTTPS(r, trusted) {
				h["Strict-Transport-Security"] = hstsValue
			}
			next.ServeHTTP(w, r)
		})
	}
}

// exposedHeaders are the response headers an allowed origin's scripts may read.
const exposedHeaders = "X-Request-ID, RateLimit, RateLimit-Policy, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After"

func cors(origins []string) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			h := w.Header()
			h.Add("Vary", "Origin")
			allowed := origin != "" && slices.Contains(origins, origin)
			if allowed {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Allow-Credentials", "true")
				h.Set("Access-Control-Expose-Headers", exposedHeaders)
			}
			if isPreflight(r) {
				if !allowed {
					writeCORSDenied(w, r)
					return
				}
				h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-API-Key")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// corsPolicy is cors for origins when enabled, refusePreflight otherwise.
func corsPolicy(enabled bool, origins []string) Middleware {
	if enabled {
		return cors(origins)
	}
	return refusePreflight
}

// refusePreflight stands for cors when CORS is off: every preflight is
// refused with the same problem as a disallowed origin.
func refusePreflight(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isPreflight(r) {
			writeCORSDenied(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
}

func writeCORSDenied(w http.ResponseWriter, r *http.Request) {
	problem.Write(w, r, nil, problem.Errorf(http.StatusForbidden, "cors_origin_denied", "This origin is not allowed to call the API."))
}

func requireHTTPS(trusted []netip.Prefix) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !isHTTPS(r, trusted) {
				problem.Write(w, r, nil, problem.Errorf(http.StatusForbidden, "https_required",
					"This API only accepts HTTPS. Resend the request over https:// (nothing was processed)."))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// isHTTPS reports whether the client's connection was TLS: terminated here,
// or by a trusted proxy that says so in X-Forwarded-Proto, read from the same
// hop as the client address (ids.ForwardedHTTPS).
func isHTTPS(r *http.Request, trusted []netip.Prefix) bool {
	return r.TLS != nil || ids.ForwardedHTTPS(r.RemoteAddr, r.Header.Values("X-Forwarded-For"),
		r.Header.Values("X-Forwarded-Proto"), trusted)
}

func blockCheck(det *ids.Detector, log *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			info, _ := reqctx.From(r.Context())
			b, blocked, err := det.Check(r.Context(), info.ClientIP)
			if err != nil {
				// The shared block list cannot be read: fail closed.
				problem.Write(w, r, log, problem.Unavailable("Intrusion detection", err))
				return
			}
			if blocked {
				e := problem.Errorf(http.StatusForbidden, "ip_blocked", "Requests from this address are blocked until "+b.Until.UTC().Format(time.RFC3339)+".")
				e.RetryAfter = time.Until(b.Until)
				problem.Write(w, r, nil, e)
				return
			}
			_ = det.Observe(r.Context(), info.ClientIP, ids.SignalRequest, "")
			next.ServeHTTP(w, r)
		})
	}
}

func ipRateLimit(l ratelimit.Limiter, policy, authFail ratelimit.Policy, events secevent.Recorder, log *slog.Logger, now func() time.Time) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			info, _ := reqctx.From(r.Context())
			// IPv6 clients are limited per /64, like intrusion detection tracks them.
			checks := []ratelimit.Check{{Key: "ip:" + ids.Subject(info.ClientIP, 64).String(), Policy: policy, Consume: true}}
			if authFail.Limit > 0 {
				checks = append(checks, ratelimit.Check{Key: ids.AuthFailKey(info.ClientIP), Policy: authFail})
			}
			ds, err := ratelimit.Decide(r.Context(), l, checks)
			if err != nil {
				problem.Write(w, r, log, problem.Unavailable("Rate limiting", err))
				return
			}
			dec := ds[0]
			if len(ds) > 1 {
				info.AuthFailBudget = &reqctx.Budget{Exhausted: !ds[1].Allowed, RetryAfter: ds[1].RetryAfter}
			}
			if !dec.Allowed {
				ratelimit.SetHeaders(w.Header(), policy, dec)
				events.Record(r.Context(), secevent.New(r.Context(), secevent.RateLimited, secevent.Medium, now(),
					map[string]string{"scope": "ip", "limit": strconv.Itoa(policy.Limit)}))
				e := problem.Errorf(http.StatusTooManyRequests, "rate_limited", "Too many requests from this address; retry after the indicated time.")
				e.RetryAfter = dec.RetryAfter
				problem.Write(w, r, nil, e)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// accessLevel is the level of a request's access-log line: error for 5xx,
// warn for 4xx, info otherwise. (An if chain, not a switch: coverage, and
// so mutation testing, cannot see a case condition; docs/testing.md.)
func accessLevel(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	if status >= 400 {
		return slog.LevelWarn
	}
	return slog.LevelInfo
}
