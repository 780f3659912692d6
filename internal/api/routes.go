package api

import (
	"net/http"

	"github.com/samo-brain/samo/internal/rbac"
)

// Access says who may call a route.
type Access struct {
	// Public routes need no credentials.
	Public bool
	// Probe marks the liveness and readiness probes: public, and served
	// outside the global chain (API.Probes).
	Probe bool
	// Perm is the permission an authenticated caller needs. A route that is
	// neither Public nor names a Perm is refused at start-up (deny by default).
	Perm rbac.Permission
	// Refresh marks the refresh endpoint, authenticated by the refresh token
	// in its body rather than by a key or bearer token.
	Refresh bool
	// AnyKey marks routes open to any valid credential (token exchange).
	AnyKey bool
	// Grace marks the data routes (predict, read own predictions) that a
	// key in its rotation grace period, or a token issued from it, may
	// still use. Every other authenticated route refuses it with 403
	// key_in_grace.
	Grace bool
}

// Route is one entry of the route table.
type Route struct {
	Method  string
	Pattern string // net/http ServeMux pattern path
	Access  Access
	Summary string
	handle  func(w http.ResponseWriter, r *http.Request) error
}

var (
	public  = Access{Public: true}
	probe   = Access{Public: true, Probe: true}
	anyKey  = Access{AnyKey: true}
	refresh = Access{Refresh: true}
)

func perm(p rbac.Permission) Access { return Access{Perm: p} }

// data is perm for a data route that a key in its rotation grace period
// may still use.
func data(p rbac.Permission) Access { return Access{Perm: p, Grace: true} }

// Routes is the v1 route table: every route with its method, path,
// permission and handler. The server, the OpenAPI document and the tests all
// read it.
func (a *API) Routes() []Route {
	return append(append(a.coreRoutes(), a.cryptoRoutes()...), a.securityRoutes()...)
}

func (a *API) coreRoutes() []Route {
	return []Route{
		{http.MethodGet, "/health", probe, "Liveness", a.health},
		{http.MethodGet, "/api/health", probe, "Liveness (compatibility alias)", a.health},
		{http.MethodGet, "/ready", probe, "Readiness of store, cache and model", a.ready},
		{http.MethodGet, "/openapi.json", public, "OpenAPI 3.1 document", a.openAPI},
		{http.MethodGet, "/.well-known/jwks.json", public, "Public JWT verification keys", a.jwks},

		{http.MethodPost, "/v1/predict", data(rbac.WritePredictions), "Predict the emotions of one text", a.predict},
		{http.MethodPost, "/api/predict", data(rbac.WritePredictions), "Predict (compatibility alias)", a.predict},
		{http.MethodPost, "/v1/predict/batch", data(rbac.WritePredictions), "Predict up to 100 texts or an uploaded file", a.predictBatch},
		{http.MethodPost, "/api/predict_batch", data(rbac.WritePredictions), "Batch predict (compatibility alias)", a.predictBatch},
		{http.MethodGet, "/v1/predictions", data(rbac.ReadPredictions), "List stored predictions", a.listPredictions},
		{http.MethodPost, "/v1/predictions/search", data(rbac.ReadPredictions), "Search stored predictions, the word in the body", a.searchPredictions},
		{http.MethodGet, "/v1/predictions/{id}", data(rbac.ReadPredictions), "Read one stored prediction", a.getPrediction},
		{http.MethodDelete, "/v1/predictions/{id}", perm(rbac.WritePredictions), "Delete one stored prediction", a.deletePrediction},
		{http.MethodGet, "/v1/metrics", perm(rbac.ReadMetrics), "Service, security and model-quality metrics", a.metrics},
		{http.MethodPost, "/v1/feedback", perm(rbac.WriteMetrics), "Record the true labels of a prediction", a.feedback},

		{http.MethodPost, "/v1/auth/token", anyKey, "Exchange an API key for a token pair", a.issueToken},
		{http.MethodPost, "/v1/auth/refresh", refresh, "Rotate a refresh token", a.refreshToken},
		{http.MethodPost, "/v1/auth/logout", Access{AnyKey: true, Grace: true}, "Revoke the bearer token and its refresh family", a.logout},

		{http.MethodGet, "/v1/admin/keys", perm(rbac.Admin), "List API keys", a.listKeys},
		{http.MethodPost, "/v1/admin/keys", perm(rbac.Admin), "Create an API key (plaintext shown once)", a.createKey},
		{http.MethodGet, "/v1/admin/keys/{id}", perm(rbac.Admin), "Show one API key", a.getKey},
		{http.MethodDelete, "/v1/admin/keys/{id}", perm(rbac.Admin), "Revoke an API key", a.revokeKey},
		{http.MethodPost, "/v1/admin/keys/{id}/rotate", perm(rbac.Admin), "Rotate an API key with a grace period", a.rotateKey},
		{http.MethodDelete, "/v1/admin/users/{id}/predictions", perm(rbac.Admin), "Erase every prediction of a user", a.eraseUser},
		{http.MethodGet, "/v1/admin/users", perm(rbac.Admin), "List users with their role and disabled state", a.listUsers},
		{http.MethodPost, "/v1/admin/users/{id}/disable", perm(rbac.Admin), "Disable a user: every key, token and session refused", a.disableUser},
		{http.MethodPost, "/v1/admin/users/{id}/enable", perm(rbac.Admin), "Enable a user: keys that were valid work again", a.enableUser},
		{http.MethodDelete, "/v1/admin/sessions", perm(rbac.Admin), "Sign everyone out: every access token issued so far, every refresh-token family, every dashboard session", a.endAllSessions},
	}
}
