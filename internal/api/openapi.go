package api

import (
	"net/http"
	"regexp"
	"strings"
)

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// OpenAPI builds the OpenAPI 3.1 document from the route table, so the
// document and the live routes cannot drift: every route appears with its
// permission, and nothing else does.
func (a *API) OpenAPI() map[string]any {
	paths := map[string]any{}
	for _, rt := range append(a.Routes(), a.Extra...) {
		item, _ := paths[rt.Pattern].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Pattern] = item
		}
		op := map[string]any{
			"summary":     rt.Summary,
			"operationId": operationID(rt),
			"responses":   responsesFor(rt),
		}
		if params := pathParams(rt.Pattern); len(params) > 0 {
			op["parameters"] = params
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
			"description": "Emotion detection (GoEmotions 27 + neutral, Ekman) behind API keys, JWT, RBAC, validation, rate limiting and intrusion detection. Errors are RFC 9457 problem+json.",
		},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"ApiKey": map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key"},
				"Bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
			},
			"schemas":   schemas(),
			"headers":   rateLimitHeaders(),
			"responses": problemResponses(),
		},
	}
}

func (a *API) openAPI(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, a.OpenAPI())
	return nil
}

func operationID(rt Route) string {
	p := pathParam.ReplaceAllString(rt.Pattern, "by_$1")
	p = strings.NewReplacer("/", "_", ".", "", "-", "_").Replace(strings.Trim(p, "/"))
	return strings.ToLower(rt.Method) + "_" + p
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
var requestBodies = map[string]string{
	"POST /v1/predict": "PredictRequest", "POST /api/predict": "PredictRequest",
	"POST /v1/predict/batch": "BatchRequest", "POST /api/predict_batch": "BatchRequest",
	"POST /v1/feedback": "FeedbackRequest", "POST /v1/auth/refresh": "RefreshRequest",
	"POST /v1/admin/keys": "CreateKeyRequest",
}

func requestSchema(rt Route) map[string]any {
	name, ok := requestBodies[rt.Method+" "+rt.Pattern]
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
	return map[string]any{"required": true, "content": content}
}

func responsesFor(rt Route) map[string]any {
	ok := map[string]any{"description": "Success", "headers": map[string]any{
		"X-Request-ID": map[string]any{"schema": map[string]any{"type": "string"}},
	}}
	switch rt.Method + " " + rt.Pattern {
	case "POST /v1/predict", "POST /api/predict", "GET /v1/predictions/{id}":
		ok["content"] = jsonContent(ref("Prediction"))
	case "POST /v1/predict/batch", "POST /api/predict_batch":
		ok["content"] = jsonContent(ref("BatchResponse"))
	case "POST /v1/auth/token", "POST /v1/auth/refresh":
		ok["content"] = jsonContent(ref("TokenPair"))
	}
	out := map[string]any{"200": ok, "default": map[string]any{"$ref": "#/components/responses/Problem"}}
	if !rt.Access.Public {
		out["401"] = map[string]any{"$ref": "#/components/responses/Problem"}
		out["429"] = map[string]any{"$ref": "#/components/responses/RateLimited"}
	}
	if rt.Access.Perm != "" {
		out["403"] = map[string]any{"$ref": "#/components/responses/Problem"}
	}
	return out
}

func problemResponses() map[string]any {
	problem := map[string]any{"application/problem+json": map[string]any{"schema": ref("Problem")}}
	return map[string]any{
		"Problem": map[string]any{"description": "RFC 9457 problem", "content": problem},
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
			"flags": map[string]any{"type": "array", "items": str},
		}}
	return map[string]any{
		"Problem": map[string]any{"type": "object", "required": []any{"type", "title", "status"},
			"properties": map[string]any{"type": str, "title": str, "status": map[string]any{"type": "integer"},
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
