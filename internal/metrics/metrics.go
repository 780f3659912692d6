package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/samo-brain/samo/internal/secevent"
)

// Options configure New. Every field is optional.
type Options struct {
	// Version and GoVersion label samo_build_info.
	Version   string
	GoVersion string
	// BlockedIPs returns the number of active IP blocks (samo_blocked_ips);
	// it is called at scrape time with a 2-second timeout.
	BlockedIPs func(ctx context.Context) (int, error)
	// Shed returns the number of security events shed under overload
	// (secevent.Pipeline.Shed), exported as samo_events_shed_total.
	Shed func() int64
	// Store feeds the JSON summary (events in the last 24 hours and live
	// per-emotion quality from feedback).
	Store Store
	// Dependencies are probed at scrape time (2-second timeout each) and
	// exported as samo_dependency_up{dependency}: 1 reachable, 0 not.
	Dependencies map[string]func(ctx context.Context) error
	// AlertBacklog returns the alert deliveries waiting in the outbox
	// (samo_alert_outbox_pending; -1 when it cannot be read).
	AlertBacklog func(ctx context.Context) (int, error)
	// Breakers returns the state of each circuit breaker by upstream
	// (samo_circuit_breaker_state{upstream,state}: 1 for the current state).
	Breakers func() map[string]string
	// Pools returns database connection-pool statistics by pool name
	// (samo_db_pool_*{pool}).
	Pools func() map[string]sql.DBStats
	// Now is the clock (default time.Now).
	Now func() time.Time
	// FeedbackWindow bounds how many of the newest feedback rows the
	// quality figures use (default 50,000).
	FeedbackWindow int
}

// Metrics is SAMO's Prometheus registry and the JSON summary behind
// GET /v1/metrics. It is safe for concurrent use.
type Metrics struct {
	reg   *prometheus.Registry
	opt   Options
	start time.Time

	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	events        *prometheus.CounterVec
	authFailures  *prometheus.CounterVec
	rateLimited   *prometheus.CounterVec
	predictions   *prometheus.CounterVec
	inference     prometheus.Histogram
	methods       *labelSet
	routes        *labelSet
	types         *labelSet
	reasons       *labelSet
	limits        *labelSet
	taxonomies    *labelSet
	qualityMu     sync.Mutex
	qualityAt     time.Time
	qualityCached *Quality
}

// New returns Metrics with its own registry (never the global one): the
// SAMO metrics, the Go runtime and the process collectors.
func New(opt Options) *Metrics {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.FeedbackWindow <= 0 {
		opt.FeedbackWindow = 50000
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(), opt: opt, start: opt.Now(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "samo_http_requests_total", Help: "HTTP requests served, by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "samo_http_request_duration_seconds", Help: "HTTP request duration by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "samo_security_events_total", Help: "Security events persisted, by type and severity (shed events are in samo_events_shed_total).",
		}, []string{"type", "severity"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "samo_auth_failures_total", Help: "Failed authentications by reason.",
		}, []string{"reason"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "samo_rate_limited_requests_total", Help: "Requests refused with 429 by rate limiting, by the limit that refused them (ip, principal, ...).",
		}, []string{"limit"}),
		predictions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "samo_predictions_total", Help: "Texts classified, by taxonomy.",
		}, []string{"taxonomy"}),
		inference: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "samo_inference_duration_seconds", Help: "Model inference time per text.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
		methods:    newLabelSet(16),
		routes:     newLabelSet(256),
		types:      newLabelSet(128),
		reasons:    newLabelSet(32),
		limits:     newLabelSet(16),
		taxonomies: newLabelSet(8),
	}
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "samo_build_info", Help: "Build information; the value is always 1.",
	}, []string{"version", "go_version"})
	build.WithLabelValues(opt.Version, opt.GoVersion).Set(1)
	blocked := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "samo_blocked_ips", Help: "Client addresses (IPv6: /64 prefixes) blocked right now.",
	}, m.blockedIPs)
	shed := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "samo_events_shed_total", Help: "Low and medium security events dropped under overload.",
	}, func() float64 {
		if opt.Shed == nil {
			return 0
		}
		return float64(opt.Shed())
	})
	m.reg.MustRegister(m.requests, m.duration, m.events, m.authFailures, m.rateLimited, m.predictions, m.inference,
		build, blocked, shed, newHealthCollector(opt),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) blockedIPs() float64 {
	if m.opt.BlockedIPs == nil {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := m.opt.BlockedIPs(ctx)
	if err != nil {
		return -1 // visible in dashboards, unlike a stale value
	}
	return float64(n)
}

// Registry returns the registry (for tests and extra collectors).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format, for the
// separate METRICS_ADDR listener.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, MaxRequestsInFlight: 4, Timeout: 10 * time.Second})
}

// ObserveRequest counts one finished HTTP request (server.RequestObserver).
// route is the route pattern ("POST /v1/predict") or "unmatched", never a
// raw path, so no label carries an id, key or address; the method is its
// own label, so the route label is the path pattern alone ("/v1/predict").
func (m *Metrics) ObserveRequest(method, route string, status int, d time.Duration) {
	method = m.methods.get(knownMethod(method))
	if _, path, ok := strings.Cut(route, " "); ok {
		route = path
	}
	route = m.routes.get(cleanRoute(route))
	code := "other"
	if status >= 100 && status <= 599 {
		code = strconv.Itoa(status)
	}
	m.requests.WithLabelValues(method, route, code).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// ObservePrediction counts one classified text and its inference time.
func (m *Metrics) ObservePrediction(taxonomy string, inference time.Duration) {
	m.predictions.WithLabelValues(m.taxonomies.get(cleanName(taxonomy, 20))).Inc()
	m.inference.Observe(inference.Seconds())
}

// OnEvents is a secevent.Subscriber counting persisted events by type and
// severity, authentication failures by reason and rate-limited requests.
// Only event types, severities and reasons become labels, never the
// event's address, key or user.
func (m *Metrics) OnEvents(_ context.Context, es []secevent.Event) {
	for _, e := range es {
		sev := string(e.Severity)
		if !e.Severity.Valid() {
			sev = "unknown"
		}
		m.events.WithLabelValues(m.types.get(cleanName(string(e.Type), 40)), sev).Inc()
		switch e.Type {
		case secevent.AuthFailure:
			m.authFailures.WithLabelValues(m.reasons.get(cleanName(e.Details["reason"], 40))).Inc()
		case secevent.RateLimited:
			m.rateLimited.WithLabelValues(m.limits.get(cleanName(e.Details["scope"], 20))).Inc()
		}
	}
}

// knownMethod maps a request method onto the standard set ("OTHER" else).
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// cleanRoute accepts a route pattern of at most 120 characters from
// [A-Za-z0-9 /{}._-]; anything else becomes "other".
func cleanRoute(r string) string {
	if r == "" {
		return "unmatched"
	}
	if len(r) > 120 {
		return "other"
	}
	for i := 0; i < len(r); i++ {
		c := r[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ' || c == '/' || c == '{' || c == '}' || c == '.' || c == '_' || c == '-'
		if !ok {
			return "other"
		}
	}
	return r
}

// cleanName accepts [a-z0-9_] names up to n bytes; "" becomes "unspecified"
// and anything else "other".
func cleanName(s string, n int) string {
	if s == "" {
		return "unspecified"
	}
	if len(s) > n {
		return "other"
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return "other"
		}
	}
	return s
}

// labelSet caps the number of distinct values of a label: once full, new
// values become "other", so no input can grow the series without bound.
type labelSet struct {
	mu   sync.Mutex
	max  int
	seen map[string]struct{}
}

func newLabelSet(max int) *labelSet { return &labelSet{max: max, seen: map[string]struct{}{}} }

func (l *labelSet) get(v string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.seen[v]; ok {
		return v
	}
	if len(l.seen) >= l.max {
		return "other"
	}
	l.seen[v] = struct{}{}
	return v
}
