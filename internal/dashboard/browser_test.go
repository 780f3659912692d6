package dashboard_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/testdep"
)

// xssPayload is stored as prediction text; it must show up as text.
const xssPayload = `<script>alert("xss")</script><img src=x onerror=alert(2)>`

// chromium finds the browser: SAMO_CHROMIUM, else chromium on PATH.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SAMO_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testdep.Missing(t, "chromium is not installed (scripts/test.sh installs it)")
	return ""
}

// browser watches a tab for JavaScript dialogs and CSP violations.
type browser struct {
	ctx        context.Context
	mu         sync.Mutex
	dialogs    []string
	violations []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	b := &browser{ctx: ctx}
	if err := chromedp.Do(ctx); err != nil { // start the browser and open the tab
		t.Fatalf("starting chromium: %v", err)
	}
	if err := chromedp.Listen(ctx, b.event); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *browser) event(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *page.EventJavascriptDialogOpening:
		b.dialogs = append(b.dialogs, e.Message)
		go func() { // close it from outside the event loop
			_, _ = chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}()
	case *cdplog.EventEntryAdded:
		if strings.Contains(e.Entry.Text, "Content Security Policy") {
			b.violations = append(b.violations, e.Entry.Text)
		}
	case *runtime.EventConsoleAPICalled:
		for _, a := range e.Args {
			if strings.Contains(string(a.Value), "Content Security Policy") {
				b.violations = append(b.violations, string(a.Value))
			}
		}
	}
}

func (b *browser) seen() (dialogs, violations []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.dialogs...), append([]string(nil), b.violations...)
}

// run runs steps with a time limit, failing the test with step's name.
func (b *browser) run(t *testing.T, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// submit clicks sel (a submit button or link) and waits until a new
// document has loaded and shows wait: a bare WaitVisible could match the
// page being left.
func (b *browser) submit(t *testing.T, step, sel, wait string) {
	t.Helper()
	b.run(t, step, chromedp.Evaluate[chromedp.Void](`window.samoOld = true`), chromedp.Click(chromedp.CSS(sel)))
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!window.samoOld && document.readyState === "complete"`))
		cancel()
		if err == nil && loaded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no new page after clicking %s (last error %v)", step, sel, err)
		}
	}
	b.run(t, step, chromedp.WaitVisible(chromedp.CSS(wait)))
}

func (b *browser) text(t *testing.T, sel string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *browser) eval(t *testing.T, js string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("eval %s: %v", js, err)
	}
	return s
}

// shot saves a screenshot of the page into docs/screenshots when
// SAMO_SCREENSHOTS=1, so ordinary runs do not rewrite the committed images.
func (b *browser) shot(t *testing.T, name string) {
	t.Helper()
	if os.Getenv("SAMO_SCREENSHOTS") != "1" {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("drives Chromium: skipped under -short (make test runs it)")
	}
	b := newBrowser(t)
	// The PII-masked analyst view keeps the payload's letters, so the test
	// can see it rendered as text (pages_test.go covers the default view).
	e := newEnv(t, map[string]string{"IP_ALLOWLIST": "10.0.0.0/8", "ANALYST_TEXT_VIEW": "pii_masked"})
	inc := seedDemo(t, e)
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	base := srv.URL

	signIn := func(key string) {
		b.run(t, "sign in",
			chromedp.Navigate(base+"/dashboard/"),
			chromedp.WaitVisible(chromedp.CSS("#key")),
			chromedp.SendKeys(chromedp.CSS("#key"), key),
		)
		b.submit(t, "sign in", "#signin", ".tiles")
	}

	// The sign-in page.
	b.run(t, "open", chromedp.Navigate(base+"/dashboard/"), chromedp.WaitVisible(chromedp.CSS("#key")))
	b.shot(t, "login")

	t.Run("admin", func(t *testing.T) {
		signIn(e.admin)
		if got := b.text(t, "#recent"); !strings.Contains(got, "brute_force") || !strings.Contains(got, "203.0.113.66") {
			t.Errorf("overview does not show the seeded critical event: %q", got)
		}
		if got := b.text(t, ".tiles"); !strings.Contains(got, "Critical / high") {
			t.Errorf("overview tiles: %q", got)
		}
		b.shot(t, "overview")

		b.run(t, "events", chromedp.Navigate(base+"/dashboard/events?severity=critical"), chromedp.WaitVisible(chromedp.CSS("#events")))
		if got := b.text(t, "#events"); !strings.Contains(got, "brute_force") {
			t.Errorf("critical events filter: %q", got)
		}
		b.run(t, "events", chromedp.Navigate(base+"/dashboard/events"), chromedp.WaitVisible(chromedp.CSS("#events")))
		b.shot(t, "events")

		// Block, then unblock, an address.
		b.run(t, "block",
			chromedp.Navigate(base+"/dashboard/offenders"),
			chromedp.WaitVisible(chromedp.CSS("#block-form")),
			chromedp.SendKeys(chromedp.CSS("#block-ip"), "198.51.100.99"),
			chromedp.SendKeys(chromedp.CSS("#block-reason"), "credential stuffing <b>test</b>"),
		)
		b.submit(t, "block", "#block", "#flash")
		if got := b.text(t, "#flash"); got != "Blocked 198.51.100.99 for 1 hour." {
			t.Errorf("block notice %q", got)
		}
		if got := b.text(t, "#blocked"); !strings.Contains(got, "198.51.100.99") || !strings.Contains(got, "credential stuffing <b>test</b>") {
			t.Errorf("blocked table after block: %q", got)
		}
		if _, blocked, _ := e.app.IDS.Check(context.Background(), mustAddr(t, "198.51.100.99")); !blocked {
			t.Error("the address is not blocked")
		}
		b.shot(t, "offenders")
		b.submit(t, "unblock", `#blocked tbody tr:first-child form button`, "#flash")
		if got := b.text(t, "#flash"); got != "Unblocked 198.51.100.99." {
			t.Errorf("unblock notice %q", got)
		}
		if _, blocked, _ := e.app.IDS.Check(context.Background(), mustAddr(t, "198.51.100.99")); blocked {
			t.Error("still blocked after unblock")
		}

		// Acknowledge and resolve an incident.
		b.run(t, "incident",
			chromedp.Navigate(base+"/dashboard/incidents"),
			chromedp.WaitVisible(chromedp.CSS("#incidents")),
		)
		b.shot(t, "incidents")
		b.run(t, "incident", chromedp.Navigate(base+"/dashboard/incidents/"+inc), chromedp.WaitVisible(chromedp.CSS("#acknowledge")))
		b.submit(t, "acknowledge", "#acknowledge", "#flash")
		if got := b.text(t, "#incident-status"); got != "acknowledged" {
			t.Errorf("incident status %q after acknowledge, want acknowledged", got)
		}
		b.shot(t, "incident")
		b.run(t, "resolve", chromedp.SendKeys(chromedp.CSS("#resolution-text"), "Source blocked for 24 h; key rotated."))
		b.submit(t, "resolve", "#resolve", "#flash")
		if got := b.text(t, "#incident-status"); got != "resolved" {
			t.Errorf("incident status %q after resolve, want resolved", got)
		}

		// Create a key (shown once), then revoke it.
		b.run(t, "keys", chromedp.Navigate(base+"/dashboard/keys"), chromedp.WaitVisible(chromedp.CSS("#keys")))
		b.shot(t, "keys")
		b.run(t, "create key",
			chromedp.SendKeys(chromedp.CSS("#new-user"), "ci-bot"),
			chromedp.SetValue(chromedp.CSS("#new-role"), "user"),
			chromedp.SendKeys(chromedp.CSS("#new-name"), "CI smoke tests"),
		)
		b.submit(t, "create key", "#create", "#new-key")
		plain, id := b.text(t, "#new-key"), b.text(t, "#new-key-id")
		if _, err := e.app.Keys.Authenticate(context.Background(), plain); err != nil {
			t.Fatalf("the key shown once does not authenticate: %v", err)
		}
		b.run(t, "keys", chromedp.Navigate(base+"/dashboard/keys"), chromedp.WaitVisible(chromedp.CSS("#keys")))
		b.submit(t, "revoke key", "#key-"+id+" button.danger", "#flash")
		if _, err := e.app.Keys.Authenticate(context.Background(), plain); err == nil {
			t.Error("the revoked key still authenticates")
		}
		if got := b.text(t, "#key-"+id); !strings.Contains(got, "revoked") {
			t.Errorf("keys list row after revoke: %q", got)
		}

		b.run(t, "predictions", chromedp.Navigate(base+"/dashboard/predictions"), chromedp.WaitVisible(chromedp.CSS("#distribution")))
		b.shot(t, "predictions")
		b.run(t, "reports", chromedp.Navigate(base+"/dashboard/reports"), chromedp.WaitVisible(chromedp.CSS("#view-report")))
		b.shot(t, "reports")
		b.submit(t, "report", "#view-report", "svg")
		b.shot(t, "report")

		// A cross-origin page that auto-submits a form into the dashboard.
		// Another port on 127.0.0.1 is same-site, so SameSite=Strict still
		// sends the cookie: the cross-origin check alone must stop it.
		evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<form method="post" action="%s/dashboard/offenders/block">
<input name="ip" value="198.51.100.123"><input name="duration" value="1h"><input name="reason" value="csrf"></form>
<script>document.forms[0].submit()</script>`, base)
		}))
		t.Cleanup(evil.Close)
		b.run(t, "forged post", chromedp.Navigate(evil.URL), chromedp.WaitVisible(chromedp.CSS("#error-message")))
		if got := b.text(t, "#error-message"); !strings.Contains(got, "Cross-origin request refused") {
			t.Errorf("forged cross-origin post: page says %q", got)
		}
		if _, blocked, _ := e.app.IDS.Check(context.Background(), mustAddr(t, "198.51.100.123")); blocked {
			t.Error("a forged cross-origin form blocked an address")
		}

		b.run(t, "overview", chromedp.Navigate(base+"/dashboard/"), chromedp.WaitVisible(chromedp.CSS("#signout")))
		b.submit(t, "sign out", "#signout", "#key")
		b.run(t, "after sign-out", chromedp.Navigate(base+"/dashboard/keys"), chromedp.WaitVisible(chromedp.CSS("#key")))
	})

	t.Run("analyst", func(t *testing.T) {
		signIn(e.analyst)
		if got := b.eval(t, `String(document.querySelector('a[href="/dashboard/keys"]') === null)`); got != "true" {
			t.Error("the analyst's navigation links to the keys page")
		}
		b.run(t, "keys page", chromedp.Navigate(base+"/dashboard/keys"), chromedp.WaitVisible(chromedp.CSS("#error-message")))
		if got := b.text(t, "#error-message"); !strings.Contains(got, "role does not allow") {
			t.Errorf("analyst on the keys page: %q", got)
		}
		b.run(t, "offenders", chromedp.Navigate(base+"/dashboard/offenders"), chromedp.WaitVisible(chromedp.CSS("#blocked")))
		if got := b.eval(t, `String(document.querySelectorAll('#block-form, form[action$="/unblock"], form[action$="/block"]').length)`); got != "0" {
			t.Errorf("the analyst's offenders page has %s admin forms", got)
		}
		// Even a hand-made same-origin form is refused by the server.
		b.run(t, "forge form", chromedp.Evaluate[chromedp.Void](`(() => {
			const f = document.createElement("form");
			f.method = "post"; f.action = "/dashboard/offenders/block"; f.id = "forged";
			for (const [k, v] of [["ip", "198.51.100.124"], ["duration", "1h"], ["reason", "x"]]) {
				const i = document.createElement("input"); i.name = k; i.value = v; f.appendChild(i);
			}
			const s = document.createElement("button"); s.type = "submit"; s.id = "forged-submit"; f.appendChild(s);
			document.body.appendChild(f);
		})()`))
		b.submit(t, "analyst block", "#forged-submit", "#error-message")
		if got := b.text(t, "#error-message"); !strings.Contains(got, "role does not allow") {
			t.Errorf("analyst POST to block: page says %q", got)
		}
		if _, blocked, _ := e.app.IDS.Check(context.Background(), mustAddr(t, "198.51.100.124")); blocked {
			t.Error("an analyst blocked an address")
		}
		b.run(t, "incident", chromedp.Navigate(base+"/dashboard/incidents?status=all"), chromedp.WaitVisible(chromedp.CSS("#incidents")))

		// The stored XSS payload is text.
		b.run(t, "predictions", chromedp.Navigate(base+"/dashboard/predictions"), chromedp.WaitVisible(chromedp.CSS("#predictions")))
		texts := b.eval(t, `Array.from(document.querySelectorAll(".pred-text")).map(e => e.textContent).join("\n")`)
		if !strings.Contains(texts, xssPayload) {
			t.Errorf("the stored payload is not shown as text; cells:\n%s", texts)
		}
		if n := b.eval(t, `String(document.querySelectorAll("script, img[onerror], .pred-text *").length)`); n != "0" {
			t.Errorf("%s script/img elements came from stored text", n)
		}
		if strings.Contains(texts, "jane@example.com") {
			t.Error("the analyst sees an unmasked e-mail address")
		}
	})

	dialogs, violations := b.seen()
	if len(dialogs) > 0 {
		t.Errorf("JavaScript dialogs opened: %q", dialogs)
	}
	// The forged page's own inline script is allowed (it has no CSP); any
	// violation comes from a dashboard page breaking its own policy. The
	// report's <meta> copy of its policy draws a notice that frame-ancestors
	// only works as a header (it is sent as a header too).
	violations = slices.DeleteFunc(violations, func(v string) bool { return strings.Contains(v, "delivered via a <meta> element") })
	if len(violations) > 0 {
		t.Errorf("CSP violations reported: %q", violations)
	}
}

// seedDemo fills the instance with a day of plausible activity for the
// browser test and the screenshots; it returns an open incident's id.
func seedDemo(t *testing.T, e *env) string {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	rng := rand.New(rand.NewPCG(7, 9))
	ips := []string{"203.0.113.66", "203.0.113.14", "198.51.100.23", "192.0.2.77", "2001:db8::42"}
	kinds := []struct {
		t secevent.Type
		s secevent.Severity
	}{
		{secevent.AuthFailure, secevent.Medium}, {secevent.AuthFailure, secevent.Low}, {secevent.RateLimited, secevent.Medium},
		{secevent.ValidationRejected, secevent.Low}, {secevent.InjectionDetected, secevent.High}, {secevent.PermissionDenied, secevent.Medium},
		{secevent.RateLimitWarning, secevent.Medium},
	}
	var evs []secevent.Event
	for i := range 240 {
		k := kinds[rng.IntN(len(kinds))]
		evs = append(evs, secevent.Event{ID: secevent.NewID(), Type: k.t, Severity: k.s, Time: now.Add(-time.Duration(rng.IntN(24*60)) * time.Minute),
			ClientIP: ips[rng.IntN(len(ips))], KeyID: fmt.Sprintf("key_demo%d", rng.IntN(4)), Route: "POST /v1/predict",
			Details: map[string]string{"n": fmt.Sprint(i)}})
	}
	bf := secevent.Event{ID: secevent.NewID(), Type: secevent.BruteForce, Severity: secevent.Critical, Time: now.Add(-3 * time.Hour),
		ClientIP: "203.0.113.66", Route: "POST /v1/auth/token", Details: map[string]string{"failures": "14"}}
	evs = append(evs, bf)
	seedEvents(t, e, evs...)
	if err := e.app.IDS.Block(ctx, mustAddr(t, "203.0.113.66"), 24*time.Hour, "brute force: 14 failed authentications", "ids"); err != nil {
		t.Fatal(err)
	}
	// An incident opened by the critical event, as the event pipeline
	// does, joined by the same source's later high events, with the
	// critical playbook's actions on its timeline.
	open := incident.Incident{ID: "inc_" + strings.TrimPrefix(secevent.NewID(), "evt_"), Type: "brute_force", Severity: secevent.Critical,
		Description: "Brute force against /v1/auth/token from 203.0.113.66", Status: incident.StatusOpen,
		Source: "ip:203.0.113.66", CreatedAt: bf.Time}
	inc, _, err := e.app.Store.OpenOrJoinIncident(ctx, open, []string{"ip:203.0.113.66"}, bf.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.ClientIP == "203.0.113.66" && ev.Severity == secevent.High && ev.Time.After(bf.Time) {
			if _, _, err := e.app.Store.OpenOrJoinIncident(ctx, open, []string{"ip:203.0.113.66"}, ev.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	svc := incident.NewService(incident.Deps{Store: e.app.Store})
	for _, a := range [][3]string{
		{"block 203.0.113.66 for 24h0m0s", "playbook:critical", "ok"},
		{"alert", "playbook:critical", "skipped: no SECURITY_ALERT_WEBHOOK"},
	} {
		if _, err := svc.AddAction(ctx, inc.ID, a[0], a[1], a[2]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Open(ctx, incident.OpenRequest{Type: "injection", Severity: secevent.High,
		Description: "Template injection attempts from 198.51.100.23", Source: "ip:198.51.100.23"}, "ids"); err != nil {
		t.Fatal(err)
	}
	pctx := e.asPrincipal(e.user)
	for _, text := range []string{
		xssPayload + " I am terrified, mail me at jane@example.com",
		"Thank you so much, this made my day!",
		"I am so angry that the delivery is late again, call me on +44 20 7946 0958",
		"Feeling calm and grateful this morning.",
		"I'm terrified of the exam tomorrow.",
		"The update fixed everything, great work.",
	} {
		if _, err := e.app.Predictions.Predict(pctx, prediction.Input{Text: text, Taxonomy: "goemotions"}); err != nil {
			t.Fatal(err)
		}
	}
	return inc.ID
}
