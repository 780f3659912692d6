package dashboard

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestSessionsEnded: a factor change's event counts the sessions it
// ended and says when ending them failed part way.
func TestSessionsEnded(t *testing.T) {
	d := sessionsEnded(map[string]string{}, 3, nil)
	if d["sessions_ended"] != "3" || d["sessions_end"] != "" {
		t.Errorf("complete: %v", d)
	}
	d = sessionsEnded(map[string]string{}, 1, errors.New("store down"))
	if d["sessions_ended"] != "1" || d["sessions_end"] != "incomplete" {
		t.Errorf("failed part way: %v", d)
	}
}

// TestClearChallengeCookie: ending a sign-in challenge deletes its cookie
// at once (Max-Age=0), HttpOnly and SameSite=Strict like the one it ends.
func TestClearChallengeCookie(t *testing.T) {
	db := &Dashboard{}
	rec := httptest.NewRecorder()
	db.clearChallengeCookie(rec, httptest.NewRequest("POST", Prefix+"login/code", nil))
	cs := rec.Result().Cookies()
	if len(cs) != 1 || cs[0].Name != challengeCookieName || cs[0].Value != "" || cs[0].MaxAge >= 0 || !cs[0].HttpOnly {
		t.Fatalf("cookies %+v, want %s deleted", cs, challengeCookieName)
	}
	if h := rec.Header().Get("Set-Cookie"); !strings.Contains(h, "Max-Age=0") || !strings.Contains(h, "SameSite=Strict") {
		t.Errorf("Set-Cookie %q, want Max-Age=0 and SameSite=Strict", h)
	}
}
