package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/report"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/store"
)

var t0 = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "", t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// seed writes a known event set over 24 hours from t0 and returns the
// expected counts by type and severity, computed independently.
func seed(t *testing.T, st *store.Store) map[secevent.Type]map[secevent.Severity]int {
	t.Helper()
	var es []secevent.Event
	want := map[secevent.Type]map[secevent.Severity]int{}
	add := func(typ secevent.Type, sev secevent.Severity, at time.Duration, ip, key string, details map[string]string) {
		es = append(es, secevent.Event{ID: fmt.Sprintf("evt_%03d", len(es)), Type: typ, Severity: sev, Time: t0.Add(at), ClientIP: ip, KeyID: key, Details: details})
		if at >= 0 && at < 24*time.Hour {
			if want[typ] == nil {
				want[typ] = map[secevent.Severity]int{}
			}
			want[typ][sev]++
		}
	}
	// 203.0.113.5: 12 auth failures over the first hour, a brute force, an automatic block.
	for i := 0; i < 12; i++ {
		reason := "unknown_key"
		if i%3 == 0 {
			reason = "malformed_key"
		}
		add(secevent.AuthFailure, secevent.Medium, time.Duration(i)*5*time.Minute, "203.0.113.5", "", map[string]string{"reason": reason})
	}
	add(secevent.BruteForce, secevent.High, 50*time.Minute, "203.0.113.5", "", nil)
	add(secevent.IPBlocked, secevent.High, 51*time.Minute, "203.0.113.5", "", map[string]string{"by": "ids"})
	// 198.51.100.20 with key key_a: 6 rate-limited at hour 5, an injection at hour 6.
	for i := 0; i < 6; i++ {
		add(secevent.RateLimited, secevent.Medium, 5*time.Hour+time.Duration(i)*time.Minute, "198.51.100.20", "key_a", map[string]string{"scope": "principal"})
	}
	add(secevent.InjectionDetected, secevent.Medium, 6*time.Hour, "198.51.100.20", "key_a", map[string]string{"class": "markup"})
	// A hostile-looking key id and reason (must be escaped in HTML/CSV).
	add(secevent.AuthFailure, secevent.Low, 7*time.Hour, "192.0.2.77", "<script>alert(1)</script>", map[string]string{"reason": "=HYPERLINK(\"http://x\")\"><img src=x onerror=alert(1)>"})
	// An admin blocks, then unblocks, an address; a token reuse is critical.
	add(secevent.IPBlocked, secevent.Medium, 8*time.Hour, "192.0.2.50", "", map[string]string{"by": "alice"})
	add(secevent.IPUnblocked, secevent.Medium, 9*time.Hour, "192.0.2.50", "", map[string]string{"by": "alice"})
	add(secevent.TokenReuse, secevent.Critical, 10*time.Hour, "192.0.2.60", "key_b", nil)
	add(secevent.KeyCreated, secevent.Low, 11*time.Hour, "192.0.2.1", "key_admin", nil)
	add(secevent.EventsShed, secevent.Medium, 12*time.Hour, "", "", map[string]string{"total": "40", "rate_limited": "40"})
	// Outside the period.
	add(secevent.BruteForce, secevent.High, -time.Minute, "203.0.113.5", "", nil)
	add(secevent.BruteForce, secevent.High, 24*time.Hour, "203.0.113.5", "", nil)
	if err := st.WriteEvents(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	return want
}

func build(t *testing.T) (*report.Report, map[secevent.Type]map[secevent.Severity]int) {
	t.Helper()
	st := openStore(t)
	want := seed(t, st)
	c := &clock{t: t0.Add(10 * time.Hour)}
	incs := incident.NewService(incident.Deps{Store: st, Now: c.Now})
	ctx := context.Background()
	if _, err := incs.Open(ctx, incident.OpenRequest{Type: "token_reuse", Severity: secevent.Critical, Description: "reuse"}, "alice"); err != nil {
		t.Fatal(err)
	}
	c.Advance(15 * time.Hour)
	r, err := report.NewBuilder(st, incs, c.Now).Build(ctx, t0, t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return r, want
}

func TestReportNumbers(t *testing.T) {
	r, want := build(t)
	total := 0
	for typ, bySev := range want {
		for sev, n := range bySev {
			total += n
			if got := r.Totals.ByTypeSeverity[typ][sev]; got != n {
				t.Errorf("%s/%s = %d, want %d", typ, sev, got, n)
			}
		}
	}
	if len(r.Totals.ByTypeSeverity) != len(want) {
		t.Errorf("report has %d types, want %d", len(r.Totals.ByTypeSeverity), len(want))
	}
	checks := []struct {
		name      string
		got, want int
	}{
		{"events", r.Totals.Events, total},
		{"events", r.Totals.Events, 27},
		{"critical", r.Totals.BySeverity[secevent.Critical], 1},
		{"high", r.Totals.BySeverity[secevent.High], 2},
		{"low", r.Totals.BySeverity[secevent.Low], 2},
		{"auth failures", r.AuthFailures.Total, 13},
		{"unknown_key", r.AuthFailures.By["unknown_key"], 8},
		{"malformed_key", r.AuthFailures.By["malformed_key"], 4},
		{"rate limited", r.RateLimited.Total, 6},
		{"blocks issued", r.Blocks.Issued, 2},
		{"automatic", r.Blocks.Automatic, 1},
		{"manual", r.Blocks.Manual, 1},
		{"lifted", r.Blocks.Lifted, 1},
		{"shed", int(r.EventsShed), 40},
		{"bucket seconds", int(r.BucketSeconds), 1800},
		{"buckets", len(r.Timeline), 48},
		{"first bucket", r.Timeline[0].Total, 6},  // auth failures at 0..25 min
		{"second bucket", r.Timeline[1].Total, 8}, // 30..55 min: 6 failures, brute force, block
		{"incidents", r.Incidents.Total, 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	sum := 0
	for _, b := range r.Timeline {
		sum += b.Total
	}
	if sum != r.Totals.Events {
		t.Errorf("timeline sums to %d, totals say %d", sum, r.Totals.Events)
	}
	wantIPs := []struct {
		ip       string
		n, hiCri int
	}{{"203.0.113.5", 14, 2}, {"198.51.100.20", 7, 0}, {"192.0.2.50", 1, 0}, {"192.0.2.60", 1, 1}, {"192.0.2.77", 1, 0}}
	if len(r.TopIPs) != len(wantIPs) {
		t.Fatalf("top IPs = %+v", r.TopIPs)
	}
	for i, w := range wantIPs {
		if o := r.TopIPs[i]; o.Source != w.ip || o.Events != w.n || o.HighOrCritical != w.hiCri {
			t.Errorf("top IP %d = %+v, want %s %d (%d high/critical)", i, o, w.ip, w.n, w.hiCri)
		}
	}
	if len(r.TopKeys) != 3 || r.TopKeys[0].Source != "key_a" || r.TopKeys[0].Events != 7 {
		t.Errorf("top keys = %+v (key_admin's key_created is no offence)", r.TopKeys)
	}
}

// TestOffenderTOTPLocked: an address and key whose wrong codes locked a
// user's second factor rank as offenders with the lock as a high event;
// a user's own factor changes and an admin's reset are no offences.
func TestOffenderTOTPLocked(t *testing.T) {
	st := openStore(t)
	var es []secevent.Event
	add := func(typ secevent.Type, sev secevent.Severity, at time.Duration, ip, key string, details map[string]string) {
		es = append(es, secevent.Event{ID: fmt.Sprintf("evt_%03d", len(es)), Type: typ, Severity: sev, Time: t0.Add(at), ClientIP: ip, KeyID: key, Details: details})
	}
	for i := 0; i < 10; i++ { // the 10th wrong code locks the factor
		add(secevent.AuthFailure, secevent.Medium, time.Duration(i)*time.Minute, "203.0.113.9", "key_stolen", map[string]string{"reason": "totp_invalid", "factor": "totp"})
	}
	add(secevent.TOTPLocked, secevent.High, 9*time.Minute, "203.0.113.9", "key_stolen", map[string]string{"failures": "10"})
	add(secevent.TOTPEnrolled, secevent.Medium, time.Hour, "192.0.2.10", "key_owner", nil)
	add(secevent.TOTPDisabled, secevent.Medium, 2*time.Hour, "192.0.2.10", "key_owner", nil)
	add(secevent.TOTPReset, secevent.Medium, 3*time.Hour, "192.0.2.11", "key_admin", nil)
	if err := st.WriteEvents(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	r, err := report.NewBuilder(st, nil, (&clock{t: t0.Add(24 * time.Hour)}).Now).Build(context.Background(), t0, t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  []report.Offender
		want string
	}{{"top IPs", r.TopIPs, "203.0.113.9"}, {"top keys", r.TopKeys, "key_stolen"}} {
		if len(c.got) != 1 || c.got[0].Source != c.want || c.got[0].Events != 11 || c.got[0].HighOrCritical != 1 {
			t.Errorf("%s = %+v, want only %s with 11 offence events, 1 high", c.name, c.got, c.want)
		}
	}
}

// TestOffenderRevokedKeyNewAddress: an address that presents a revoked
// key it never used ranks as an offender with the critical
// revoked_key_new_address, above the key's owner retrying from its own
// address (an auth_failure alone); the admin's revocation is no offence.
func TestOffenderRevokedKeyNewAddress(t *testing.T) {
	st := openStore(t)
	const owner, stranger, admin = "192.0.2.10", "203.0.113.50", "192.0.2.11"
	es := []secevent.Event{
		{ID: "evt_000", Type: secevent.KeyRevoked, Severity: secevent.Medium, Time: t0, ClientIP: admin, KeyID: "key_admin"},
		{ID: "evt_001", Type: secevent.AuthFailure, Severity: secevent.Medium, Time: t0.Add(time.Minute), ClientIP: owner, KeyID: "key_dead",
			Details: map[string]string{"reason": "revoked"}},
		// The same request from a stranger: its auth_failure and the
		// critical event that it holds someone else's key.
		{ID: "evt_002", Type: secevent.AuthFailure, Severity: secevent.Medium, Time: t0.Add(time.Hour), ClientIP: stranger, KeyID: "key_dead",
			Details: map[string]string{"reason": "revoked"}},
		{ID: "evt_003", Type: secevent.KeyNewAddress, Severity: secevent.Critical, Time: t0.Add(time.Hour), ClientIP: stranger, KeyID: "key_dead",
			Details: map[string]string{"status": "revoked"}},
	}
	if err := st.WriteEvents(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	r, err := report.NewBuilder(st, nil, (&clock{t: t0.Add(24 * time.Hour)}).Now).Build(context.Background(), t0, t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		source       string
		events, high int
	}
	for _, c := range []struct {
		name string
		got  []report.Offender
		want []row
	}{
		{"top IPs", r.TopIPs, []row{{stranger, 2, 1}, {owner, 1, 0}}},
		{"top keys", r.TopKeys, []row{{"key_dead", 3, 1}}},
	} {
		var got []row
		for _, o := range c.got {
			got = append(got, row{o.Source, o.Events, o.HighOrCritical})
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s = %v, want %v (source, offence events, high or critical)", c.name, got, c.want)
		}
	}
}

func TestReportFormats(t *testing.T) {
	r, _ := build(t)
	t.Run("json", func(t *testing.T) {
		var buf bytes.Buffer
		if err := report.Write(&buf, r, report.FormatJSON); err != nil {
			t.Fatal(err)
		}
		var back report.Report
		if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back.Totals.Events != r.Totals.Events {
			t.Errorf("JSON round trip: %v, %d events", err, back.Totals.Events)
		}
	})
	t.Run("csv", func(t *testing.T) {
		var buf bytes.Buffer
		if err := report.Write(&buf, r, report.FormatCSV); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		find := func(section, key, detail string) string {
			for _, row := range rows {
				if row[0] == section && row[1] == key && row[2] == detail {
					return row[3]
				}
			}
			return "(missing)"
		}
		for _, c := range []struct{ section, key, detail, want string }{
			{"totals", "events", "", "27"},
			{"type", "auth_failure", "medium", "12"},
			{"top_ip", "203.0.113.5", "events", "14"},
			{"blocks", "lifted", "", "1"},
			{"incidents", "severity", "critical", "1"},
		} {
			if got := find(c.section, c.key, c.detail); got != c.want {
				t.Errorf("csv %s/%s/%s = %s, want %s", c.section, c.key, c.detail, got, c.want)
			}
		}
		for _, row := range rows {
			for _, cell := range row[1:3] {
				if cell != "" && strings.ContainsAny(cell[:1], "=+-@") {
					t.Errorf("csv cell %q would run as a spreadsheet formula", cell)
				}
			}
		}
	})
	t.Run("html", func(t *testing.T) {
		var buf bytes.Buffer
		if err := report.Write(&buf, r, report.FormatHTML); err != nil {
			t.Fatal(err)
		}
		page := buf.String()
		// Markup from event data is escaped, and nothing is loaded from
		// elsewhere.
		for _, bad := range []string{"<script", "<img", "<link", "<iframe", "href=", `src="`, "url(", "@import"} {
			if strings.Contains(page, bad) {
				t.Errorf("HTML report contains %q", bad)
			}
		}
		for _, want := range []string{"<svg", "<rect", "&lt;img src=x onerror=alert(1)&gt;", "203.0.113.5", "Content-Security-Policy"} {
			if !strings.Contains(page, want) {
				t.Errorf("HTML report lacks %q", want)
			}
		}
	})
	if err := report.Write(&bytes.Buffer{}, r, "xml"); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestBuildRefusesBadPeriods(t *testing.T) {
	b := report.NewBuilder(openStore(t), nil, nil)
	for _, p := range []struct{ from, to time.Time }{
		{t0, t0}, {t0, t0.Add(-time.Hour)}, {t0, t0.Add(report.MaxPeriod + time.Hour)},
	} {
		if _, err := b.Build(context.Background(), p.from, p.to); err == nil {
			t.Errorf("Build(%v, %v) accepted", p.from, p.to)
		}
	}
}
