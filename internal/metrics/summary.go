package metrics

import (
	"context"
	"math"
	"sort"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/samo-brain/samo/internal/secevent"
)

// qualityTTL is how long the feedback figures are reused between calls.
const qualityTTL = 15 * time.Second

// LabelCounts are the confusion counts of one emotion over feedback:
// TP predicted and true, FP predicted but not true, FN true but not
// predicted.
type LabelCounts struct {
	Taxonomy string
	Emotion  string
	TP       int
	FP       int
	FN       int
}

// Store supplies the persisted figures of the summary. *store.Store
// implements it.
type Store interface {
	// FeedbackCounts compares the emotions of the newest limit predictions
	// that have feedback with their true labels, and returns the counts per
	// taxonomy and emotion (sorted) and how many feedback rows it read.
	FeedbackCounts(ctx context.Context, limit int) ([]LabelCounts, int, error)
	// EventSeverityCounts counts security events at or after since by
	// severity.
	EventSeverityCounts(ctx context.Context, since time.Time) (map[secevent.Severity]int, error)
}

// EmotionQuality is the live precision and recall of one emotion. A ratio
// with a zero denominator is null.
type EmotionQuality struct {
	Taxonomy  string   `json:"taxonomy"`
	Emotion   string   `json:"emotion"`
	Support   int      `json:"support"` // true occurrences (TP+FN)
	TP        int      `json:"tp"`
	FP        int      `json:"fp"`
	FN        int      `json:"fn"`
	Precision *float64 `json:"precision"`
	Recall    *float64 `json:"recall"`
	F1        *float64 `json:"f1"`
}

// Macro averages precision, recall and F1 over a taxonomy's emotions that
// have a defined value.
type Macro struct {
	Precision *float64 `json:"precision"`
	Recall    *float64 `json:"recall"`
	F1        *float64 `json:"f1"`
}

// Quality is the model-quality part of the summary.
type Quality struct {
	FeedbackCount int              `json:"feedback_count"`
	Window        int              `json:"window"` // newest feedback rows considered at most
	PerEmotion    []EmotionQuality `json:"per_emotion"`
	Macro         map[string]Macro `json:"macro"` // by taxonomy
	ComputedAt    time.Time        `json:"computed_at"`
	Unavailable   string           `json:"unavailable,omitempty"`
}

// Summary is the JSON document of GET /v1/metrics.
type Summary struct {
	GeneratedAt time.Time       `json:"generated_at"`
	Service     ServiceSummary  `json:"service"`
	Security    SecuritySummary `json:"security"`
	Model       *Quality        `json:"model"`
}

// ServiceSummary holds the service figures since start.
type ServiceSummary struct {
	Version          string             `json:"version"`
	GoVersion        string             `json:"go_version"`
	UptimeSeconds    float64            `json:"uptime_seconds"`
	RequestsTotal    float64            `json:"requests_total"`
	RequestsByStatus map[string]float64 `json:"requests_by_status_class"`
	MeanRequestSecs  float64            `json:"mean_request_seconds"`
	Predictions      map[string]float64 `json:"predictions_by_taxonomy"`
	MeanInferenceSec float64            `json:"mean_inference_seconds"`
}

// SecuritySummary holds the security figures.
type SecuritySummary struct {
	EventsSinceStart map[string]float64        `json:"events_since_start_by_severity"`
	EventsLast24h    map[secevent.Severity]int `json:"events_last_24h_by_severity,omitempty"`
	AuthFailures     map[string]float64        `json:"auth_failures_by_reason"`
	RateLimitedTotal float64                   `json:"rate_limited_total"`
	BlockedIPs       float64                   `json:"blocked_ips"`
	EventsShedTotal  float64                   `json:"events_shed_total"`
	StoreUnavailable string                    `json:"store_unavailable,omitempty"`
}

// Summary returns service, security and model-quality figures as JSON-ready
// data (api.MetricsSource). It never fails for a store outage: the
// persisted parts then say so.
func (m *Metrics) Summary(ctx context.Context) (any, error) {
	now := m.opt.Now()
	mfs, err := m.reg.Gather()
	if err != nil {
		return nil, err
	}
	fam := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		fam[mf.GetName()] = mf
	}
	s := Summary{GeneratedAt: now.UTC()}
	s.Service = ServiceSummary{
		Version: m.opt.Version, GoVersion: m.opt.GoVersion, UptimeSeconds: now.Sub(m.start).Seconds(),
		RequestsByStatus: map[string]float64{}, Predictions: sumBy(fam["samo_predictions_total"], "taxonomy"),
	}
	for code, n := range sumBy(fam["samo_http_requests_total"], "code") {
		class := "other"
		if len(code) == 3 {
			class = code[:1] + "xx"
		}
		s.Service.RequestsByStatus[class] += n
		s.Service.RequestsTotal += n
	}
	s.Service.MeanRequestSecs = histogramMean(fam["samo_http_request_duration_seconds"])
	s.Service.MeanInferenceSec = histogramMean(fam["samo_inference_duration_seconds"])
	s.Security = SecuritySummary{
		EventsSinceStart: sumBy(fam["samo_security_events_total"], "severity"),
		AuthFailures:     sumBy(fam["samo_auth_failures_total"], "reason"),
		RateLimitedTotal: total(fam["samo_rate_limited_requests_total"]),
		BlockedIPs:       total(fam["samo_blocked_ips"]),
		EventsShedTotal:  total(fam["samo_events_shed_total"]),
	}
	if m.opt.Store != nil {
		counts, err := m.opt.Store.EventSeverityCounts(ctx, now.Add(-24*time.Hour))
		if err != nil {
			s.Security.StoreUnavailable = "event counts unavailable"
		} else {
			s.Security.EventsLast24h = counts
		}
		s.Model = m.quality(ctx, now)
	}
	return s, nil
}

// quality returns the cached model-quality figures, recomputing them when
// older than qualityTTL.
func (m *Metrics) quality(ctx context.Context, now time.Time) *Quality {
	m.qualityMu.Lock()
	defer m.qualityMu.Unlock()
	if m.qualityCached != nil && now.Sub(m.qualityAt) < qualityTTL {
		return m.qualityCached
	}
	counts, n, err := m.opt.Store.FeedbackCounts(ctx, m.opt.FeedbackWindow)
	if err != nil {
		return &Quality{Window: m.opt.FeedbackWindow, ComputedAt: now.UTC(), Unavailable: "feedback unavailable"}
	}
	q := ComputeQuality(counts)
	q.FeedbackCount, q.Window, q.ComputedAt = n, m.opt.FeedbackWindow, now.UTC()
	m.qualityCached, m.qualityAt = q, now
	return q
}

// ComputeQuality turns confusion counts into per-emotion precision,
// recall and F1 and their macro averages per taxonomy.
func ComputeQuality(counts []LabelCounts) *Quality {
	q := &Quality{Macro: map[string]Macro{}, PerEmotion: []EmotionQuality{}}
	type acc struct{ p, r, f []float64 }
	macro := map[string]*acc{}
	for _, c := range counts {
		e := EmotionQuality{Taxonomy: c.Taxonomy, Emotion: c.Emotion, Support: c.TP + c.FN, TP: c.TP, FP: c.FP, FN: c.FN}
		e.Precision = ratio(c.TP, c.TP+c.FP)
		e.Recall = ratio(c.TP, c.TP+c.FN)
		if e.Precision != nil && e.Recall != nil {
			if d := *e.Precision + *e.Recall; d > 0 {
				f := 2 * *e.Precision * *e.Recall / d
				e.F1 = &f
			} else {
				zero := 0.0
				e.F1 = &zero
			}
		}
		q.PerEmotion = append(q.PerEmotion, e)
		a := macro[c.Taxonomy]
		if a == nil {
			a = &acc{}
			macro[c.Taxonomy] = a
		}
		if e.Precision != nil {
			a.p = append(a.p, *e.Precision)
		}
		if e.Recall != nil {
			a.r = append(a.r, *e.Recall)
		}
		if e.F1 != nil {
			a.f = append(a.f, *e.F1)
		}
	}
	sort.Slice(q.PerEmotion, func(i, j int) bool {
		a, b := q.PerEmotion[i], q.PerEmotion[j]
		return a.Taxonomy < b.Taxonomy || a.Taxonomy == b.Taxonomy && a.Emotion < b.Emotion
	})
	for tax, a := range macro {
		q.Macro[tax] = Macro{Precision: mean(a.p), Recall: mean(a.r), F1: mean(a.f)}
	}
	return q
}

func ratio(num, den int) *float64 {
	if den == 0 {
		return nil
	}
	v := float64(num) / float64(den)
	return &v
}

func mean(vs []float64) *float64 {
	if len(vs) == 0 {
		return nil
	}
	var s float64
	for _, v := range vs {
		s += v
	}
	s /= float64(len(vs))
	return &s
}

// sumBy sums a counter family's values by one label.
func sumBy(mf *dto.MetricFamily, label string) map[string]float64 {
	out := map[string]float64{}
	if mf == nil {
		return out
	}
	for _, m := range mf.GetMetric() {
		key := ""
		for _, lp := range m.GetLabel() {
			if lp.GetName() == label {
				key = lp.GetValue()
			}
		}
		out[key] += value(m)
	}
	return out
}

func total(mf *dto.MetricFamily) float64 {
	if mf == nil {
		return 0
	}
	var s float64
	for _, m := range mf.GetMetric() {
		s += value(m)
	}
	return s
}

func value(m *dto.Metric) float64 {
	switch {
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	}
	return 0
}

func histogramMean(mf *dto.MetricFamily) float64 {
	if mf == nil {
		return 0
	}
	var sum float64
	var n uint64
	for _, m := range mf.GetMetric() {
		if h := m.GetHistogram(); h != nil {
			sum += h.GetSampleSum()
			n += h.GetSampleCount()
		}
	}
	if n == 0 || math.IsNaN(sum) {
		return 0
	}
	return sum / float64(n)
}
