package app

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/rbac"
)

// Analysts read others' predictions through the API in the configured
// ANALYST_TEXT_VIEW, under a keyed user pseudonym; owners and admins read
// the text and the real user id.
func TestAnalystTextViewOverHTTP(t *testing.T) {
	const text = "my SSN 123-45-6789 leaked and jane@example.com gets spam"
	for _, tt := range []struct {
		view, want string
	}{
		{"", "** *** <US_SSN> l****d *** <EMAIL_ADDRESS> g**s s**m"}, // the default
		{"anonymized", "** *** <US_SSN> l****d *** <EMAIL_ADDRESS> g**s s**m"},
		{"pii_masked", "my SSN <US_SSN> leaked and <EMAIL_ADDRESS> gets spam"},
	} {
		t.Run("view="+tt.view, func(t *testing.T) {
			extra := map[string]string{}
			if tt.view != "" {
				extra["ANALYST_TEXT_VIEW"] = tt.view
			}
			ta := newTestApp(t, extra)
			user, analyst, admin := ta.key("jo", rbac.RoleUser), ta.key("an", rbac.RoleAnalyst), ta.key("ad", rbac.RoleAdmin)
			rec := ta.do(http.MethodPost, "/v1/predict", user, map[string]any{"text": text})
			var own struct {
				ID     string `json:"id"`
				UserID string `json:"user_id"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &own); err != nil || rec.Code != 200 {
				t.Fatalf("predict: %d %s", rec.Code, rec.Body)
			}
			type item struct {
				Text   string `json:"text"`
				UserID string `json:"user_id"`
			}
			var one item
			rec = ta.do(http.MethodGet, "/v1/predictions/"+own.ID, analyst, nil)
			_ = json.Unmarshal(rec.Body.Bytes(), &one)
			if rec.Code != 200 || one.Text != tt.want {
				t.Errorf("analyst GET: %d text %q, want %q", rec.Code, one.Text, tt.want)
			}
			if !strings.HasPrefix(one.UserID, "psn_") || strings.Contains(rec.Body.String(), own.UserID) {
				t.Errorf("analyst GET user_id = %q (owner %q): want a pseudonym and no real id", one.UserID, own.UserID)
			}
			var list struct{ Predictions []item }
			rec = ta.do(http.MethodGet, "/v1/predictions", analyst, nil)
			_ = json.Unmarshal(rec.Body.Bytes(), &list)
			if len(list.Predictions) != 1 || list.Predictions[0] != one {
				t.Errorf("analyst list = %+v, want the same view as GET %+v", list.Predictions, one)
			}
			for _, who := range []struct{ name, key string }{{"owner", user}, {"admin", admin}} {
				var got item
				rec = ta.do(http.MethodGet, "/v1/predictions/"+own.ID, who.key, nil)
				_ = json.Unmarshal(rec.Body.Bytes(), &got)
				if got.Text != text || got.UserID != own.UserID || own.UserID == "" {
					t.Errorf("%s GET = %+v, want the plaintext and user id %q", who.name, got, own.UserID)
				}
			}
		})
	}
	// The pseudonym is stable for one user and differs between users.
	ta := newTestApp(t, nil)
	if a, b := ta.Predictions.Pseudonym("usr_a"), ta.Predictions.Pseudonym("usr_a"); a != b || a == ta.Predictions.Pseudonym("usr_b") {
		t.Errorf("pseudonyms not stable or not distinct: %q %q", a, b)
	}
}

// An unknown view is refused at start, with the variable named.
func TestAnalystTextViewValidated(t *testing.T) {
	env := testEnv(t, map[string]string{"ANALYST_TEXT_VIEW": "plaintext"})
	_, err := loadTestConfig(env)
	if err == nil || !strings.Contains(err.Error(), "ANALYST_TEXT_VIEW") {
		t.Fatalf("config error = %v, want one naming ANALYST_TEXT_VIEW", err)
	}
}

func loadTestConfig(env map[string]string) (any, error) {
	return config.LoadFlags(func(k string) string { return env[k] }, nil)
}
