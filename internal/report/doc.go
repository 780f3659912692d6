// Package report builds SAMO's security report for a period and sends it
// on a schedule.
//
// A Report holds the period's events by type and severity, a timeline
// (buckets of 1 min to 7 days, chosen for at most 60 bars, empty buckets
// included), the top offending client IPs and keys (counting only offence
// types such as authentication failures, rate limiting, injections, blocks;
// an admin creating keys is no offender), IP blocks issued (automatic by
// intrusion detection or manual) and lifted, authentication failures by
// reason, rate-limited requests by scope, events shed under overload, and
// the incident report (counts, time to acknowledge and to resolve). Every
// figure comes from aggregate SQL queries (Store), so a report over a year
// does not load the events.
//
// Formats: JSON (the Report), CSV (one long table: section, key, detail,
// value; cells a spreadsheet would run as formulas are prefixed with a
// quote) and HTML: one page, inline SVG charts, no script and no external
// asset, rendered with html/template so every value is escaped in context.
// Its only CSS block is allowed by hash in ContentSecurityPolicy, which the
// API sends with the page and the page repeats in a meta element for saved
// copies.
//
// Scheduler sends the report of each SECURITY_REPORT_INTERVAL through the
// alert outbox (durable, signed, retried). The end of the last reported
// period is kept in the jobs table, so restarts neither skip nor repeat a
// period, and one report covers a downtime (at most 31 days); the
// idempotency key names the period, so replicas queue each report once.
// The first start only records the time: the first report covers the first
// full interval after it.
package report
