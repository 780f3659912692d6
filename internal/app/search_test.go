package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/secevent"
)

// TestSearchHidesPersonalData: a word search finds what the reader can see.
// Owners and admins find every word; analysts who see personal data masked
// (ANALYST_TEXT_VIEW=pii_masked) find the other words only, and each
// analyst search is an event.
func TestSearchHidesPersonalData(t *testing.T) {
	ta := newTestApp(t, map[string]string{"ANALYST_TEXT_VIEW": "pii_masked"})
	user := ta.key("jane", rbac.RoleUser)
	analyst := ta.key("ana", rbac.RoleAnalyst)
	admin := ta.key("root", rbac.RoleAdmin)
	text := "my SSN 078-05-1120 leaked and jane.doe@example.com gets spam, so frustrated"
	if rec := ta.do(http.MethodPost, "/v1/predict", user, map[string]any{"text": text}); rec.Code != 200 {
		t.Fatalf("predict: %d %s", rec.Code, rec.Body)
	}
	// count searches in the query string and in the body, which must agree.
	count := func(key, word string) int {
		t.Helper()
		get := ta.do(http.MethodGet, "/v1/predictions?q="+word, key, nil)
		post := ta.do(http.MethodPost, "/v1/predictions/search", key, map[string]any{"q": word})
		if get.Code != 200 || post.Code != 200 {
			t.Fatalf("search %q: GET %d %s, POST %d %s", word, get.Code, get.Body, post.Code, post.Body)
		}
		if get.Body.String() != post.Body.String() {
			t.Fatalf("search %q: GET answered %s, POST %s", word, get.Body, post.Body)
		}
		var out struct{ Predictions []json.RawMessage }
		if err := json.Unmarshal(get.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		return len(out.Predictions)
	}
	for _, c := range []struct {
		word                  string
		owner, admin, analyst int
	}{
		{"frustrated", 1, 1, 1},
		{"spam", 1, 1, 1},
		{"jane", 1, 1, 0}, // inside the e-mail address
		{"example", 1, 1, 0},
		{"1120", 1, 1, 0}, // digits
		{"078", 1, 1, 0},
		{"absent", 0, 0, 0},
	} {
		if got := count(user, c.word); got != c.owner {
			t.Errorf("owner searching %q: %d, want %d", c.word, got, c.owner)
		}
		if got := count(admin, c.word); got != c.admin {
			t.Errorf("admin searching %q: %d, want %d", c.word, got, c.admin)
		}
		if got := count(analyst, c.word); got != c.analyst {
			t.Errorf("analyst searching %q: %d, want %d", c.word, got, c.analyst)
		}
	}
	// Every analyst search above (7 words, each both ways) is audited.
	deadline := time.Now().Add(5 * time.Second)
	for {
		es, err := ta.Store.ListEvents(context.Background(), secevent.Filter{Types: []secevent.Type{secevent.AnalystSearch}, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 14 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d analyst_search events, want 14", len(es))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAnonymizedAnalystsCannotSearch: under the default anonymized view an
// analyst sees no word whole, so word search is refused with a clear problem
// (filtering by emotion still works).
func TestAnonymizedAnalystsCannotSearch(t *testing.T) {
	ta := newTestApp(t, nil)
	user := ta.key("jane", rbac.RoleUser)
	analyst := ta.key("ana", rbac.RoleAnalyst)
	if rec := ta.do(http.MethodPost, "/v1/predict", user, map[string]any{"text": "so frustrated with the spam today"}); rec.Code != 200 {
		t.Fatalf("predict: %d %s", rec.Code, rec.Body)
	}
	for _, rec := range []*httptest.ResponseRecorder{
		ta.do(http.MethodGet, "/v1/predictions?q=spam", analyst, nil),
		ta.do(http.MethodPost, "/v1/predictions/search", analyst, map[string]any{"q": "spam"}),
	} {
		if rec.Code != 403 || problem(t, rec)["type"] != problemType("search_not_allowed") {
			t.Errorf("anonymized analyst search: %d %s; want 403 search_not_allowed", rec.Code, rec.Body)
		}
	}
	if rec := ta.do(http.MethodGet, "/v1/predictions?q=spam", user, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "spam") {
		t.Errorf("the owner's search: %d %s", rec.Code, rec.Body)
	}
	if rec := ta.do(http.MethodGet, "/v1/predictions?limit=5", analyst, nil); rec.Code != 200 {
		t.Errorf("analyst listing without a word: %d %s", rec.Code, rec.Body)
	}
}

// TestSearchInBody: POST /v1/predictions/search takes GET
// /v1/predictions's parameters in a JSON body (so the word stays out of
// URLs), pages the same way, sees only what the caller may see, and
// refuses a bad body with a clear problem.
func TestSearchInBody(t *testing.T) {
	ta := newTestApp(t, nil)
	jane, john := ta.key("jane", rbac.RoleUser), ta.key("john", rbac.RoleUser)
	for _, text := range []string{"tomorrow is the interview, so nervous", "tomorrow we fly home, so happy", "the storm scared me tomorrow too", "nothing to see here"} {
		if rec := ta.do(http.MethodPost, "/v1/predict", jane, map[string]any{"text": text}); rec.Code != 200 {
			t.Fatalf("predict: %d %s", rec.Code, rec.Body)
		}
	}
	type page struct {
		Predictions []struct{ ID string }
		NextCursor  string `json:"next_cursor"`
	}
	search := func(key string, body any) page {
		t.Helper()
		rec := ta.do(http.MethodPost, "/v1/predictions/search", key, body)
		if rec.Code != 200 {
			t.Fatalf("search %v: %d %s", body, rec.Code, rec.Body)
		}
		var p page
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := search(jane, map[string]any{"q": "Tomorrow", "limit": 2})
	if len(first.Predictions) != 2 || first.NextCursor == "" {
		t.Fatalf("first page: %+v, want 2 predictions and a cursor", first)
	}
	rest := search(jane, map[string]any{"q": "tomorrow", "limit": 2, "cursor": first.NextCursor})
	if len(rest.Predictions) != 1 || rest.NextCursor != "" {
		t.Fatalf("second page: %+v, want 1 prediction and no cursor", rest)
	}
	seen := map[string]bool{}
	for _, p := range append(first.Predictions, rest.Predictions...) {
		seen[p.ID] = true
	}
	if len(seen) != 3 {
		t.Errorf("pages repeat a prediction: %v", seen)
	}
	if got := search(jane, map[string]any{}); len(got.Predictions) != 4 {
		t.Errorf("empty body: %d predictions, want all 4", len(got.Predictions))
	}
	if got := search(john, map[string]any{"q": "tomorrow"}); len(got.Predictions) != 0 {
		t.Errorf("another user found %d of jane's predictions", len(got.Predictions))
	}
	for _, c := range []struct {
		body  any
		ctype string
		code  int
		field string
	}{
		{map[string]any{"word": "tomorrow"}, "", 400, ""},
		{map[string]any{"q": "tomorrow", "limit": 0}, "", 400, "limit"},
		{map[string]any{"q": "tomorrow", "limit": 101}, "", 400, "limit"},
		{`{"q":"tomorrow","limit":"5"}`, "", 400, ""},
		{`{"q":"tomorrow","q":"storm"}`, "", 400, ""},
		{map[string]any{"q": strings.Repeat("a", 257)}, "", 400, "q"},
		{map[string]any{"emotion": "smugness"}, "", 400, "emotion"},
		{map[string]any{"cursor": "not-a-cursor"}, "", 400, "cursor"},
		{`["tomorrow"]`, "", 400, ""},
		{`{"q":"tomorrow"}`, "text/plain", 415, ""},
		{`{"q":"` + strings.Repeat("a", 5000) + `"}`, "", 413, ""},
	} {
		var hdr []string
		if c.ctype != "" {
			hdr = []string{"Content-Type", c.ctype}
		}
		rec := ta.do(http.MethodPost, "/v1/predictions/search", jane, c.body, hdr...)
		if rec.Code != c.code {
			t.Errorf("%v: %d %s, want %d", c.body, rec.Code, rec.Body, c.code)
			continue
		}
		if c.field == "" {
			continue
		}
		fields, _ := problem(t, rec)["errors"].([]any)
		if len(fields) != 1 || fields[0].(map[string]any)["field"] != c.field {
			t.Errorf("%v: errors %v, want one about %q", c.body, fields, c.field)
		}
	}
}
