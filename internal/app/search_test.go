package app

import (
	"context"
	"encoding/json"
	"net/http"
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
	count := func(key, word string) int {
		t.Helper()
		rec := ta.do(http.MethodGet, "/v1/predictions?q="+word, key, nil)
		if rec.Code != 200 {
			t.Fatalf("search %q: %d %s", word, rec.Code, rec.Body)
		}
		var out struct{ Predictions []json.RawMessage }
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
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
	// Every analyst search above is audited.
	deadline := time.Now().Add(5 * time.Second)
	for {
		es, err := ta.Store.ListEvents(context.Background(), secevent.Filter{Types: []secevent.Type{secevent.AnalystSearch}, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 7 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d analyst_search events, want 7", len(es))
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
	rec := ta.do(http.MethodGet, "/v1/predictions?q=spam", analyst, nil)
	if rec.Code != 403 || problem(t, rec)["type"] != problemType("search_not_allowed") {
		t.Errorf("anonymized analyst search: %d %s; want 403 search_not_allowed", rec.Code, rec.Body)
	}
	if rec := ta.do(http.MethodGet, "/v1/predictions?q=spam", user, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "spam") {
		t.Errorf("the owner's search: %d %s", rec.Code, rec.Body)
	}
	if rec := ta.do(http.MethodGet, "/v1/predictions?limit=5", analyst, nil); rec.Code != 200 {
		t.Errorf("analyst listing without a word: %d %s", rec.Code, rec.Body)
	}
}
