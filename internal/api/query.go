package api

import (
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/samo-brain/samo/internal/problem"
)

// knownQuery returns the query parameter names the route documents (and
// so accepts), sorted.
func knownQuery(rt Route) []string {
	var names []string
	for _, p := range queryParams[rt.Method+" "+rt.Pattern] {
		if m, ok := p.(map[string]any); ok {
			if n, ok := m["name"].(string); ok {
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	return names
}

// strictQuery refuses, on every route, a query string that does not parse
// or names a parameter the route does not take, with one clear problem;
// handlers then validate the values. It runs after authentication, so a
// key sent in the URL still gets the credentials_in_url answer.
func strictQuery(allowed []string, handle func(http.ResponseWriter, *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	expected := "this endpoint takes no query parameters"
	if len(allowed) > 0 {
		expected = "unknown query parameter (expected " + strings.Join(allowed, ", ") + ")"
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		if r.URL.RawQuery == "" {
			return handle(w, r)
		}
		vals, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return problem.Errorf(http.StatusBadRequest, "invalid_query", "The query string is malformed.")
		}
		for k := range vals {
			known := false
			for _, a := range allowed {
				known = known || k == a
			}
			if !known {
				return &problem.Error{Status: http.StatusBadRequest, Code: "invalid_request", Title: "Bad Request",
					Detail: "The request has invalid fields.", Fields: []problem.FieldError{{Field: truncate(k, 32), Code: "unknown_parameter", Message: expected}}}
			}
		}
		return handle(w, r)
	}
}
