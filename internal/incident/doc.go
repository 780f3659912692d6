// Package incident keeps security incidents and runs the response
// playbooks.
//
// An incident has a type, a severity, a description, a status (open →
// acknowledged → resolved, or open → resolved; resolved is final), the
// sources it concerns ("ip:…", "key:…", "user:…", or "type:…" for events
// naming none), the security events linked to it and a timeline of actions,
// each with its time, actor and outcome. Everything is persisted through
// Store (the store package, SQLite or PostgreSQL).
//
// # Opening and joining
//
// Service.OnEvents is a secevent.Subscriber. Every high or critical event
// opens an incident, or joins the newest unresolved incident that shares
// any of its sources, so an attacker who switches address but keeps the
// stolen key lands in the same incident. Events also join by campaign
// (CampaignSources): an event of the same type against the same target (the
// key it names, else its user, else its route) in the same or the previous
// 5-minute window joins, whatever its address, so a brute force from five
// IPv6 /64s is one incident with one alert, while a different type or target
// opens its own. A critical event joining a critical incident still has its
// own address blocked. The find-or-open step is one
// transaction (serialised across PostgreSQL replicas by an advisory lock),
// so concurrent events never open two incidents for one source. A joining
// event of higher severity escalates the incident and runs the playbook of
// the new severity.
//
// # Playbooks
//
// The playbooks run real actions through small interfaces (Blocker:
// ids.Detector; Suspender: apikey.Service; Alerter: alert.Outbox; Watcher:
// ids.Detector, whose Watch tightens the watched address's allowances) and record each as a timeline entry with its outcome ("ok: …",
// "failed: …", "skipped: …"), never hiding a failure:
//
//	critical: block the client IP for BlockDuration (24 h), suspend the key,
//	          alert (the notice lists the two outcomes)
//	high:     alert, watch the source
//
// "Watch" calls the Watcher for the source address until WatchDuration
// (24 h) has passed; in every case further events from the source join the
// incident and a critical one escalates it to the critical playbook. Alerts
// use the idempotency key "incident:<id>:opened" or ":escalated", so
// replays never alert twice.
//
// Incidents opened by hand (Service.Open: the API and `samo incidents
// open`) run the playbook of their severity too, against what their Source
// names: "ip:ADDR" is blocked (critical) or watched (high), "key:ID" is
// suspended (critical). A source naming neither makes those steps record
// "skipped". The admin records further actions with AddAction.
//
// Incident handling records incident_opened (manual), incident_acknowledged
// and incident_resolved events (low) and key_suspended (medium). A
// subscriber must not record high events: the pipeline worker that calls it
// would wait on its own full buffer.
//
// Report computes counts by severity and status and the mean, median and
// maximum times to acknowledge and to resolve, for incidents created in a
// period.
package incident
