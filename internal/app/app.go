// Package app is SAMO's composition root: it builds every service from the
// configuration, in dependency order, and runs the background jobs next to
// the server. cli's serve command and the end-to-end tests use it; nothing
// else does.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/samo-brain/samo/internal/api"
	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/auth"
	"github.com/samo-brain/samo/internal/buildinfo"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/dashboard"
	"github.com/samo-brain/samo/internal/idempotency"
	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/mask"
	"github.com/samo-brain/samo/internal/mfa"
	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/ratelimit"
	"github.com/samo-brain/samo/internal/rekey"
	"github.com/samo-brain/samo/internal/seal"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/server"
	"github.com/samo-brain/samo/internal/store"
	"github.com/samo-brain/samo/internal/token"
	"github.com/samo-brain/samo/internal/validate"
)

// App is a fully wired SAMO instance.
type App struct {
	Cfg     *config.Config
	Log     *slog.Logger
	Store   *store.Store
	Keyring *seal.Keyring
	Keys    *apikey.Service
	// KeyAddresses remembers where each key was used from (a dead key
	// presented from a new address is critical).
	KeyAddresses *apikey.Addresses
	Tokens       *token.Service
	IDS          *ids.Detector
	Events       *secevent.Pipeline
	Predictions  *prediction.Service
	API          *api.API
	// Users disables and enables users (users.go).
	Users *UserSwitch
	// SecondFactor is the dashboard's TOTP second factor (package mfa).
	SecondFactor *mfa.Service
	// Handler is the API behind the global middleware chain.
	Handler http.Handler
	// MetricsHandler serves Prometheus on METRICS_ADDR (nil when off).
	MetricsHandler http.Handler
	ModelVersion   string

	jwks    func() ([]byte, error)
	auth    *auth.Authenticator
	scale   *scaleOut // shared hot state: in-process, or Redis (scaleout.go)
	jobs    []func(ctx context.Context) error
	closers []func() error
}

// Options are test hooks; the zero value is production behaviour.
type Options struct {
	Now func() time.Time
	// Predictor replaces the configured model (tests).
	Predictor Predictor
	// KeyringReload overrides KeyringReloadInterval (tests).
	KeyringReload time.Duration
	// EventBuffer overrides the security-event buffer size, 8192 (tests).
	EventBuffer int
}

// Predictor is a prediction.Predictor that also names its labels.
type Predictor interface {
	prediction.Predictor
	Version() string
	Taxonomies() map[string][]string
}

// Build wires an App from cfg. Call Close when done.
func Build(ctx context.Context, cfg *config.Config, log *slog.Logger, opt Options) (*App, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.KeyringReload <= 0 {
		opt.KeyringReload = KeyringReloadInterval
	}
	a := &App{Cfg: cfg, Log: log}
	built := false
	defer func() {
		if !built {
			_ = a.Close() // the build error is the one to report
		}
	}()
	var err error
	a.Store, err = OpenStore(ctx, cfg, opt.Now)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.Store.Close)
	if err := a.buildScaleOut(ctx, opt.Now); err != nil {
		return nil, err
	}
	if a.Keyring, err = OpenKeyring(ctx, cfg, a.Store); err != nil {
		return nil, err
	}
	if err := a.buildEvents(opt.EventBuffer); err != nil {
		return nil, err
	}
	mk, err := MasterKey(cfg)
	if err != nil {
		return nil, err
	}
	a.jobs = append(a.jobs, (&rekey.Reloader{Store: a.Store, Master: mk, Ring: a.Keyring, Interval: opt.KeyringReload, Now: opt.Now,
		OnError: func(err error) { log.Error("keyring reload failed", "error", err) }}).Run)
	model := opt.Predictor
	if model == nil {
		if model, err = a.buildPredictor(); err != nil {
			return nil, err
		}
	}
	a.Keys = KeyService(cfg, a.Store)
	a.jobs = append(a.jobs, a.Keys.Run)
	a.KeyAddresses = apikey.NewAddresses(a.Store, opt.Now, log)
	a.jobs = append(a.jobs, func(ctx context.Context) error { return a.KeyAddresses.Run(ctx, apikey.DefaultFlushInterval) })
	if err := a.buildIDS(opt.Now); err != nil {
		return nil, err
	}
	if err := a.IDS.Prime(ctx); err != nil {
		// Start anyway: requests fail closed (503) until the store answers.
		log.Warn("IP block list not readable yet; requests are refused until it is", "error", err)
	}
	mon, err := a.buildMonitoring(opt.Now, model)
	if err != nil {
		return nil, err
	}
	model = observed{Predictor: model, m: mon.metrics}
	masker, err := mask.NewMasker(a.Keyring.DeriveKey("pseudonym"))
	if err != nil {
		return nil, err
	}
	// Stored texts' words are indexed apart when they are personal data.
	// Every text is scanned, so phone, card and SSN detection (the costly
	// validation) is left to the index's rule that a word with a digit is
	// personal data; the detectors of data with letters run.
	piiFinder, err := mask.NewMasker(a.Keyring.DeriveKey("pseudonym"),
		mask.WithTypes(mask.URL, mask.EmailAddress, mask.IBANCode, mask.IPAddress))
	if err != nil {
		return nil, err
	}
	a.Predictions = prediction.NewService(prediction.Deps{
		Predictor: model, Store: a.Store, Sealer: a.Keyring, Index: prediction.NewBlindIndex(a.Keyring.DeriveKey("blind-index")),
		Masker: maskText{masker, piiFinder}, AnalystView: prediction.AnalystView(cfg.AnalystTextView),
		Events: a.Events, Labels: model.Taxonomies(), Now: opt.Now,
	})
	if a.Tokens, err = a.buildTokens(opt.Now); err != nil {
		return nil, err
	}
	policy := validate.DefaultPolicy()
	if cfg.InjectionPolicy != "" {
		if policy, err = validate.ParsePolicy(cfg.InjectionPolicy); err != nil {
			return nil, fmt.Errorf("INJECTION_POLICY: %w", err)
		}
	}
	limiter := a.scale.limiter
	authn := auth.New(a.Keys, a.Tokens, a.Store, opt.Now)
	a.auth = authn
	a.Users = &UserSwitch{Store: a.Store, Local: authn.InvalidateUser, Notify: userNotifier(cfg), Now: time.Now, Log: log}
	if opt.Now != nil {
		a.Users.Now = opt.Now
	}
	a.API = api.New(api.Deps{
		Log: log, Events: a.Events, Auth: authn, IDS: a.IDS, Limiter: limiter,
		Policy:         ratelimit.Policy{Name: "principal", Limit: cfg.RateLimitRequests, Window: cfg.RateLimitWindow},
		AuthFailPolicy: ratelimit.Policy{Name: "auth_failures", Limit: 30, Window: 15 * time.Minute},
		RateLimiting:   cfg.EnableRateLimiting, Predictions: a.Predictions, Keys: a.Keys, Users: a.Store, UserAdmin: a.Users,
		SessionAdmin: sessionEnder{tokens: a.Tokens, sessions: a.scale.sessions, cutoff: a.Store, now: opt.Now},
		Tokens:       a.Tokens, JWKS: a.jwks, Injection: policy,
		Limits: api.Limits{
			Text:     validate.Limits{MinLength: cfg.MinTextLength, MaxLength: cfg.MaxTextLength},
			MaxBatch: 100, MaxFileSize: cfg.MaxFileSize, AllowedFiles: cfg.AllowedFileTypes, MaxUploads: cfg.MaxConcurrentUploads,
		},
		Taxonomies: model.Taxonomies(),
		Ready: append([]api.Checker{
			{Name: "store", Check: a.Store.Ping},
			{Name: "model", Check: model.Ready},
			{Name: "ids", Check: a.IDS.Ready},
		}, a.scale.checkers()...),
		Version: buildinfo.Version(), ModelVersion: model.Version(), Now: opt.Now,
		Rotation:    &rotation{a: a, settle: 2*opt.KeyringReload + opt.KeyringReload/2},
		Metrics:     mon.metrics,
		Idempotency: idempotency.New(a.Store, a.Keyring, opt.Now),
		Security: api.SecurityDeps{Events: a.Store, IDS: a.IDS, Allowlist: cfg.IPAllowlist, Incidents: mon.incidents,
			Reports: mon.reports, Alerts: mon.outbox, Shed: a.Events.Shed},
		KeyAddresses: a.KeyAddresses, RequireBearer: cfg.RequireBearerTokens,
	})
	a.ModelVersion = model.Version()
	h, err := a.API.Handler()
	if err != nil {
		return nil, err
	}
	// The web dashboard (/dashboard/, its own mux and sessions) sits behind the same global chain.
	a.SecondFactor = mfa.New(a.Store, a.Keyring, opt.Now)
	dash, err := dashboard.New(dashboard.Deps{Log: log, Events: a.Events, Auth: authn, Keys: a.Keys, Users: a.Store,
		EventLog: a.Store, Aggregates: a.Store, IDS: a.IDS, Predictions: a.Predictions, Incidents: mon.incidents,
		Reports: mon.reports, Limiter: limiter, AuthFailPolicy: a.API.AuthFailPolicy,
		RateLimiting: cfg.EnableRateLimiting, Allowlist: cfg.IPAllowlist, TrustedProxies: cfg.TrustedProxies,
		SessionStore: a.scale.sessions, SecondFactor: a.SecondFactor, SessionCutoff: a.Store, RequireTOTP: cfg.DashboardRequireTOTP, Now: opt.Now})
	if err != nil {
		return nil, err
	}
	h = dash.Mount(h)
	chain := server.ChainDeps{
		Log: log, Events: a.Events, IDS: a.IDS, Limiter: limiter,
		IPPolicy:       ratelimit.Policy{Name: "ip", Limit: cfg.IPRateLimitRequests, Window: cfg.IPRateLimitWindow},
		AuthFailPolicy: a.API.AuthFailPolicy,
		RateLimiting:   cfg.EnableRateLimiting, TrustedProxies: cfg.TrustedProxies,
		AllowedOrigins: cfg.AllowedOrigins, CORSEnabled: cfg.CORSEnabled, HTTPSRequired: cfg.HTTPSRequired,
		Now: opt.Now, Metrics: mon.metrics,
	}
	probePaths, probes := a.API.Probes()
	a.Handler = server.WithProbes(server.Wrap(h, server.Chain(chain)), probes, probePaths, chain)
	a.jobs = append(a.jobs, a.scale.exclusive("retention", a.retention(opt.Now)))
	built = true
	return a, nil
}

// SecurityLogKeyPurpose names the keyring-derived key that chains the
// lines of the security log file (secevent.LogOptions.ChainKey); `samo
// seclog verify` derives the same key.
const SecurityLogKeyPurpose = "security-log chain"

// buildEvents sets up the security-event pipeline: the store always, the
// JSON log file, hash-chained, when SECURITY_LOGGING_ENABLED.
func (a *App) buildEvents(size int) error {
	sinks := []secevent.Sink{a.Store}
	if a.Cfg.SecurityLoggingEnabled {
		l, err := secevent.OpenRotatingJSONLog(a.Cfg.SecurityLogPath(), secevent.LogOptions{
			MaxSize: a.Cfg.SecurityLogMaxSize, MaxFiles: a.Cfg.SecurityLogMaxFiles,
			ChainKey: a.Keyring.DeriveKey(SecurityLogKeyPurpose),
		})
		if err != nil {
			return err
		}
		a.closers = append(a.closers, l.Close)
		sinks = append(sinks, l)
	}
	if a.Cfg.SecurityLogStderr {
		sinks = append(sinks, secevent.LogSink{Log: a.Log})
	}
	if size <= 0 {
		size = 8192
	}
	a.Events = secevent.NewPipeline(size, a.Log, time.Now, sinks...)
	return nil
}

// IDSConfig maps the configuration onto intrusion-detection settings.
func IDSConfig(cfg *config.Config) ids.Config {
	c := ids.DefaultConfig()
	c.RequestsPerMinute = cfg.IDSRequestsPerMinute
	c.SuspicionThreshold = cfg.IDSBlockThreshold
	c.Allowlist = cfg.IPAllowlist
	return c
}

func (a *App) buildIDS(now func() time.Time) error {
	d, err := ids.New(IDSConfig(a.Cfg), a.scale.blocks, a.Events, now)
	if err != nil {
		return err
	}
	a.IDS = d
	return nil
}

// Run runs the background jobs and serve (the server) until ctx ends or one
// of them fails; then it stops the rest and waits for them.
func (a *App) Run(ctx context.Context, serve func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, len(a.jobs)+1)
	for _, job := range a.jobs {
		wg.Go(func() {
			if err := job(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errc <- err
				cancel()
			}
		})
	}
	// The event pipeline outlives the server and the jobs, so the last
	// events (shutdown, final flushes) land.
	evctx, evcancel := context.WithCancel(context.WithoutCancel(ctx))
	evdone := make(chan struct{})
	go func() { _ = a.Events.Run(evctx); close(evdone) }()
	err := serve(ctx)
	cancel()
	wg.Wait()
	evcancel()
	<-evdone
	close(errc)
	for e := range errc {
		err = errors.Join(err, e)
	}
	return err
}

// Close releases the store and files.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	return errors.Join(errs...)
}

// retention purges old predictions, old security events
// (SECURITY_EVENT_RETENTION), expired refresh tokens, deny-list entries
// and idempotency keys hourly.
func (a *App) retention(now func() time.Time) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			// An error because the server is stopping (a failed bind
			// included) is no failure: nothing is logged for it.
			if n, err := a.Predictions.Purge(ctx, a.Cfg.PredictionRetention); err != nil && ctx.Err() == nil {
				a.Log.Error("retention purge failed", "error", err)
			} else if n > 0 {
				a.Log.Info("retention purge", "predictions_deleted", n)
			}
			a.purgeEvents(ctx, now())
			if _, err := a.Store.PurgeRefresh(ctx, now()); err != nil && ctx.Err() == nil {
				a.Log.Error("refresh token purge failed", "error", err)
			}
			if _, err := a.Store.PurgeDenials(ctx, now()); err != nil && ctx.Err() == nil {
				a.Log.Error("token deny-list purge failed", "error", err)
			}
			if _, err := a.Store.PurgeIdempotency(ctx, now()); err != nil && ctx.Err() == nil {
				a.Log.Error("idempotency key purge failed", "error", err)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}
}

// purgeEvents deletes security events older than SECURITY_EVENT_RETENTION
// (none when it is 0) and returns how many.
func (a *App) purgeEvents(ctx context.Context, now time.Time) int64 {
	if a.Cfg.SecurityEventRetention <= 0 {
		return 0
	}
	n, err := a.Store.PurgeEvents(ctx, now.Add(-a.Cfg.SecurityEventRetention))
	if err != nil && ctx.Err() == nil {
		a.Log.Error("security event purge failed", "error", err)
	} else if n > 0 {
		a.Log.Info("retention purge", "security_events_deleted", n)
	}
	return n
}

// maskText adapts mask.Masker to prediction.Masker: m masks, pii finds the
// personal data whose words are indexed apart.
type maskText struct{ m, pii *mask.Masker }

func (m maskText) PIISpans(s string) []prediction.Span {
	rs := m.pii.ByteRanges(s)
	if len(rs) == 0 {
		return nil
	}
	out := make([]prediction.Span, len(rs))
	for i, r := range rs {
		out[i] = prediction.Span{Start: r[0], End: r[1]}
	}
	return out
}

func (m maskText) MaskText(s string) string { out, _ := m.m.Mask(s); return out }

func (m maskText) AnonymizeText(s string) string { return m.m.Anonymize(s) }

// Pseudonym is HMAC-SHA256 under the keyring's "pseudonym" key (HKDF from
// the keyring root, which is wrapped under ENCRYPTION_KEY).
func (m maskText) Pseudonym(userID string) string { return m.m.Pseudonym(userID) }
