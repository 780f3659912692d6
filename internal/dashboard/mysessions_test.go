package dashboard_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/samo-brain/samo/internal/rbac"
)

var sessionRef = regexp.MustCompile(`name="ref" value="([0-9a-f]{64})"`)

// TestYourSessions (ASVS V7.5.2): the Sessions page lists every browser
// signed in with the viewer's key, this one marked; ending another one
// signs that browser out, ending this one signs this browser out, and a
// session of another key (or no session) cannot be ended from here.
func TestYourSessions(t *testing.T) {
	e := newEnv(t, nil)
	key, _ := e.key("ana", rbac.RoleAnalyst)
	laptop, phone := e.signIn(key), e.signIn(key)
	other := e.signIn(e.admin)
	// page returns the refs listed for the browser of c, its own first.
	page := func(c *http.Cookie) (refs []string) {
		t.Helper()
		rec := e.do(req{method: http.MethodGet, path: "/dashboard/sessions", cookie: c})
		if rec.Code != http.StatusOK {
			t.Fatalf("sessions page: %d", rec.Code)
		}
		var mine []string
		for _, row := range strings.Split(rec.Body.String(), "<tr>")[1:] {
			m := sessionRef.FindStringSubmatch(row)
			if m == nil {
				continue
			}
			if strings.Contains(row, "this browser") {
				mine = append(mine, m[1])
			} else {
				refs = append(refs, m[1])
			}
		}
		if len(mine) != 1 {
			t.Fatalf("%d rows marked as this browser, want 1", len(mine))
		}
		return append(mine, refs...)
	}
	refs := page(laptop)
	if len(refs) != 2 {
		t.Fatalf("ana's page lists %d sessions, want 2", len(refs))
	}
	adminRefs := page(other)
	end := func(c *http.Cookie, ref string) *httptest.ResponseRecorder {
		return e.do(req{method: http.MethodPost, path: "/dashboard/sessions/end", cookie: c, form: url.Values{"ref": {ref}}, header: sameOrigin})
	}
	for _, ref := range []string{adminRefs[0], strings.Repeat("0", 64), "zz", ""} {
		if rec := end(laptop, ref); rec.Code != http.StatusNotFound {
			t.Errorf("ending %q from ana's session: %d, want 404", ref, rec.Code)
		}
	}
	if rec := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: other}); rec.Code != http.StatusOK {
		t.Fatalf("the admin's session after ana's attempts: %d", rec.Code)
	}
	// End the phone's session from the laptop.
	phoneRef := page(phone)[0]
	if phoneRef != refs[1] {
		t.Fatalf("the phone's own session %s is not the laptop's other row %s", phoneRef, refs[1])
	}
	if rec := end(laptop, phoneRef); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard/sessions" {
		t.Fatalf("ending the phone's session: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: phone}); rec.Code != http.StatusSeeOther {
		t.Errorf("the phone after its session was ended: %d, want 303 to sign-in", rec.Code)
	}
	if refs = page(laptop); len(refs) != 1 {
		t.Errorf("after ending the phone: %d sessions listed, want 1", len(refs))
	}
	rec := end(laptop, refs[0])
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard/login?m=signedout" {
		t.Errorf("ending this browser's session: %d %q, want a sign-out", rec.Code, rec.Header().Get("Location"))
	}
	if rec := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: laptop}); rec.Code != http.StatusSeeOther {
		t.Errorf("the laptop after ending its own session: %d, want 303", rec.Code)
	}
}
