package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/samo-brain/samo/internal/auth"
	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/reqctx"
)

// denyAll authenticates nobody: every guarded route answers 401.
type denyAll struct{}

func (denyAll) Authenticate(*http.Request) (*reqctx.Principal, error) {
	return nil, &auth.Failure{Err: auth.ErrMissing, Reason: "missing"}
}

func testAPI() *API { return New(Deps{Auth: denyAll{}, Version: "test"}) }

// TestOpenAPIMatchesRoutes is the drift test: every served route is in the
// document with its method, and every documented operation is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	a := testAPI()
	h, err := a.Handler()
	if err != nil {
		t.Fatal(err)
	}
	probePaths, probes := a.Probes()
	doc := a.OpenAPI()
	b, _ := json.Marshal(doc)
	var parsed struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(b, &parsed); err != nil || parsed.OpenAPI != "3.1.0" {
		t.Fatalf("document: %v %q", err, parsed.OpenAPI)
	}
	served := map[string]bool{}
	for _, rt := range a.Routes() {
		key := rt.Method + " " + rt.Pattern
		served[key] = true
		op, ok := parsed.Paths[rt.Pattern][strings.ToLower(rt.Method)]
		if !ok {
			t.Errorf("route %s missing from the OpenAPI document", key)
			continue
		}
		if rt.Access.Perm != "" && op["x-permission"] != string(rt.Access.Perm) {
			t.Errorf("%s: x-permission %v, want %s", key, op["x-permission"], rt.Access.Perm)
		}
		// The mux really serves it: a request reaches the route chain
		// (401 for guarded routes) rather than the 404/405 fallback.
		path := regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(rt.Pattern, "x")
		rec := httptest.NewRecorder()
		serving := h
		if rt.Access.Probe != slices.Contains(probePaths, rt.Pattern) {
			t.Errorf("%s: probe %v, but Probes lists %v", key, rt.Access.Probe, probePaths)
		}
		if rt.Access.Probe {
			serving = probes
			other := httptest.NewRecorder()
			h.ServeHTTP(other, httptest.NewRequest(rt.Method, path, nil))
			if other.Code != 404 {
				t.Errorf("probe %s also served by Handler (%d): probes are answered ahead of the global chain only", key, other.Code)
			}
		}
		serving.ServeHTTP(rec, httptest.NewRequest(rt.Method, path, nil))
		if rec.Code == 404 && strings.Contains(rec.Body.String(), "No such endpoint") || rec.Code == 405 || rec.Code >= 500 && !rt.Access.Public {
			t.Errorf("%s is in the table but not served (%d)", key, rec.Code)
		}
	}
	for path, ops := range parsed.Paths {
		for method := range ops {
			if !served[strings.ToUpper(method)+" "+path] {
				t.Errorf("documented operation %s %s is not served", strings.ToUpper(method), path)
			}
		}
	}
}

func TestRouteWithoutAccessRefused(t *testing.T) {
	routes := append(testAPI().Routes(), Route{Method: http.MethodGet, Pattern: "/v1/oops", Summary: "no access rule"})
	if err := checkAccess(routes); err == nil {
		t.Fatal("a route naming no access rule was accepted")
	}
	if err := checkAccess(testAPI().Routes()); err != nil {
		t.Fatalf("the real table: %v", err)
	}
}

func TestHasLoneSurrogate(t *testing.T) {
	cases := map[string]bool{
		`"plain"`:                 false,
		`"\ud83d\ude00"`:          false, // a pair
		`"\ud83d"`:                true,
		`"\ude00"`:                true,
		`"\ud83d\u0041"`:          true,
		`"\\ud83d"`:               false, // an escaped backslash, then text
		`"\\\ud83d"`:              true,
		`"\u00e9 and \uD800 x"`:   true,
		`"truncated \ud83d\ude0"`: true,
		`"ok \u0041\u0042\u0043"`: false,
	}
	for in, want := range cases {
		if got := hasLoneSurrogate([]byte(in)); got != want {
			t.Errorf("hasLoneSurrogate(%s) = %v, want %v", in, got, want)
		}
	}
}

func TestCheckObjectKeys(t *testing.T) {
	allowed := []string{"text", "threshold"}
	cases := []struct {
		body, code string
	}{
		{`{"text":"a"}`, ""},
		{`{"text":"a","threshold":0.2}`, ""},
		{`{"Text":"a"}`, "unknown_field"},
		{`{"text":"a","text":"b"}`, "duplicate_field"},
		{`{"text":{"nested":"ok"}}`, ""},
		{`[1]`, "invalid_json"},
		{`{"text":`, "invalid_json"},
	}
	for _, c := range cases {
		err := checkObjectKeys([]byte(c.body), allowed)
		got := ""
		if err != nil {
			got = err.(*problem.Error).Code
		}
		if got != c.code {
			t.Errorf("checkObjectKeys(%s) = %q, want %q", c.body, got, c.code)
		}
	}
}

// TestReadyChecksOnceForConcurrentProbes: /ready calls that arrive while a
// round of checks runs share it, so a flood of probes (public, outside the
// rate limits) is one check at a time for the store; a later call runs a
// new round and sees a failure at once.
func TestReadyChecksOnceForConcurrentProbes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		checks := 0
		gate := make(chan struct{})
		var failing error
		a := New(Deps{Auth: denyAll{}, Version: "test", Log: slog.New(slog.DiscardHandler),
			Ready: []Checker{{Name: "store", Check: func(context.Context) error {
				checks++
				<-gate
				return failing
			}}}})
		_, probes := a.Probes()
		ready := func() int {
			rec := httptest.NewRecorder()
			probes.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ready", nil))
			return rec.Code
		}
		codes := make(chan int, 5)
		for range 5 {
			go func() { codes <- ready() }()
		}
		synctest.Wait() // one round is checking, four probes wait for it
		close(gate)
		for range 5 {
			if code := <-codes; code != 200 {
				t.Errorf("/ready = %d, want 200", code)
			}
		}
		if checks != 1 {
			t.Errorf("5 concurrent probes ran the checks %d times, want 1", checks)
		}
		failing = errors.New("store down")
		if code := ready(); code != 503 || checks != 2 {
			t.Errorf("next probe with the store down: %d after %d rounds, want 503 after 2", code, checks)
		}
	})
}
