// Package alert delivers SAMO's security alerts to SECURITY_ALERT_WEBHOOK
// through a durable outbox.
//
// # Durability
//
// Nothing is sent from the request path. High and critical events reach
// Outbox.OnEvents (a secevent.Subscriber, called after the events are
// persisted), which writes one outbox row per message in the store; a worker
// (Outbox.Run) delivers due rows and records every attempt. Delivery is at
// least once: a row is marked delivered only after a 2xx answer, so a crash
// or a lost response means the same message is sent again with the same
// idempotency key (webhook-id and Idempotency-Key headers) and the same body;
// receivers deduplicate on it. Failed attempts are retried with exponential
// backoff (BaseBackoff doubling up to MaxBackoff, with "equal jitter") for
// MaxAge (72 h by default); then the row is marked dead. Attempts, the last
// error and the state of every row are visible to admins (Outbox.List).
//
// Several replicas may run workers on one database: a worker claims a row by
// compare-and-set on its next_at, pushing it Lease into the future and
// counting the attempt, so two workers never run the same attempt and a
// worker that dies mid-delivery only delays the row until the lease ends.
//
// An event persisted but never handed to the outbox (a crash between the two
// transactions, or a store error in OnEvents) is found again by CatchUp,
// which Run calls at start and after any failure: it re-reads high and
// critical events from the store since the newest event already queued
// (less ten minutes) and queues those not queued yet. The store remembers
// which event went into which row (alert_outbox_events), so an event is
// queued exactly once however often it is presented.
//
// # Grouping
//
// Alerts of the same event type against the same target (secevent.Target:
// the key the event names, else its user, else its route; never the client
// address, so one attacker rotating through addresses or IPv6 /64s is one
// group) are grouped: an event joins the group's newest row as long
// as that row has never been attempted, raising its count; once a row has
// been attempted, the next event of the group starts a row held until the
// window (GroupWindow, 5 min) after the previous one. So a flood produces at
// most one message per group per window, each carrying "count" and
// "last_seen"; the first one goes out at once. A row stops absorbing events
// once attempted, which keeps the body identical across retries.
//
// # Signing
//
// Messages are signed in the Standard Webhooks style: webhook-id,
// webhook-timestamp (unix seconds) and webhook-signature "v1,<base64
// HMAC-SHA256 of id.timestamp.body>" under SECURITY_ALERT_SECRET (a
// "whsec_<base64>" secret is decoded as Standard Webhooks libraries do;
// anything else is used as raw bytes). Verify is the receiver-side check
// (constant-time comparison, timestamp tolerance against replays); the
// Standard Webhooks reference vector is in the tests, so receivers using
// those libraries interoperate. Without a secret messages go unsigned;
// production configuration refuses a webhook without a strong secret, and
// `samo check` fails on it.
//
// # The HTTP client
//
// NewClient checks the address of every connection after DNS resolution, in
// net.Dialer.Control, so neither a hostile name nor DNS rebinding can point
// it at loopback, private (RFC 1918, ULA), link-local, CGNAT, multicast,
// unspecified, reserved or documentation ranges (IPv4-mapped, NAT64 and 6to4
// forms are judged by the IPv4 address inside). SECURITY_ALERT_ALLOW_PRIVATE
// lifts that for receivers on the same host or network, but cloud metadata
// endpoints (169.254.169.254, fd00:ec2::254, ...) stay refused. The client
// ignores proxy environment variables (a proxy would make the checked
// address the proxy's), follows no redirects (a 3xx is a failed attempt),
// bounds dialing, TLS, headers and the whole request, and reads at most 64
// KiB of a response. Errors recorded as last_error never include the webhook
// URL, which often carries a token.
//
// Defaults: MinSeverity high; GroupWindow 5 min; MaxAge 72 h then "dead";
// finished rows purged after 7 days. An unconfigured webhook disables the
// outbox entirely (nothing is queued).
package alert
