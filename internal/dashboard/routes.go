package dashboard

import (
	"net/http"

	"github.com/samo-brain/samo/internal/rbac"
)

// Route describes one dashboard route for tests and documentation.
type Route struct {
	Method  string
	Pattern string
	// Perm is the permission the signed-in principal needs; "" marks the
	// public routes (sign-in, sign-out, the stylesheet).
	Perm    rbac.Permission
	Summary string
}

type route struct {
	method  string
	pattern string
	perm    rbac.Permission
	summary string
	handle  func(w http.ResponseWriter, r *http.Request, v *viewer) error
}

// Read pages need read_metrics (analysts and admins); every state change
// and the key inventory need admin.
const (
	public = rbac.Permission("")
	read   = rbac.ReadMetrics
	admin  = rbac.Admin
)

// routes is the dashboard's route table.
func (db *Dashboard) routes() []route {
	return []route{
		{http.MethodGet, "/dashboard/static/app.css", public, "Stylesheet", db.serveCSS},
		{http.MethodGet, "/dashboard/login", public, "Sign-in form", db.loginForm},
		{http.MethodPost, "/dashboard/login", public, "Sign in with an API key", db.login},
		{http.MethodGet, "/dashboard/login/code", public, "Sign-in second step: the form for the code of your second factor", db.loginCodeForm},
		{http.MethodPost, "/dashboard/login/code", public, "Sign in: the code of your second factor (after a valid key)", db.loginCode},
		{http.MethodPost, "/dashboard/logout", public, "Sign out", db.logout},

		{http.MethodGet, "/dashboard/two-factor", read, "Two-factor sign-in: status, turn off, admin reset", db.twoFactor},
		{http.MethodGet, "/dashboard/two-factor/new", read, "A new TOTP secret to enrol (stored only once a code confirms it)", db.twoFactorNew},
		{http.MethodPost, "/dashboard/two-factor/confirm", read, "Enrol or replace your second factor with a code", db.twoFactorConfirm},
		{http.MethodPost, "/dashboard/two-factor/disable", read, "Turn your second factor off (needs a current code)", db.twoFactorDisable},
		{http.MethodPost, "/dashboard/two-factor/reset", admin, "Reset another user's second factor", db.twoFactorReset},

		{http.MethodGet, "/dashboard/{$}", read, "Overview: tiles and events over time", db.overview},
		{http.MethodGet, "/dashboard/sessions", read, "Your sessions: every browser signed in with your key", db.mySessions},
		{http.MethodPost, "/dashboard/sessions/end", read, "End one of your sessions", db.endMySession},
		{http.MethodGet, "/dashboard/events", read, "Filterable security event log", db.events},
		{http.MethodGet, "/dashboard/events.csv", read, "Security events as CSV", db.eventsCSV},
		{http.MethodGet, "/dashboard/offenders", read, "Top offending IPs and keys, blocks, allowlist", db.offenders},
		{http.MethodPost, "/dashboard/offenders/block", admin, "Block an IP", db.block},
		{http.MethodPost, "/dashboard/offenders/unblock", admin, "Unblock an IP", db.unblock},
		{http.MethodGet, "/dashboard/incidents", read, "Incidents by status", db.incidents},
		{http.MethodGet, "/dashboard/incidents/{id}", read, "One incident with its events and timeline", db.incidentDetail},
		{http.MethodPost, "/dashboard/incidents/{id}/acknowledge", admin, "Acknowledge an incident", db.acknowledge},
		{http.MethodPost, "/dashboard/incidents/{id}/resolve", admin, "Resolve an incident", db.resolve},
		{http.MethodGet, "/dashboard/keys", admin, "API keys", db.keys},
		{http.MethodPost, "/dashboard/keys", admin, "Create an API key (shown once)", db.createKey},
		{http.MethodPost, "/dashboard/keys/{id}/rotate", admin, "Rotate an API key (new key shown once)", db.rotateKey},
		{http.MethodPost, "/dashboard/keys/{id}/revoke", admin, "Revoke an API key", db.revokeKey},
		{http.MethodGet, "/dashboard/predictions", read, "Masked predictions and emotion distribution", db.predictions},
		{http.MethodGet, "/dashboard/reports", read, "Pick a report period", db.reports},
		{http.MethodGet, "/dashboard/reports/view", read, "The HTML security report", db.reportView},
		{http.MethodGet, "/dashboard/reports/download", read, "The security report as JSON or CSV", db.reportDownload},
	}
}

// beforeEnrolment are the routes a signed-in user without a second factor
// may use while DASHBOARD_REQUIRE_TOTP holds (the public ones too, sign-out
// among them).
func beforeEnrolment(pattern string) bool {
	switch pattern {
	case "/dashboard/two-factor", "/dashboard/two-factor/new", "/dashboard/two-factor/confirm":
		return true
	}
	return false
}

// Routes returns the route table without handlers.
func (db *Dashboard) Routes() []Route {
	rts := db.routes()
	out := make([]Route, 0, len(rts))
	for _, rt := range rts {
		out = append(out, Route{Method: rt.method, Pattern: rt.pattern, Perm: rt.perm, Summary: rt.summary})
	}
	return out
}
