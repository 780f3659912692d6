package metrics

import (
	"context"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// breakerStates are the values of samo_circuit_breaker_state's state label.
var breakerStates = []string{"closed", "open", "half_open"}

// healthCollector exports, at scrape time, what the process depends on:
// dependency reachability, the alert outbox backlog, circuit breakers and
// the database pools.
type healthCollector struct {
	opt                                 Options
	up, backlog, breaker                *prometheus.Desc
	open, inUse, idle, maxOpen, waits   *prometheus.Desc
	waitSeconds, closedIdle, closedLife *prometheus.Desc
}

func newHealthCollector(opt Options) *healthCollector {
	pool := []string{"pool"}
	return &healthCollector{
		opt: opt,
		up: prometheus.NewDesc("samo_dependency_up", "Whether a dependency (store, redis) answered a probe at scrape time: 1 yes, 0 no.",
			[]string{"dependency"}, nil),
		backlog: prometheus.NewDesc("samo_alert_outbox_pending", "Alert webhook deliveries waiting in the outbox (-1: unreadable).", nil, nil),
		breaker: prometheus.NewDesc("samo_circuit_breaker_state", "Circuit-breaker state per upstream: 1 for the current state, 0 for the others.",
			[]string{"upstream", "state"}, nil),
		open:        prometheus.NewDesc("samo_db_pool_open_connections", "Open database connections (in use and idle).", pool, nil),
		inUse:       prometheus.NewDesc("samo_db_pool_in_use_connections", "Database connections in use.", pool, nil),
		idle:        prometheus.NewDesc("samo_db_pool_idle_connections", "Idle database connections.", pool, nil),
		maxOpen:     prometheus.NewDesc("samo_db_pool_max_open_connections", "Maximum open database connections (0: unlimited).", pool, nil),
		waits:       prometheus.NewDesc("samo_db_pool_waits_total", "Times a caller waited for a free database connection.", pool, nil),
		waitSeconds: prometheus.NewDesc("samo_db_pool_wait_seconds_total", "Total time spent waiting for a free database connection.", pool, nil),
		closedIdle:  prometheus.NewDesc("samo_db_pool_closed_idle_total", "Connections closed for being idle too long or too many.", pool, nil),
		closedLife:  prometheus.NewDesc("samo_db_pool_closed_lifetime_total", "Connections closed at their maximum lifetime.", pool, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *healthCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.up, c.backlog, c.breaker, c.open, c.inUse, c.idle, c.maxOpen, c.waits, c.waitSeconds, c.closedIdle, c.closedLife} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *healthCollector) Collect(ch chan<- prometheus.Metric) {
	names := make([]string, 0, len(c.opt.Dependencies))
	for n := range c.opt.Dependencies {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		up := 1.0
		if err := c.opt.Dependencies[n](ctx); err != nil {
			up = 0
		}
		cancel()
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up, n)
	}
	if c.opt.AlertBacklog != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		n, err := c.opt.AlertBacklog(ctx)
		cancel()
		v := float64(n)
		if err != nil {
			v = -1
		}
		ch <- prometheus.MustNewConstMetric(c.backlog, prometheus.GaugeValue, v)
	}
	if c.opt.Breakers != nil {
		for upstream, state := range c.opt.Breakers() {
			for _, s := range breakerStates {
				v := 0.0
				if s == state {
					v = 1
				}
				ch <- prometheus.MustNewConstMetric(c.breaker, prometheus.GaugeValue, v, upstream, s)
			}
		}
	}
	if c.opt.Pools != nil {
		for name, st := range c.opt.Pools() {
			ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(st.OpenConnections), name)
			ch <- prometheus.MustNewConstMetric(c.inUse, prometheus.GaugeValue, float64(st.InUse), name)
			ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(st.Idle), name)
			ch <- prometheus.MustNewConstMetric(c.maxOpen, prometheus.GaugeValue, float64(st.MaxOpenConnections), name)
			ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(st.WaitCount), name)
			ch <- prometheus.MustNewConstMetric(c.waitSeconds, prometheus.CounterValue, st.WaitDuration.Seconds(), name)
			ch <- prometheus.MustNewConstMetric(c.closedIdle, prometheus.CounterValue, float64(st.MaxIdleClosed+st.MaxIdleTimeClosed), name)
			ch <- prometheus.MustNewConstMetric(c.closedLife, prometheus.CounterValue, float64(st.MaxLifetimeClosed), name)
		}
	}
}
