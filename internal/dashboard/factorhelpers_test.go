package dashboard

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/mfa"
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

// TestLockedMessage: a lock's end is given rounded up to the minute, in
// UTC, with the date when it is not today; a lock that only an admin's
// reset ends says so.
func TestLockedMessage(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	const start, end = "Too many wrong codes for this account. ", " UTC, or ask an admin to reset your second factor."
	for _, c := range []struct {
		name  string
		until time.Time
		want  string
	}{
		{"on the minute", now.Add(15 * time.Minute), start + "Try again after 09:15" + end},
		{"within a minute", now.Add(15*time.Minute + time.Second), start + "Try again after 09:16" + end},
		{"another zone", now.Add(time.Hour).In(time.FixedZone("X", 3600)), start + "Try again after 10:00" + end},
		{"tomorrow", now.Add(24 * time.Hour), start + "Try again after 2026-12-08 09:00" + end},
		{"until reset", time.Time{}, start + "Ask an admin to reset your second factor."},
	} {
		if got := lockedMessage(now, &mfa.Locked{Until: c.until}); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestSessionsNotEnded: a factor change whose sessions could not all be
// ended says the change is made and what to do, with 503.
func TestSessionsNotEnded(t *testing.T) {
	cause := errors.New("store down")
	err := sessionsNotEnded("Two-factor sign-in is on.", cause)
	var pe *pageError
	const want = "Two-factor sign-in is on. But the other sessions could not all be ended: try again shortly, or end them on the Sessions page."
	if !errors.As(err, &pe) || pe.status != http.StatusServiceUnavailable || pe.msg != want || !errors.Is(pe.cause, cause) {
		t.Errorf("sessionsNotEnded = %#v, want 503 with %q", err, want)
	}
}
