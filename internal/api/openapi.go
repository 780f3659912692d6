package api

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/samo-brain/samo/internal/problem"
)

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// OpenAPI builds the OpenAPI 3.1 document from the route table, so the
// document and the live routes cannot drift: every route appears with its
// permission, and nothing else does.
func (a *API) OpenAPI() map[string]any {
	paths := map[string]any{}
	components := allSchemas()
	for _, rt := range a.Routes() {
		item, _ := paths[rt.Pattern].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Pattern] = item
		}
		op := map[string]any{
			"summary":     rt.Summary,
			"description": a.description(rt, components),
			"operationId": operationID(rt),
			"tags":        []any{tagOf(rt)},
			"responses":   responsesFor(rt),
		}
		params := append(pathParams(rt.Pattern), queryParams[rt.Method+" "+rt.Pattern]...)
		if _, ok := a.idempotentLimit(rt); ok {
			params = append(params, idempotencyParam)
			resp := op["responses"].(map[string]any)
			resp["409"] = map[string]any{"description": "The first request with this Idempotency-Key is still running; retry after Retry-After",
				"content": problemContent(), "headers": map[string]any{"Retry-After": map[string]any{"$ref": "#/components/headers/Retry-After"}}}
			resp["422"] = map[string]any{"description": "The Idempotency-Key was already used with a different request", "content": problemContent()}
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if _, ok := aliasSuccessors[rt.Pattern]; ok {
			op["deprecated"] = true
		}
		if canonical, ok := aliasOf[rt.Pattern]; ok {
			op["x-samo-alias-of"] = canonical
		} else if aliases := aliasesOf(rt.Pattern); len(aliases) > 0 {
			op["x-samo-aliases"] = aliases
		}
		switch {
		case rt.Access.Public, rt.Access.Refresh:
			op["security"] = []any{}
		default:
			op["security"] = []any{map[string]any{"ApiKey": []any{}}, map[string]any{"Bearer": []any{}}}
		}
		if rt.Access.Perm != "" {
			op["x-permission"] = string(rt.Access.Perm)
		}
		if body := requestSchema(rt); body != nil {
			op["requestBody"] = body
		}
		item[strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "SAMO secure emotion-detection API",
			"version":     a.Version,
			"description": "Emotion detection (GoEmotions 27 + neutral, Ekman) behind API keys, JWT, RBAC, validation, rate limiting and intrusion detection. Errors are RFC 9457 problem+json; every problem `type` is described in docs/problems.md.",
			"license":     map[string]any{"name": "Proprietary (no licence granted)", "identifier": "LicenseRef-Proprietary"},
		},
		"servers": []any{map[string]any{"url": "/", "description": "The SAMO server that serves this document"}},
		"tags":    tags,
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"ApiKey": map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key"},
				"Bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
			},
			"schemas":   components,
			"headers":   rateLimitHeaders(),
			"responses": problemResponses(),
		},
	}
}

func (a *API) openAPI(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, a.OpenAPI())
	return nil
}

func pathParams(pattern string) []any {
	var out []any
	for _, m := range pathParam.FindAllStringSubmatch(pattern, -1) {
		out = append(out, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	return out
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func jsonContent(schema map[string]any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

// requestBodies names the request schema of routes that take a JSON body.
var requestBodies = merged(map[string]string{
	"POST /v1/predict": "PredictRequest", "POST /api/predict": "PredictRequest",
	"POST /v1/predict/batch": "BatchRequest", "POST /api/predict_batch": "BatchRequest",
	"POST /v1/predictions/search": "SearchRequest",
	"POST /v1/feedback":           "FeedbackRequest", "POST /v1/auth/refresh": "RefreshRequest",
	"POST /v1/admin/keys": "CreateKeyRequest", "POST /v1/admin/keys/{id}/rotate": "RotateKeyRequest",
}, securityRequestBodies())

// optionalBodies may be sent without a body.
var optionalBodies = map[string]bool{"POST /v1/admin/keys/{id}/rotate": true}

// aliasOf maps each compatibility alias to its canonical path.
var aliasOf = map[string]string{
	"/api/predict": "/v1/predict", "/api/predict_batch": "/v1/predict/batch", "/api/health": "/health",
}

func aliasesOf(pattern string) []any {
	var out []any
	for alias, canonical := range aliasOf {
		if canonical == pattern {
			out = append(out, alias)
		}
	}
	return out
}

// queryParams are the query parameters of the routes that take some
// (anything else in the query is refused).
var queryParams = merged(map[string][]any{
	"GET /v1/predictions": {
		queryParam("emotion", "Only predictions whose emotions include this label", map[string]any{"type": "string"}),
		queryParam("q", "Only predictions containing this word (blind-index search)", map[string]any{"type": "string", "maxLength": 256}),
		queryParam("limit", "Page size", map[string]any{"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
		queryParam("cursor", "The next_cursor of the previous page", map[string]any{"type": "string"}),
	},
	"GET /v1/admin/keys": {
		queryParam("user_id", "Only this user's keys", map[string]any{"type": "string"}),
		queryParam("limit", "Page size", map[string]any{"type": "integer", "minimum": 1, "maximum": 500, "default": 50}),
		queryParam("cursor", "The next_cursor of the previous page", map[string]any{"type": "string"}),
	},
	"GET /v1/admin/users": {
		queryParam("limit", "Page size", map[string]any{"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
		queryParam("cursor", "The next_cursor of the previous page", map[string]any{"type": "string"}),
	},
}, securityQueryParams())

func queryParam(name, desc string, schema map[string]any) map[string]any {
	return map[string]any{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
}

func requestSchema(rt Route) map[string]any {
	key := rt.Method + " " + rt.Pattern
	name, ok := requestBodies[key]
	if !ok {
		return nil
	}
	content := jsonContent(ref(name))
	if name == "BatchRequest" {
		content["multipart/form-data"] = map[string]any{"schema": map[string]any{
			"type": "object", "required": []any{"file"},
			"properties": map[string]any{
				"file":      map[string]any{"type": "string", "contentMediaType": "application/octet-stream", "description": "json, csv or txt within MAX_FILE_SIZE"},
				"taxonomy":  map[string]any{"type": "string", "enum": []any{"goemotions", "ekman"}},
				"threshold": map[string]any{"type": "number", "minimum": 0, "maximum": 1},
			},
		}}
	}
	return map[string]any{"required": !optionalBodies[key], "content": content}
}

// successStatus is the status of a successful call when it is not 200.
var successStatus = merged(map[string]string{
	"POST /v1/admin/keys": "201", "POST /v1/admin/keys/{id}/rotate": "201", "POST /v1/feedback": "201",
	"DELETE /v1/admin/keys/{id}": "204", "DELETE /v1/predictions/{id}": "204", "POST /v1/auth/logout": "204",
	"POST /v1/admin/crypto/rotate": "202",
}, securitySuccessStatus())

// responseBodies names the schema of each route's successful answer.
var responseBodies = merged(map[string]string{
	"GET /health": "Health", "GET /api/health": "Health", "GET /ready": "Readiness", "GET /openapi.json": "OpenAPIDocument",
	"GET /.well-known/jwks.json": "JWKS",
	"POST /v1/predict":           "Prediction", "POST /api/predict": "Prediction", "GET /v1/predictions/{id}": "Prediction",
	"POST /v1/predict/batch": "BatchResponse", "POST /api/predict_batch": "BatchResponse",
	"GET /v1/predictions": "PredictionList", "POST /v1/predictions/search": "PredictionList", "GET /v1/metrics": "Metrics", "POST /v1/feedback": "FeedbackResult",
	"POST /v1/auth/token": "TokenPair", "POST /v1/auth/refresh": "TokenPair",
	"GET /v1/admin/keys": "KeyList", "GET /v1/admin/keys/{id}": "Key",
	"POST /v1/admin/keys": "CreatedKey", "POST /v1/admin/keys/{id}/rotate": "CreatedKey",
	"DELETE /v1/admin/users/{id}/predictions": "ErasureResult",
	"GET /v1/admin/users":                     "UserList", "POST /v1/admin/users/{id}/disable": "User",
	"POST /v1/admin/users/{id}/enable": "User", "DELETE /v1/admin/sessions": "SessionsEnded",
	"POST /v1/admin/crypto/rotate": "RotationStatus", "GET /v1/admin/crypto/rotation": "RotationStatus",
}, securityResponseBodies())

// predictRoutes may be answered by an upstream model server (gateway mode).
var predictRoutes = map[string]bool{
	"POST /v1/predict": true, "POST /api/predict": true, "POST /v1/predict/batch": true, "POST /api/predict_batch": true,
}

func responsesFor(rt Route) map[string]any {
	key := rt.Method + " " + rt.Pattern
	headers := map[string]any{"X-Request-ID": map[string]any{"schema": map[string]any{"type": "string"}}}
	problemRef := map[string]any{"$ref": "#/components/responses/Problem"}
	status := "200"
	if s, ok := successStatus[key]; ok {
		status = s
	}
	ok := map[string]any{"description": "Success", "headers": headers}
	if name, has := responseBodies[key]; has && status != "204" {
		ok["content"] = jsonContent(ref(name))
		if mt, other := mediaTypes[key]; other {
			ok["content"] = map[string]any{mt: map[string]any{"schema": ref(name)}}
		}
	}
	if key == "GET /v1/admin/security/report" {
		c := ok["content"].(map[string]any)
		c["text/csv"] = map[string]any{"schema": map[string]any{"type": "string"}}
		c["text/html"] = map[string]any{"schema": map[string]any{"type": "string"}}
	}
	// Every route refuses unknown query parameters (strictQuery).
	out := map[string]any{status: ok, "default": problemRef, "400": problemRef}
	if !rt.Access.Public {
		for _, h := range []string{"RateLimit", "RateLimit-Policy", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
			headers[h] = map[string]any{"$ref": "#/components/headers/" + h}
		}
		out["401"] = problemRef
		out["429"] = map[string]any{"$ref": "#/components/responses/RateLimited"}
		out["503"] = map[string]any{"$ref": "#/components/responses/Unavailable"}
	}
	if rt.Access.Perm != "" {
		out["403"] = problemRef
	}
	if strings.Contains(rt.Pattern, "{") {
		out["404"] = problemRef
	}
	if _, body := requestBodies[key]; body {
		out["400"], out["413"], out["415"] = problemRef, problemRef, problemRef
	}
	if _, query := queryParams[key]; query {
		out["400"] = problemRef // unknown or invalid query parameters
	}
	if predictRoutes[key] {
		out["502"], out["504"] = problemRef, problemRef
	}
	if key == "GET /ready" {
		out["503"] = map[string]any{"description": "Not ready", "content": jsonContent(ref("Readiness"))}
	}
	return out
}

// mediaTypes are the answers not served as application/json.
var mediaTypes = map[string]string{"GET /.well-known/jwks.json": "application/jwk-set+json"}

func problemContent() map[string]any {
	return map[string]any{"application/problem+json": map[string]any{"schema": ref("Problem")}}
}

func problemResponses() map[string]any {
	problem := problemContent()
	return map[string]any{
		"Problem": map[string]any{"description": "RFC 9457 problem", "content": problem},
		"Unavailable": map[string]any{"description": "A dependency (storage, rate limiting, the upstream model server) is unavailable; nothing was done, retry after Retry-After",
			"content": problem, "headers": map[string]any{"Retry-After": map[string]any{"$ref": "#/components/headers/Retry-After"}}},
		"RateLimited": map[string]any{"description": "Rate limit exceeded", "content": problem, "headers": map[string]any{
			"Retry-After":           map[string]any{"$ref": "#/components/headers/Retry-After"},
			"RateLimit":             map[string]any{"$ref": "#/components/headers/RateLimit"},
			"RateLimit-Policy":      map[string]any{"$ref": "#/components/headers/RateLimit-Policy"},
			"X-RateLimit-Limit":     map[string]any{"$ref": "#/components/headers/X-RateLimit-Limit"},
			"X-RateLimit-Remaining": map[string]any{"$ref": "#/components/headers/X-RateLimit-Remaining"},
			"X-RateLimit-Reset":     map[string]any{"$ref": "#/components/headers/X-RateLimit-Reset"},
		}},
	}
}

func rateLimitHeaders() map[string]any {
	h := func(desc, typ string) map[string]any {
		return map[string]any{"description": desc, "schema": map[string]any{"type": typ}}
	}
	return map[string]any{
		"Retry-After":           h("Seconds to wait before retrying", "integer"),
		"RateLimit":             h("IETF draft RateLimit header", "string"),
		"RateLimit-Policy":      h("IETF draft RateLimit-Policy header", "string"),
		"X-RateLimit-Limit":     h("Requests allowed per window", "integer"),
		"X-RateLimit-Remaining": h("Requests left in the window", "integer"),
		"X-RateLimit-Reset":     h("Seconds until the window resets", "integer"),
	}
}

func schemas() map[string]any {
	str := map[string]any{"type": "string"}
	num01 := map[string]any{"type": "number", "minimum": 0, "maximum": 1}
	score := map[string]any{"type": "object", "required": []any{"emotion", "confidence"},
		"properties": map[string]any{"emotion": str, "confidence": num01}}
	prediction := map[string]any{"type": "object",
		"required": []any{"id", "text", "emotions", "primary_emotion", "confidence", "taxonomy", "model_version", "request_id", "timestamp"},
		"properties": map[string]any{
			"id": str, "text": str, "emotions": map[string]any{"type": "array", "items": score},
			"primary_emotion": str, "confidence": num01, "taxonomy": str, "model_version": str,
			"request_id": str, "timestamp": map[string]any{"type": "string", "format": "date-time"},
			"flags":   map[string]any{"type": "array", "items": str},
			"user_id": map[string]any{"type": "string", "description": "the owner; a keyed pseudonym (psn_…) for analysts"},
		}}
	return map[string]any{
		"Problem": map[string]any{"type": "object", "required": []any{"type", "title", "status"},
			"properties": map[string]any{"type": map[string]any{"type": "string", "format": "uri",
				"description": "The problem type: " + problem.Base + "<code>, the section of docs/problems.md describing it; the fragment is the code",
				"example":     problem.Type("invalid_request")}, "title": str, "status": map[string]any{"type": "integer"},
				"detail": str, "request_id": str, "errors": map[string]any{"type": "array", "items": map[string]any{
					"type": "object", "properties": map[string]any{"field": str, "code": str, "message": str}}}}},
		"PredictRequest": map[string]any{"type": "object", "required": []any{"text"}, "additionalProperties": false,
			"properties": map[string]any{"text": str, "threshold": num01,
				"taxonomy": map[string]any{"type": "string", "enum": []any{"goemotions", "ekman"}, "default": "goemotions"}}},
		"BatchRequest": map[string]any{"type": "object", "required": []any{"texts"}, "additionalProperties": false,
			"properties": map[string]any{"texts": map[string]any{"type": "array", "items": str, "minItems": 1, "maxItems": 100},
				"threshold": num01, "taxonomy": map[string]any{"type": "string", "enum": []any{"goemotions", "ekman"}}}},
		"Prediction": prediction,
		"BatchResponse": map[string]any{"type": "object", "properties": map[string]any{
			"results": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
				"index": map[string]any{"type": "integer"}, "prediction": ref("Prediction"),
				"error": map[string]any{"type": "object", "properties": map[string]any{"code": str, "message": str}}}}},
			"count": map[string]any{"type": "integer"}, "succeeded": map[string]any{"type": "integer"},
			"failed": map[string]any{"type": "integer"}, "request_id": str}},
		"SearchRequest": map[string]any{"type": "object", "additionalProperties": false,
			"description": "The query parameters of `GET /v1/predictions`, in a JSON body with the same answer: the search word then never appears in a URL, which proxies, browsers and servers log.",
			"properties": map[string]any{"emotion": str, "q": map[string]any{"type": "string", "maxLength": 256},
				"limit": map[string]any{"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "cursor": str}},
		"FeedbackRequest": map[string]any{"type": "object", "required": []any{"prediction_id", "labels"}, "additionalProperties": false,
			"properties": map[string]any{"prediction_id": str, "labels": map[string]any{"type": "array", "items": str}}},
		"RefreshRequest": map[string]any{"type": "object", "required": []any{"refresh_token"}, "additionalProperties": false,
			"properties": map[string]any{"refresh_token": str}},
		"CreateKeyRequest": map[string]any{"type": "object", "required": []any{"user"}, "additionalProperties": false,
			"properties": map[string]any{"user": str, "role": map[string]any{"type": "string", "enum": []any{"user", "analyst", "admin"}}, "name": str}},
		"TokenPair": map[string]any{"type": "object", "required": []any{"access_token", "refresh_token", "token_type", "expires_in"},
			"properties": map[string]any{"access_token": str, "refresh_token": str, "token_type": map[string]any{"const": "Bearer"},
				"expires_in": map[string]any{"type": "integer"}}},
	}
}

// allSchemas is schemas() plus the answers of the read and admin routes.
func allSchemas() map[string]any {
	str := map[string]any{"type": "string"}
	integer := map[string]any{"type": "integer"}
	dateTime := map[string]any{"type": "string", "format": "date-time"}
	object := map[string]any{"type": "object"}
	role := map[string]any{"type": "string", "enum": []any{"user", "analyst", "admin"}}
	out := schemas()
	more := map[string]any{
		"Health": map[string]any{"type": "object", "required": []any{"status", "version"},
			"properties": map[string]any{"status": map[string]any{"const": "ok"}, "version": str}},
		"Readiness": map[string]any{"type": "object", "required": []any{"status", "checks"},
			"properties": map[string]any{"status": map[string]any{"type": "string", "enum": []any{"ready", "not_ready"}},
				"version": str, "model_version": str,
				"checks": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "object",
					"properties": map[string]any{"status": map[string]any{"type": "string", "enum": []any{"ok", "unavailable"}}, "error": str}}}}},
		"OpenAPIDocument": map[string]any{"type": "object", "description": "This document"},
		"JWKS": map[string]any{"type": "object", "required": []any{"keys"},
			"properties": map[string]any{"keys": map[string]any{"type": "array", "items": object}}},
		"PredictionList": map[string]any{"type": "object", "required": []any{"predictions"},
			"properties": map[string]any{"predictions": map[string]any{"type": "array", "items": ref("Prediction")},
				"next_cursor": map[string]any{"type": "string", "description": "Absent on the last page"}}},
		"Metrics": map[string]any{"type": "object", "description": "Service, security and model-quality metrics"},
		"FeedbackResult": map[string]any{"type": "object", "required": []any{"prediction_id", "labels"},
			"properties": map[string]any{"prediction_id": str, "labels": map[string]any{"type": "array", "items": str}}},
		"Key": map[string]any{"type": "object", "required": []any{"id", "user_id", "name", "display", "status", "created_at"},
			"description": "API key metadata; the key itself is never shown again after creation",
			"properties": map[string]any{"id": str, "user_id": str, "user": str, "role": role, "name": str,
				"display": map[string]any{"type": "string", "description": "Non-secret prefix for recognising the key"},
				"status":  str, "created_at": dateTime, "last_used": dateTime, "expires_at": dateTime, "revoked_at": dateTime,
				"grace_until": dateTime, "replaced_by": str}},
		"KeyList": map[string]any{"type": "object", "required": []any{"keys"},
			"properties": map[string]any{"keys": map[string]any{"type": "array", "items": ref("Key")},
				"next_cursor": map[string]any{"type": "string", "description": "Pass as cursor for the next page; absent on the last page"}}},
		"CreatedKey": map[string]any{"type": "object", "required": []any{"id", "key", "user", "role", "note"},
			"properties": map[string]any{"id": str, "key": map[string]any{"type": "string", "description": "The API key, shown once"},
				"user": str, "role": role, "name": str, "note": str}},
		"RotateKeyRequest": map[string]any{"type": "object", "additionalProperties": false,
			"properties": map[string]any{"grace": map[string]any{"type": "string", "description": "How long the old key stays valid, a Go duration such as 24h (at most 720h)"}}},
		"SessionsEnded": map[string]any{"type": "object", "required": []any{"refresh_families_revoked", "dashboard_sessions_ended"},
			"properties": map[string]any{"refresh_families_revoked": integer, "dashboard_sessions_ended": map[string]any{"type": "boolean"}}},
		"ErasureResult": map[string]any{"type": "object", "required": []any{"user_id", "deleted_predictions"},
			"properties": map[string]any{"user_id": str, "deleted_predictions": integer}},
		"RotationStatus": map[string]any{"type": "object", "description": "Progress of the encryption-key rotation"},
		"User": map[string]any{"type": "object", "required": []any{"id", "name", "role", "created_at"},
			"properties": map[string]any{"id": str, "name": str, "role": role, "created_at": dateTime,
				"disabled_at": map[string]any{"type": "string", "format": "date-time", "description": "Present while the user is disabled"}}},
		"UserList": map[string]any{"type": "object", "required": []any{"users", "count"},
			"properties": map[string]any{"users": map[string]any{"type": "array", "items": ref("User")},
				"count":       map[string]any{"type": "integer", "description": "Users on this page"},
				"next_cursor": map[string]any{"type": "string", "description": "Absent on the last page"}}},
	}
	for k, v := range more {
		out[k] = v
	}
	return merged(out, securitySchemas())
}
