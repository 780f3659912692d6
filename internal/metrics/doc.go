// Package metrics is SAMO's Prometheus instrumentation and the JSON summary
// behind GET /v1/metrics.
//
// Metrics live in their own registry (never the global one), served by
// Handler on the separate METRICS_ADDR listener:
//
//	samo_http_requests_total{method,route,code}
//	samo_http_request_duration_seconds{route}          histogram
//	samo_security_events_total{type,severity}
//	samo_auth_failures_total{reason}
//	samo_rate_limited_requests_total{limit}            ip, principal, ...
//	samo_blocked_ips                                    gauge, read at scrape time
//	samo_dependency_up{dependency}                      store, redis: probed at scrape time
//	samo_alert_outbox_pending                           gauge, -1 when unreadable
//	samo_circuit_breaker_state{upstream,state}          1 for the current state
//	samo_db_pool_{open,in_use,idle,max_open}_connections{pool}, samo_db_pool_waits_total,
//	samo_db_pool_wait_seconds_total, samo_db_pool_closed_{idle,lifetime}_total
//	samo_predictions_total{taxonomy}
//	samo_inference_duration_seconds                     histogram
//	samo_events_shed_total                              from the event pipeline
//	samo_build_info{version,go_version}                 always 1
//
// plus the Go runtime and process collectors.
//
// No label carries an IP address, key, user id, request path or any other
// value a client chooses: routes are route-table path patterns
// ("/v1/predictions/{id}"; the method is its own label), methods outside the standard set become "OTHER",
// and type, reason and taxonomy labels must match [a-z0-9_] or become
// "other". Every label also has a cap on distinct values (for example 32
// reasons), past which new values count as "other", so no input can grow
// the number of series without bound.
//
// Event counters are fed by OnEvents, a secevent.Subscriber, so they count
// what was persisted; events shed under overload are counted once, in
// samo_events_shed_total. ObserveRequest implements server.RequestObserver;
// ObservePrediction is called per classified text.
//
// Summary returns service figures (uptime, requests by status class, mean
// latency, predictions), security figures (events since start and in the
// last 24 hours by severity, failures by reason, blocks, shed events) and
// live model quality: per-emotion precision, recall and F1 and their macro
// averages per taxonomy, from the newest FeedbackWindow (50,000) feedback
// rows joined with their predictions. Precision or recall with a zero
// denominator is null, not 0 or 1. The quality figures are cached for 15
// seconds; a store outage degrades the summary (it says so) instead of
// failing the endpoint.
package metrics
