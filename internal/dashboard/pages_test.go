package dashboard_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/secevent"
)

// seedEvents writes events straight to the store (synchronously).
func seedEvents(t testing.TB, e *env, evs ...secevent.Event) {
	t.Helper()
	for i := range evs {
		if evs[i].ID == "" {
			evs[i].ID = secevent.NewID()
		}
		if evs[i].Time.IsZero() {
			evs[i].Time = time.Now().UTC().Add(-time.Duration(i) * time.Second)
		}
	}
	if err := e.app.Store.WriteEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
}

var rowRE = regexp.MustCompile(`(?s)<tr><td class="nowrap">`)

func TestOverviewShowsCriticalEvent(t *testing.T) {
	e := newEnv(t, nil)
	seedEvents(t, e,
		secevent.Event{Type: secevent.BruteForce, Severity: secevent.Critical, ClientIP: "203.0.113.66", Details: map[string]string{"failures": "12"}},
		secevent.Event{Type: secevent.AuthFailure, Severity: secevent.Medium, ClientIP: "203.0.113.66"},
		secevent.Event{Type: secevent.RateLimited, Severity: secevent.Medium, ClientIP: "203.0.113.67"},
	)
	body := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: e.signIn(e.analyst)}).Body.String()
	for _, want := range []string{"brute_force", "203.0.113.66", `<span class="badge sev-critical">critical</span>`, `<rect class="sev-critical"`} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	tiles := map[string]string{"Critical / high": "1", "Auth failures": "1", "Rate-limited": "1"}
	for label, n := range tiles {
		re := regexp.MustCompile(`<span class="tile-value">(\d+|n/a)</span>\s*<span class="tile-label">` + regexp.QuoteMeta(label) + `</span>`)
		m := re.FindStringSubmatch(body)
		if m == nil || m[1] != n {
			t.Errorf("tile %q = %v, want %s", label, m, n)
		}
	}
}

func TestEventsFilterPaginationAndCSV(t *testing.T) {
	e := newEnv(t, nil)
	var evs []secevent.Event
	for i := range 60 {
		evs = append(evs, secevent.Event{Type: secevent.ValidationRejected, Severity: secevent.Low, ClientIP: "198.51.100.5",
			Details: map[string]string{"n": fmt.Sprint(i)}})
	}
	evs = append(evs,
		secevent.Event{Type: secevent.InjectionDetected, Severity: secevent.High, ClientIP: "198.51.100.6",
			Route: "=HYPERLINK(\"http://evil\")", KeyID: "+cmd", UserID: "@SUM(A1)", Details: map[string]string{"class": "-2+3"}},
	)
	seedEvents(t, e, evs...)
	c := e.signIn(e.analyst)

	cases := []struct {
		name, query string
		status      int
		rows        int
		older       bool
	}{
		{"all, first page", "", 200, 50, true},
		{"by type", "?type=injection_detected", 200, 1, false},
		{"by severity", "?severity=low", 200, 50, true},
		{"by ip", "?ip=198.51.100.6", 200, 1, false},
		{"future window", "?from=2100-01-01T00:00", 200, 0, false},
		{"beyond the clock's range", "?from=2999-01-01T00:00", 400, 0, false},
		{"bad severity", "?severity=urgent", 400, 0, false},
		{"bad ip", "?ip=999.1.1.1", 400, 0, false},
		{"unknown parameter", "?sort=asc", 400, 0, false},
		{"reversed period", "?from=2025-01-02T00:00&to=2025-01-01T00:00", 400, 0, false},
	}
	for _, tc := range cases {
		rec := e.do(req{method: http.MethodGet, path: "/dashboard/events" + tc.query, cookie: c})
		body := rec.Body.String()
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, rec.Code, tc.status)
		}
		if n := len(rowRE.FindAllString(body, -1)); n != tc.rows {
			t.Errorf("%s: %d rows, want %d", tc.name, n, tc.rows)
		}
		if got := strings.Contains(body, `id="older"`); got != tc.older {
			t.Errorf("%s: older-page link %v, want %v", tc.name, got, tc.older)
		}
	}
	// Following "Older" from the first page shows the remaining 11.
	first := e.do(req{method: http.MethodGet, path: "/dashboard/events", cookie: c}).Body.String()
	m := regexp.MustCompile(`href="(/dashboard/events\?before=[^"]+)" id="older"`).FindStringSubmatch(first)
	if m == nil {
		t.Fatal("no older link")
	}
	older := e.do(req{method: http.MethodGet, path: strings.ReplaceAll(m[1], "&amp;", "&"), cookie: c})
	if n := len(rowRE.FindAllString(older.Body.String(), -1)); older.Code != 200 || n != 11 {
		t.Errorf("second page: status %d, %d rows, want 200 and 11", older.Code, n)
	}

	rec := e.do(req{method: http.MethodGet, path: "/dashboard/events.csv?type=injection_detected", cookie: c})
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment;") {
		t.Fatalf("csv: status %d disposition %q", rec.Code, rec.Header().Get("Content-Disposition"))
	}
	rows, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv: %d rows, err %v; want header and 1 row", len(rows), err)
	}
	for i, cell := range rows[1] {
		if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
			t.Errorf("csv column %s = %q starts with a formula character", rows[0][i], cell)
		}
	}
	// The analyst sees the user id as its pseudonym; the admin's export
	// defuses the formula.
	if admin := e.do(req{method: http.MethodGet, path: "/dashboard/events.csv?type=injection_detected", cookie: e.signIn(e.admin)}).Body.String(); !strings.Contains(admin, "'@SUM(A1)") {
		t.Errorf("admin csv lacks the defused user id cell: %s", admin)
	}
	for _, want := range []string{`'=HYPERLINK("http://evil")`, "'+cmd", e.app.Predictions.Pseudonym("@SUM(A1)")} {
		if !strings.Contains(strings.Join(rows[1], "|"), want) {
			t.Errorf("csv row %q lacks the defused cell %q", rows[1], want)
		}
	}
}

func TestBlockAndUnblock(t *testing.T) {
	e := newEnv(t, map[string]string{"IP_ALLOWLIST": "192.0.2.0/24"})
	c := e.signIn(e.admin)
	ctx := context.Background()
	post := func(path string, form url.Values) *http.Response {
		return e.do(req{method: http.MethodPost, path: path, cookie: c, form: form, header: sameOrigin}).Result()
	}
	res := post("/dashboard/offenders/block", url.Values{"ip": {"203.0.113.7"}, "duration": {"24h"}, "reason": {"<b>scanner</b>"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("block: status %d", res.StatusCode)
	}
	b, blocked, err := e.app.IDS.Check(ctx, mustAddr(t, "203.0.113.7"))
	if err != nil || !blocked || b.Reason != "<b>scanner</b>" || b.By != "root-admin" {
		t.Fatalf("after block: blocked=%v block=%+v err=%v", blocked, b, err)
	}
	page := e.do(req{method: http.MethodGet, path: "/dashboard/offenders", cookie: c}).Body.String()
	for _, want := range []string{"Blocked 203.0.113.7 for 24 hours.", "&lt;b&gt;scanner&lt;/b&gt;", "192.0.2.0/24", "23h59m"} {
		if !strings.Contains(page, want) {
			t.Errorf("offenders page lacks %q", want)
		}
	}
	if strings.Contains(page, "<b>scanner</b>") {
		t.Error("block reason rendered as markup")
	}

	rejected := []struct {
		name  string
		form  url.Values
		flash string
	}{
		{"allowlisted", url.Values{"ip": {"192.0.2.44"}, "duration": {"1h"}}, "is on the allowlist"},
		{"not an address", url.Values{"ip": {"example.com"}, "duration": {"1h"}}, "Not an IP address."},
		{"odd duration", url.Values{"ip": {"203.0.113.8"}, "duration": {"999h"}}, "Pick one of the offered durations."},
		{"control characters", url.Values{"ip": {"203.0.113.8"}, "duration": {"1h"}, "reason": {"a\x1b[31mb"}}, "printable characters"},
	}
	for _, r := range rejected {
		if res := post("/dashboard/offenders/block", r.form); res.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: status %d, want 303 with a notice", r.name, res.StatusCode)
		}
		page := e.do(req{method: http.MethodGet, path: "/dashboard/offenders", cookie: c}).Body.String()
		if !strings.Contains(page, r.flash) {
			t.Errorf("%s: notice %q not shown", r.name, r.flash)
		}
	}
	if res := post("/dashboard/offenders/block", url.Values{"ip": {"203.0.113.8"}, "extra": {"x"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown form field: status %d, want 400", res.StatusCode)
	}

	if res := post("/dashboard/offenders/unblock", url.Values{"ip": {"203.0.113.7"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("unblock: status %d", res.StatusCode)
	}
	if _, blocked, _ := e.app.IDS.Check(ctx, mustAddr(t, "203.0.113.7")); blocked {
		t.Error("still blocked after unblock")
	}
	if page := e.do(req{method: http.MethodGet, path: "/dashboard/offenders", cookie: c}).Body.String(); !strings.Contains(page, "Unblocked 203.0.113.7.") {
		t.Error("no unblock notice")
	}
}

func TestIncidentAcknowledgeAndResolve(t *testing.T) {
	e := newEnv(t, noIDS)
	ctx := context.Background()
	svc := incident.NewService(incident.Deps{Store: e.app.Store})
	inc, err := svc.Open(ctx, incident.OpenRequest{Type: "brute_force", Severity: secevent.Critical,
		Description: "Brute force <script>alert(1)</script> from 203.0.113.66", Source: "ip:203.0.113.66"}, "ids")
	if err != nil {
		t.Fatal(err)
	}
	admin, analyst := e.signIn(e.admin), e.signIn(e.analyst)
	list := e.do(req{method: http.MethodGet, path: "/dashboard/incidents", cookie: analyst}).Body.String()
	if !strings.Contains(list, inc.ID) || !strings.Contains(list, "&lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(list, "<script>") {
		t.Errorf("incident list: missing id or unescaped description")
	}
	path := "/dashboard/incidents/" + inc.ID
	if rec := e.do(req{method: http.MethodPost, path: path + "/resolve", cookie: analyst, form: url.Values{"resolution": {"x"}}, header: sameOrigin}); rec.Code != http.StatusForbidden {
		t.Errorf("analyst resolve: status %d, want 403", rec.Code)
	}
	steps := []struct {
		name, action string
		form         url.Values
		wantStatus   incident.Status
		notice       string
	}{
		{"acknowledge", "/acknowledge", url.Values{}, incident.StatusAcknowledged, "Incident acknowledged."},
		{"acknowledge twice", "/acknowledge", url.Values{}, incident.StatusAcknowledged, "cannot be acknowledged"},
		{"resolve without text", "/resolve", url.Values{"resolution": {"  "}}, incident.StatusAcknowledged, "Write a resolution"},
		{"resolve", "/resolve", url.Values{"resolution": {"Blocked the source.\r\nRotated the key."}}, incident.StatusResolved, "Incident resolved."},
	}
	for _, s := range steps {
		rec := e.do(req{method: http.MethodPost, path: path + s.action, cookie: admin, form: s.form, header: sameOrigin})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != path {
			t.Errorf("%s: status %d Location %q", s.name, rec.Code, rec.Header().Get("Location"))
		}
		got, err := svc.Get(ctx, inc.ID)
		if err != nil || got.Status != s.wantStatus {
			t.Errorf("%s: status %q (err %v), want %q", s.name, got.Status, err, s.wantStatus)
		}
		if page := e.do(req{method: http.MethodGet, path: path, cookie: admin}).Body.String(); !strings.Contains(page, s.notice) {
			t.Errorf("%s: notice %q not shown", s.name, s.notice)
		}
	}
	got, _ := svc.Get(ctx, inc.ID)
	if got.Resolution != "Blocked the source.\nRotated the key." {
		t.Errorf("resolution %q, want CRLF normalised", got.Resolution)
	}
	page := e.do(req{method: http.MethodGet, path: path, cookie: admin}).Body.String()
	for _, want := range []string{"acknowledged</strong> by root-admin", "resolved</strong> by root-admin", `id="incident-status">resolved`} {
		if !strings.Contains(page, want) {
			t.Errorf("incident page lacks %q", want)
		}
	}
	if strings.Contains(page, `id="resolve-form"`) {
		t.Error("a resolved incident still offers the resolve form")
	}
	if rec := e.do(req{method: http.MethodGet, path: "/dashboard/incidents/inc_nope", cookie: admin}); rec.Code != http.StatusNotFound {
		t.Errorf("unknown incident: status %d, want 404", rec.Code)
	}
}

var newKeyRE = regexp.MustCompile(`<code id="new-key">(samo_[A-Za-z0-9]+)</code>`)
var newKeyIDRE = regexp.MustCompile(`id="new-key-id">([A-Za-z0-9_]+)<`)

func TestKeysCreateRotateRevoke(t *testing.T) {
	e := newEnv(t, nil)
	c := e.signIn(e.admin)
	ctx := context.Background()
	post := func(path string, form url.Values) (int, string) {
		rec := e.do(req{method: http.MethodPost, path: path, cookie: c, form: form, header: sameOrigin})
		return rec.Code, rec.Body.String()
	}
	code, body := post("/dashboard/keys", url.Values{"user": {"svc-etl"}, "role": {"user"}, "name": {"nightly <etl>"}})
	m, id := newKeyRE.FindStringSubmatch(body), newKeyIDRE.FindStringSubmatch(body)
	if code != http.StatusCreated || m == nil || id == nil {
		t.Fatalf("create: status %d; key shown %v", code, m != nil)
	}
	if _, err := e.app.Keys.Authenticate(ctx, m[1]); err != nil {
		t.Fatalf("created key does not authenticate: %v", err)
	}
	list := e.do(req{method: http.MethodGet, path: "/dashboard/keys", cookie: c}).Body.String()
	if strings.Contains(list, m[1]) {
		t.Error("the keys list shows a plaintext key")
	}
	if !strings.Contains(list, "nightly &lt;etl&gt;") || !strings.Contains(list, "svc-etl") {
		t.Error("the keys list lacks the new key's name or owner")
	}

	code, body = post("/dashboard/keys/"+id[1]+"/rotate", url.Values{})
	m2, id2 := newKeyRE.FindStringSubmatch(body), newKeyIDRE.FindStringSubmatch(body)
	if code != http.StatusCreated || m2 == nil || id2 == nil || m2[1] == m[1] {
		t.Fatalf("rotate: status %d, new key shown %v", code, m2 != nil)
	}
	if code, _ := post("/dashboard/keys/"+id[1]+"/rotate", url.Values{}); code != http.StatusSeeOther {
		t.Errorf("second rotation of the old key: status %d, want 303 with a notice", code)
	}
	if code, _ := post("/dashboard/keys/"+id2[1]+"/revoke", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("revoke: status %d", code)
	}
	if _, err := e.app.Keys.Authenticate(ctx, m2[1]); err == nil {
		t.Error("revoked key still authenticates")
	}
	if code, _ := post("/dashboard/keys/key_doesnotexist/revoke", url.Values{}); code != http.StatusNotFound {
		t.Errorf("revoke unknown key: status %d, want 404", code)
	}
	for _, bad := range []url.Values{
		{"user": {"bad name!"}, "role": {"user"}},
		{"user": {"ana"}, "role": {"admin"}}, // exists as analyst
		{"user": {"x"}, "role": {"root"}},
	} {
		if code, body := post("/dashboard/keys", bad); code != http.StatusSeeOther || newKeyRE.MatchString(body) {
			t.Errorf("create %v: status %d, want 303 and no key", bad, code)
		}
	}
	waitEvents(t, e, secevent.KeyRevoked, "dashboard", 1)
}

func TestStoredXSSRendersAsText(t *testing.T) {
	// The PII-masked view keeps the markup's letters, so its escaping shows.
	e := newEnv(t, map[string]string{"ANALYST_TEXT_VIEW": "pii_masked"})
	payload := `<script>alert("xss")</script><img src=x onerror=alert(2)> mail me at jane@example.com, I am terrified`
	if _, err := e.app.Predictions.Predict(e.asPrincipal(e.user), prediction.Input{Text: payload, Taxonomy: "goemotions"}); err != nil {
		t.Fatal(err)
	}
	for _, role := range []struct{ name, key string }{{"analyst", e.analyst}, {"admin", e.admin}} {
		body := e.do(req{method: http.MethodGet, path: "/dashboard/predictions", cookie: e.signIn(role.key)}).Body.String()
		if strings.Contains(body, "<script") || strings.Contains(body, "<img") {
			t.Errorf("%s: stored markup reached the page unescaped", role.name)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;") {
			t.Errorf("%s: the escaped payload is not shown as text", role.name)
		}
		if strings.Contains(body, "jane@example.com") {
			t.Errorf("%s: the e-mail address was not masked", role.name)
		}
		if !strings.Contains(body, `id="distribution"`) || !strings.Contains(body, ">fear<") {
			t.Errorf("%s: no emotion distribution with the seeded emotion", role.name)
		}
	}
}

// The dashboard shows analysts (and admins, who get the analyst view here)
// the same anonymized text and user pseudonym as the API.
func TestPredictionsPageAnonymized(t *testing.T) {
	e := newEnv(t, nil)
	text := "my SSN 123-45-6789 leaked and jane@example.com gets spam"
	rec, err := e.app.Predictions.Predict(e.asPrincipal(e.user), prediction.Input{Text: text, Taxonomy: "goemotions"})
	if err != nil {
		t.Fatal(err)
	}
	analystView, err := e.app.Predictions.Get(e.asPrincipal(e.analyst), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	const want = "** *** &lt;US_SSN&gt; l****d *** &lt;EMAIL_ADDRESS&gt; g**s s**m"
	if !strings.HasPrefix(analystView.UserID, "psn_") || analystView.UserID == rec.UserID {
		t.Fatalf("API view user id = %q, want a psn_ pseudonym", analystView.UserID)
	}
	for _, role := range []struct{ name, key string }{{"analyst", e.analyst}, {"admin", e.admin}} {
		body := e.do(req{method: http.MethodGet, path: "/dashboard/predictions", cookie: e.signIn(role.key)}).Body.String()
		if !strings.Contains(body, want) {
			t.Errorf("%s: page lacks the anonymized text %q", role.name, want)
		}
		for _, leak := range []string{"leaked", "spam", "jane", "6789", rec.UserID} {
			if strings.Contains(body, leak) {
				t.Errorf("%s: page shows %q", role.name, leak)
			}
		}
		if !strings.Contains(body, analystView.UserID) {
			t.Errorf("%s: page lacks the user pseudonym %s the API shows", role.name, analystView.UserID)
		}
	}
}

// Analysts see user ids in the event list and its CSV as the same
// pseudonyms the prediction views use; admins see the ids.
func TestEventsPseudonymousForAnalysts(t *testing.T) {
	e := newEnv(t, nil)
	ctx := e.asPrincipal(e.user)
	p, _ := reqctx.PrincipalFrom(ctx)
	e.app.Events.Record(ctx, secevent.New(ctx, secevent.DataErased, secevent.Low, time.Now(), map[string]string{"surface": "pseudonym-test"}))
	waitEvents(t, e, secevent.DataErased, "pseudonym-test", 1)
	psn := e.app.Predictions.Pseudonym(p.UserID)
	if !strings.HasPrefix(psn, "psn_") {
		t.Fatalf("pseudonym = %q", psn)
	}
	for _, path := range []string{"/dashboard/events?type=data_erased", "/dashboard/events.csv?type=data_erased"} {
		analyst := e.do(req{method: http.MethodGet, path: path, cookie: e.signIn(e.analyst)}).Body.String()
		if strings.Contains(analyst, p.UserID) || !strings.Contains(analyst, psn) {
			t.Errorf("analyst %s: want pseudonym %s and not user id %s", path, psn, p.UserID)
		}
		admin := e.do(req{method: http.MethodGet, path: path, cookie: e.signIn(e.admin)}).Body.String()
		if !strings.Contains(admin, p.UserID) {
			t.Errorf("admin %s: want user id %s", path, p.UserID)
		}
	}
}
