package app

import (
	"context"
	"net/http"
	"time"

	"github.com/samo-brain/samo/internal/alert"
	"github.com/samo-brain/samo/internal/buildinfo"
	"github.com/samo-brain/samo/internal/gateway"
	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/metrics"
	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/report"
)

// monitoring is the operations side: metrics, the alert outbox, incidents
// and reports.
type monitoring struct {
	metrics   *metrics.Metrics
	outbox    *alert.Outbox
	incidents *incident.Service
	reports   *report.Builder
}

// buildMonitoring wires metrics, alerts, incidents and reports to the event
// pipeline (subscribers run after events are persisted, in this order) and
// adds their background jobs. It needs Store, Events, IDS and Keys.
func (a *App) buildMonitoring(now func() time.Time, model Predictor) (*monitoring, error) {
	cfg := a.Cfg
	outbox, err := alert.NewOutbox(alert.Config{URL: cfg.SecurityAlertWebhook, Secret: cfg.SecurityAlertSecret.Reveal(),
		AllowPrivate: cfg.SecurityAlertAllowPrivate}, a.Store, nil, a.Log, now)
	if err != nil {
		return nil, err
	}
	incidents := incident.NewService(incident.Deps{Store: a.Store, Blocker: a.IDS, Suspender: a.Keys,
		Alerter: outbox, Watcher: a.IDS, Events: a.Events, Log: a.Log, Now: now})
	m := metrics.New(metrics.Options{Version: buildinfo.Version(), GoVersion: buildinfo.GoVersion(),
		Shed: a.Events.Shed, Store: a.Store, Now: now,
		BlockedIPs: func(ctx context.Context) (int, error) {
			st, err := a.IDS.Status(ctx)
			return len(st.Blocked), err
		},
		Dependencies: a.dependencies(),
		AlertBacklog: func(ctx context.Context) (int, error) {
			st, err := outbox.Stats(ctx)
			return st.Pending, err
		},
		Breakers: breakers(model),
		Pools:    a.Store.PoolStats,
	})
	a.Events.Subscribe(m.OnEvents)
	a.Events.Subscribe(outbox.OnEvents)
	a.Events.Subscribe(incidents.OnEvents)
	reports := report.NewBuilder(a.Store, incidents, now)
	a.jobs = append(a.jobs, outbox.Run, a.scale.exclusive("security_report", (&report.Scheduler{Builder: reports,
		Alerter: outbox, Jobs: a.Store, Interval: cfg.SecurityReportInterval, Log: a.Log, Now: now}).Run))
	if cfg.MetricsAddr != "" {
		// The metrics listener answers /metrics and nothing else.
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		a.MetricsHandler = mux
	}
	return &monitoring{metrics: m, outbox: outbox, incidents: incidents, reports: reports}, nil
}

// observed counts predictions and their inference time for Prometheus.
type observed struct {
	Predictor
	m *metrics.Metrics
}

func (o observed) Predict(ctx context.Context, text, taxonomy string, threshold *float64) (prediction.Result, error) {
	start := time.Now()
	r, err := o.Predictor.Predict(ctx, text, taxonomy, threshold)
	if err == nil {
		o.m.ObservePrediction(taxonomy, time.Since(start))
	}
	return r, err
}

// dependencies are the probes behind samo_dependency_up.
func (a *App) dependencies() map[string]func(context.Context) error {
	deps := map[string]func(context.Context) error{"store": a.Store.Ping}
	if a.scale.redis != nil {
		deps["redis"] = a.scale.redis.Ping
	}
	return deps
}

// breakers exports the model gateway's circuit breaker (gateway mode only).
func breakers(model Predictor) func() map[string]string {
	g, ok := model.(interface{ State() gateway.State })
	if !ok {
		return nil
	}
	return func() map[string]string { return map[string]string{"model": g.State().String()} }
}
