package dashboard

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/mfa"
	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/ratelimit"
	"github.com/samo-brain/samo/internal/report"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/session"
	"github.com/samo-brain/samo/internal/users"
)

// Prefix is the path the dashboard is served under.
const Prefix = "/dashboard/"

// CSP is the Content-Security-Policy of every dashboard page: nothing but
// the dashboard's own stylesheet and data: images; no script at all, no
// inline style, forms only to the dashboard itself, never framed.
const CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/app.css
var staticFS embed.FS

// KeyAuthenticator checks a raw API key (auth.Authenticator).
type KeyAuthenticator interface {
	AuthenticateKey(ctx context.Context, key string) (*reqctx.Principal, error)
}

// Keys manages API keys (apikey.Service).
type Keys interface {
	Check(ctx context.Context, id string) (apikey.Key, error)
	List(ctx context.Context, userID string) ([]apikey.Key, error)
	Create(ctx context.Context, userID, name string) (string, apikey.Key, error)
	Rotate(ctx context.Context, id string, grace time.Duration) (string, apikey.Key, error)
	Revoke(ctx context.Context, id string) error
}

// EventLog reads persisted security events (store.Store).
type EventLog interface {
	ListEvents(ctx context.Context, f secevent.Filter) ([]secevent.Event, error)
	CountEvents(ctx context.Context, f secevent.Filter) ([]secevent.Count, error)
}

// Detector is intrusion detection (ids.Detector): its status, manual
// blocks, and the signals sign-in failures feed it.
type Detector interface {
	Status(ctx context.Context) (ids.Status, error)
	Block(ctx context.Context, ip netip.Addr, dur time.Duration, reason, by string) error
	Unblock(ctx context.Context, ip netip.Addr, by string) error
	Observe(ctx context.Context, ip netip.Addr, sig ids.Signal, key string) error
}

// Predictions lists stored predictions (prediction.Service).
type Predictions interface {
	List(ctx context.Context, lp prediction.ListParams) ([]prediction.Record, prediction.Cursor, error)
	// AnalystView is how analysts read others' text, named on the page.
	AnalystView() prediction.AnalystView
	// Pseudonym is the keyed stand-in analysts see for a user id.
	Pseudonym(userID string) string
}

// Incidents reads and handles incidents (incident.Service).
type Incidents interface {
	List(ctx context.Context, f incident.Filter) ([]incident.Incident, error)
	Get(ctx context.Context, id string) (incident.Incident, error)
	Acknowledge(ctx context.Context, id, actor string) (incident.Incident, error)
	Resolve(ctx context.Context, id, actor, resolution string) (incident.Incident, error)
}

// Aggregates are the aggregate event queries of reports (store.Store
// implements report.Store): the overview chart and the offender ranking
// use them so no page loads events just to count them.
type Aggregates interface {
	EventTimeline(ctx context.Context, from, to time.Time, bucket time.Duration) ([]report.TimelineCount, error)
	TopEventSources(ctx context.Context, from, to time.Time, by report.SourceKind, types []secevent.Type, limit int) ([]report.Offender, error)
}

// Reports builds the security report of a period (report.Builder).
type Reports interface {
	Build(ctx context.Context, from, to time.Time) (*report.Report, error)
}

// SecondFactor is the users' TOTP second factor and the sign-in
// challenges waiting for its code (mfa.Service).
type SecondFactor interface {
	Enrolled(ctx context.Context, userID string) (bool, error)
	Status(ctx context.Context, userID string) (mfa.Status, error)
	Begin(userID, account string) (mfa.Pending, error)
	Reveal(userID, account, token string) (mfa.Pending, error)
	Confirm(ctx context.Context, userID, token, current, code string) error
	Verify(ctx context.Context, userID, code string) error
	Disable(ctx context.Context, userID, code string) error
	Reset(ctx context.Context, userID string) (bool, error)
	StartChallenge(ctx context.Context, userID, keyID string) (string, error)
	Challenge(ctx context.Context, id string) (mfa.Challenge, error)
	FailChallenge(ctx context.Context, id string) (int, error)
	EndChallenge(ctx context.Context, id string) error
}

// Deps are the dashboard's dependencies. Incidents and Reports may be nil:
// their pages then say so.
type Deps struct {
	Log         *slog.Logger
	Events      secevent.Recorder
	Auth        KeyAuthenticator
	Keys        Keys
	Users       users.Store
	EventLog    EventLog
	Aggregates  Aggregates
	IDS         Detector
	Predictions Predictions
	Incidents   Incidents
	Reports     Reports
	// SecondFactor asks users who enrolled a TOTP for a code at sign-in.
	SecondFactor SecondFactor
	// SessionCutoff ends a user's sessions on every replica when their
	// second factor changes (endsessions.go).
	SessionCutoff users.SessionCutoff
	// RequireTOTP (DASHBOARD_REQUIRE_TOTP) keeps a signed-in user without a
	// second factor on the enrolment page until they enrol.
	RequireTOTP bool
	// Limiter and AuthFailPolicy share the API's budget of failed
	// authentications per client address, so the sign-in form is no
	// cheaper to brute-force than the API.
	Limiter        ratelimit.Limiter
	AuthFailPolicy ratelimit.Policy
	RateLimiting   bool
	// Allowlist is IP_ALLOWLIST, shown (not edited) on the offenders page.
	Allowlist []netip.Prefix
	// TrustedProxies decide whether X-Forwarded-Proto is believed when
	// choosing the Secure cookie attribute.
	TrustedProxies []netip.Prefix
	// SessionStore keeps the sessions (nil: session.NewMemory with the
	// default timeouts, for one replica; kv.Sessions shares them between
	// replicas).
	SessionStore session.Store
	Now          func() time.Time
}

// Dashboard is the web dashboard: a route table of server-rendered pages
// behind server-side sessions.
type Dashboard struct {
	d        Deps
	sessions *sessions
	pages    map[string]*template.Template
	cop      *http.CrossOriginProtection
	mux      *http.ServeMux
	css      []byte
}

// ErrMissingDep reports a required dependency that is nil.
var ErrMissingDep = errors.New("dashboard: missing dependency")

// New returns the dashboard, with its templates parsed and its routes
// registered.
func New(d Deps) (*Dashboard, error) {
	var missing []string
	for name, nilDep := range map[string]bool{
		"Auth": d.Auth == nil, "Keys": d.Keys == nil, "Users": d.Users == nil, "EventLog": d.EventLog == nil,
		"IDS": d.IDS == nil, "Predictions": d.Predictions == nil, "Aggregates": d.Aggregates == nil,
		"SecondFactor": d.SecondFactor == nil, "SessionCutoff": d.SessionCutoff == nil,
	} {
		if nilDep {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrMissingDep, strings.Join(missing, ", "))
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Events == nil {
		d.Events = secevent.Discard{}
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.SessionStore == nil {
		d.SessionStore = session.NewMemory(session.Config{}, d.Now)
	}
	db := &Dashboard{d: d, sessions: &sessions{store: d.SessionStore, now: d.Now}, cop: http.NewCrossOriginProtection()}
	var err error
	if db.pages, err = parsePages(templateFS); err != nil {
		return nil, err
	}
	if db.css, err = fs.ReadFile(staticFS, "static/app.css"); err != nil {
		return nil, err
	}
	db.mux = http.NewServeMux()
	for _, rt := range db.routes() {
		db.mux.Handle(rt.method+" "+rt.pattern, db.wrap(rt))
	}
	db.mux.Handle(Prefix, db.wrap(route{pattern: Prefix, summary: "not found", handle: db.notFound}))
	return db, nil
}

// Handler serves every path under Prefix with the dashboard's headers.
func (db *Dashboard) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// These replace what the global chain set for the JSON API.
		h.Set("Content-Security-Policy", CSP)
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		// CORS is for the JSON API: a page read with the session cookie
		// must never be readable by another origin, even an allowed one.
		h.Del("Access-Control-Allow-Origin")
		h.Del("Access-Control-Allow-Credentials")
		h.Del("Access-Control-Expose-Headers")
		db.mux.ServeHTTP(w, r)
	})
}

// Mount returns a handler that serves the dashboard under Prefix (and
// redirects "/dashboard" to it) and passes every other request to next.
func (db *Dashboard) Mount(next http.Handler) http.Handler {
	dash := db.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == strings.TrimSuffix(Prefix, "/"):
			http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
		case strings.HasPrefix(r.URL.Path, Prefix):
			dash.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// isHTTPS reports whether the browser's connection is TLS: terminated here,
// or by a trusted proxy that says so in X-Forwarded-Proto, read from the same
// hop as the client address (ids.ForwardedHTTPS).
func (db *Dashboard) isHTTPS(r *http.Request) bool {
	return r.TLS != nil || ids.ForwardedHTTPS(r.RemoteAddr, r.Header.Values("X-Forwarded-For"),
		r.Header.Values("X-Forwarded-Proto"), db.d.TrustedProxies)
}

func (db *Dashboard) serveCSS(w http.ResponseWriter, _ *http.Request, _ *viewer) error {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, err := w.Write(db.css)
	return err
}
