// Package dashboard is SAMO's web dashboard at /dashboard/: server-rendered
// pages (html/template, embedded templates and one stylesheet) for admins
// and analysts, behind server-side sessions opened with an API key.
//
// # Mounting
//
// The dashboard has its own route table (routes.go) and ServeMux, mounted
// in front of the API handler with Mount and placed behind the same global
// middleware chain (request id, access log, security headers, block check,
// per-IP rate limit). It does not contribute api.Route entries: those
// authenticate each request with X-API-Key or a bearer token and answer
// problem+json, while the dashboard authenticates with a session cookie and
// answers HTML; and the OpenAPI document describes the JSON API, not pages.
//
// # Sessions
//
// Signing in takes an admin or analyst API key in a POST form (never a URL),
// checks it with auth.Authenticator.AuthenticateKey, and creates a session
// in Deps.SessionStore (package session): in process memory by default, in
// Redis with REDIS_URL (kv.Sessions), shared by every replica. Its id is
// 256 random bits from crypto/rand; the store keeps the session under the
// id's SHA-256, so lookups compare no secret, with the user, role and key
// id. The browser holds only the id, in a cookie that is HttpOnly and
// SameSite=Strict; whenever the connection is HTTPS, directly or through a
// TRUSTED_PROXIES proxy that sends X-Forwarded-Proto: https, it is also
// Secure, named __Host-samo_session with Path=/ (the prefix's rule); over
// plain HTTP it is samo_session with Path=/dashboard/. A session ends after 15 idle minutes, 8
// hours after sign-in, on sign-out (deleted server-side and in the browser)
// and as soon as its key is revoked, suspended or expired or its user loses
// the analyst or admin role: every request re-checks the key
// (apikey.Service.Check, which also keeps the key's idle expiry current) and
// re-reads the user, and a store failure fails closed (503). It also ends
// when it was signed in before its user's session cut-off
// (users.SessionCutoff), which a change of the user's second factor and
// signing everyone out move (endsessions.go). A fresh id is issued at
// every sign-in and at a change of one's own second factor. Sessions are bounded (16 per key, a key's least
// recently used session making room; in memory also 10,000 in all). A
// store that cannot answer fails closed: pages with a session cookie,
// sign-in and sign-out answer 503. In memory a session belongs to one
// replica: run several replicas behind sticky sessions or with Redis.
//
// # Second factor
//
// A user who enrolled a TOTP (package mfa) signs in in two steps. A valid
// key opens no session: it starts a sign-in challenge, a row in the
// database (mfa.Store) under the SHA-256 of 256 random bits that the
// browser holds in its own cookie (samo_signin, or __Host-samo_signin over
// HTTPS; HttpOnly, SameSite=Strict, Max-Age 300), naming the user and key.
// The challenge lives 5 minutes, counts wrong codes atomically and ends at
// the fifth, and is deleted by the code that opens the session (the delete
// that removes it decides, so of two racing requests one proceeds). We
// chose a server-side record over a signed cookie because a cookie alone
// can be neither used once nor counted: a stateless token could be
// replayed with fresh guesses for its whole lifetime. It lives in the
// database rather than the session store so every replica sees it, with
// or without Redis, and a session record never exists before the second
// factor is checked. The code step checks the key and user again before
// accepting a code. A wrong code is an auth_failure event (details
// factor=totp, step, reason totp_invalid or totp_replayed; never the code),
// an intrusion signal and a spent failure of the address's budget, like a
// wrong key. Codes are accepted once per user across replicas (a
// compare-and-set on the last accepted step). The page says only that the
// code is not valid: the first step has already said the key is. When
// the user's wrong codes, from anywhere, lock their factor (mfa.ErrLocked)
// the code step, the first step (which then opens no challenge) and the
// replace and turn-off forms answer 429 saying until when; a refused
// attempt is an auth_failure with reason totp_locked, and the wrong code
// that set the lock a totp_locked event of high severity.
//
// Enrolment (/dashboard/two-factor) shows a new secret and stores it only
// once a code from it is valid; a first enrolment also takes the user's
// key again, replacing takes a current code of the old secret, turning off
// a current code. Which one the confirm form takes follows whether the
// user has a factor when the page reads it; if an admin resets the factor
// between that read and the confirmation, a current code is refused
// (mfa.ErrNotEnrolled: nothing is enrolled) and the form asks for the key
// instead, with the same new secret; if one was enrolled meanwhile, it
// asks for its current code. With RequireTOTP (DASHBOARD_REQUIRE_TOTP) a
// signed-in user without a second factor is redirected to the enrolment
// pages from every other page, and cannot turn it off. An admin resets
// another user's second factor. If whether a user has a second factor
// cannot be read, sign-in fails closed (503).
//
// Sign-in failures are auth_failure events (details surface=dashboard),
// feed intrusion detection with the same signals as API failures, and
// spend the same per-address failure budget (auth.Failure's reason and
// hint); a valid key of role user is refused with a clear message and a
// permission_denied event.
//
// # Requests
//
// Per route, in order (guard.go): record the route for the access log;
// refuse a cross-origin state-changing request with
// http.CrossOriginProtection (Sec-Fetch-Site, else Origin against Host),
// recording a cross_origin_refused event but not feeding intrusion
// detection (the address is the victim's browser); find and re-check the
// session; require the route's permission. Read pages need read_metrics
// (analysts and admins); every state change and the key inventory need
// admin. A refusal is a permission_denied event and an intrusion signal,
// as on the API. State changes are POST forms only (GETs never change
// anything), parsed strictly: urlencoded bodies of at most 8 KiB, known
// fields only, each once, valid UTF-8. Actions redirect back with a
// one-time notice (POST/redirect/GET), except key creation and rotation,
// whose response shows the new key once and is never stored.
//
// # Headers and markup
//
// Every dashboard response carries CSP: default-src 'none'; style-src
// 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none';
// base-uri 'none' — replacing the API's policy set earlier in the chain —
// plus Cache-Control: no-store, X-Frame-Options: DENY and
// Referrer-Policy: same-origin. CORS headers that the global chain adds for
// ALLOWED_ORIGINS are removed, so no other origin can read a page with the
// cookie. The pages run no script at all. Charts are inline SVG computed
// server-side with fixed class names (colours live in the stylesheet), so
// there are no inline style attributes. Every value reaches the page
// through html/template's contextual escaping, and no helper returns
// template.HTML, so stored text (prediction text, block reasons, incident
// descriptions) is shown as text. The standalone HTML report, whose single
// document carries its own <style>, is served with the report package's
// hash-pinned policy instead.
//
// # Pages
//
// Overview: tiles and events per hour stacked by severity for the last 24
// whole hours. Events: filter by type, severity, IP and time range (UTC),
// keyset pagination, CSV export of up to 10,000 rows where cells starting
// with = + - @ tab or CR get a leading quote. Offenders: IPs and keys ranked
// by offence events (report.OffenceTypes) over 1 h, 24 h or 7 d, active
// blocks with reason and time remaining, suspicious clients, and the
// IP_ALLOWLIST (shown, not edited: it is configuration). Incidents: by
// status; detail with timeline and linked events, acknowledge and resolve.
// Keys: inventory with owner, role and lifecycle; create, rotate, revoke.
// Predictions: everyone's in the analyst view (prediction.AnalystView:
// anonymized or PII-masked) under user pseudonyms, with the distribution of
// primary emotions; admins get the same view here, because the dashboard
// never shows stored plaintext (that stays behind the audited API read).
// Reports: pick a period, open the HTML report, download JSON or CSV.
package dashboard
