package api

import (
	"strings"
)

// operationIDs are the readable operation ids (what generated clients name
// their methods). Every route must have one; TestOpenAPIOperationIDs checks.
var operationIDs = map[string]string{
	"GET /health":                "health",
	"GET /api/health":            "healthLegacy",
	"GET /ready":                 "ready",
	"GET /openapi.json":          "getOpenAPI",
	"GET /.well-known/jwks.json": "getJWKS",

	"POST /v1/predict":                        "predict",
	"POST /api/predict":                       "predictLegacy",
	"POST /v1/predict/batch":                  "predictBatch",
	"POST /api/predict_batch":                 "predictBatchLegacy",
	"GET /v1/predictions":                     "listPredictions",
	"POST /v1/predictions/search":             "searchPredictions",
	"GET /v1/predictions/{id}":                "getPrediction",
	"DELETE /v1/predictions/{id}":             "deletePrediction",
	"GET /v1/metrics":                         "getMetrics",
	"POST /v1/feedback":                       "createFeedback",
	"POST /v1/auth/token":                     "issueToken",
	"POST /v1/auth/refresh":                   "refreshToken",
	"POST /v1/auth/logout":                    "logout",
	"GET /v1/admin/keys":                      "listKeys",
	"POST /v1/admin/keys":                     "createKey",
	"GET /v1/admin/keys/{id}":                 "getKey",
	"DELETE /v1/admin/keys/{id}":              "revokeKey",
	"DELETE /v1/admin/sessions":               "endAllSessions",
	"POST /v1/admin/keys/{id}/rotate":         "rotateKey",
	"DELETE /v1/admin/users/{id}/predictions": "eraseUserPredictions",
	"GET /v1/admin/users":                     "listUsers",
	"POST /v1/admin/users/{id}/disable":       "disableUser",
	"POST /v1/admin/users/{id}/enable":        "enableUser",
	"POST /v1/admin/crypto/rotate":            "startKeyRotation",
	"GET /v1/admin/crypto/rotation":           "getKeyRotation",

	"GET /v1/admin/security/status":             "getSecurityStatus",
	"GET /v1/admin/security/events":             "listSecurityEvents",
	"GET /v1/admin/security/report":             "getSecurityReport",
	"GET /v1/admin/security/alerts":             "listAlerts",
	"GET /v1/admin/ip-blocks":                   "listIPBlocks",
	"POST /v1/admin/ip-blocks":                  "blockIP",
	"DELETE /v1/admin/ip-blocks/{ip}":           "unblockIP",
	"GET /v1/admin/incidents":                   "listIncidents",
	"POST /v1/admin/incidents":                  "openIncident",
	"GET /v1/admin/incidents/report":            "getIncidentReport",
	"GET /v1/admin/incidents/{id}":              "getIncident",
	"POST /v1/admin/incidents/{id}/actions":     "addIncidentAction",
	"POST /v1/admin/incidents/{id}/acknowledge": "acknowledgeIncident",
	"POST /v1/admin/incidents/{id}/resolve":     "resolveIncident",
}

// operationID returns the route's readable id; a route missing from the
// table gets a camelCase id built from its method and path.
func operationID(rt Route) string {
	if id, ok := operationIDs[rt.Method+" "+rt.Pattern]; ok {
		return id
	}
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, part := range strings.FieldsFunc(rt.Pattern, func(r rune) bool { return !('a' <= r && r <= 'z' || '0' <= r && r <= '9') }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// tags group the operations in the document.
var tags = []map[string]any{
	{"name": "predictions", "description": "Emotion predictions: classify texts, list, read and delete the stored ones, send feedback."},
	{"name": "auth", "description": "Exchange an API key for short-lived JWTs, rotate and revoke them."},
	{"name": "keys", "description": "Administer API keys and users' data (admin)."},
	{"name": "security", "description": "Security events, reports, webhook alerts and IP blocks (admin)."},
	{"name": "incidents", "description": "Security incidents: open, act on, acknowledge and resolve (admin)."},
	{"name": "operations", "description": "Health, readiness, metrics, encryption-key rotation and the public documents (OpenAPI, JWKS)."},
}

// tagOf names the tag of a route.
func tagOf(rt Route) string {
	p := rt.Pattern
	switch {
	case strings.HasPrefix(p, "/v1/predict"), p == "/api/predict", p == "/api/predict_batch", p == "/v1/feedback":
		return "predictions"
	case strings.HasPrefix(p, "/v1/auth/"):
		return "auth"
	case strings.HasPrefix(p, "/v1/admin/keys"), strings.HasPrefix(p, "/v1/admin/users/"):
		return "keys"
	case strings.HasPrefix(p, "/v1/admin/security/"), strings.HasPrefix(p, "/v1/admin/ip-blocks"):
		return "security"
	case strings.HasPrefix(p, "/v1/admin/incidents"):
		return "incidents"
	}
	return "operations"
}

// description says, for one operation, what it does and who may call it,
// and the conventions that apply to it (idempotency, paging, aliases);
// schemas are the document's components, for the request body.
func (a *API) description(rt Route, schemas map[string]any) string {
	var b strings.Builder
	b.WriteString(rt.Summary + ".")
	switch {
	case rt.Access.Public:
		b.WriteString(" Public: no credentials needed.")
	case rt.Access.Refresh:
		b.WriteString(" Authenticated by the refresh token in the body, not by a key.")
	case rt.Access.AnyKey:
		b.WriteString(" Any valid API key or bearer token.")
	default:
		b.WriteString(" Needs the `" + string(rt.Access.Perm) + "` permission (X-API-Key or Authorization: Bearer).")
	}
	if _, ok := a.idempotentLimit(rt); ok {
		b.WriteString(" Send an `Idempotency-Key` to make retries safe: the same key and body within 24 hours get the first answer again (`Idempotent-Replayed: true`) and create nothing; the same key with another body is a 422.")
	}
	if takesCursor(rt, schemas) {
		b.WriteString(" Paged newest first: pass `next_cursor` back as `cursor` until it is absent.")
	}
	if succ, ok := aliasSuccessors[rt.Pattern]; ok {
		b.WriteString(" Deprecated compatibility alias of `" + succ + "` (answers carry `Deprecation` and `Link: rel=\"successor-version\"`).")
	}
	b.WriteString(" Unknown query parameters are refused (400); errors are problem+json whose `type` is described in docs/problems.md.")
	return b.String()
}

// takesCursor reports whether the route pages: a cursor in its query or
// in its request body.
func takesCursor(rt Route, schemas map[string]any) bool {
	key := rt.Method + " " + rt.Pattern
	for _, p := range queryParams[key] {
		if m, ok := p.(map[string]any); ok && m["name"] == "cursor" {
			return true
		}
	}
	body, _ := schemas[requestBodies[key]].(map[string]any)
	props, _ := body["properties"].(map[string]any)
	_, ok := props["cursor"]
	return ok
}

// idempotencyParam documents the Idempotency-Key request header.
var idempotencyParam = map[string]any{
	"name": "Idempotency-Key", "in": "header", "required": false,
	"description": "1 to 255 printable ASCII characters (a UUID). Retries with the same key and body within 24 hours get the first answer; per principal.",
	"schema":      map[string]any{"type": "string", "minLength": 1, "maxLength": 255},
}
