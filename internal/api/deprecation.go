package api

import (
	"net/http"
	"strconv"
	"time"
)

// AliasDeprecated is when the /api/* compatibility aliases were deprecated
// in favour of the /v1 routes (RFC 9745 Deprecation header).
var AliasDeprecated = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// aliasSuccessors maps each compatibility alias onto the route replacing it.
var aliasSuccessors = map[string]string{
	"/api/health":        "/health",
	"/api/predict":       "/v1/predict",
	"/api/predict_batch": "/v1/predict/batch",
}

// deprecated wraps an alias's route chain so every answer, errors included,
// says it is deprecated and names its successor (RFC 9745, RFC 8594 Link).
func deprecated(successor string, next http.Handler) http.Handler {
	dep := []string{"@" + strconv.FormatInt(AliasDeprecated.Unix(), 10)}
	link := []string{"<" + successor + `>; rel="successor-version"`}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Deprecation"] = dep
		h["Link"] = link
		next.ServeHTTP(w, r)
	})
}
