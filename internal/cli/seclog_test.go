package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/app"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/secevent"
)

// TestSeclogVerify: `samo seclog verify` checks the configured security
// log and its rotated files with the keyring's key: exit 0 and "intact"
// for the log as written, exit 1 naming the line once a line is changed.
func TestSeclogVerify(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SAMO_DATA_DIR": dir, "SECURITY_LOG_MAX_SIZE": "8192", "SECURITY_LOG_MAX_FILES": "3"}
	stdio := func(out, errb *bytes.Buffer) IO {
		return IO{Stdin: strings.NewReader(""), Stdout: out, Stderr: errb, Getenv: func(k string) string { return env[k] }}
	}
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Main(context.Background(), args, stdio(&out, &errb))
		return out.String(), errb.String(), code
	}
	if _, e, code := run("init"); code != 0 {
		t.Fatalf("init: exit %d: %s", code, e)
	}
	// Write the log as the server does: same configuration, same key.
	var out, errb bytes.Buffer
	cfg, st, ring, err := openKeyring(context.Background(), stdio(&out, &errb))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	writeServerLog(t, cfg, ring.DeriveKey(app.SecurityLogKeyPurpose), 60)
	if _, err := os.Stat(cfg.SecurityLogPath() + ".1"); err != nil {
		t.Fatalf("want a rotated file: %v", err)
	}
	o, e, code := run("seclog", "verify")
	if code != 0 || !strings.Contains(o, "60 lines, chain seq 1 to 60") || !strings.Contains(o, "intact") {
		t.Fatalf("verify: exit %d: out %q err %q", code, o, e)
	}
	raw, err := os.ReadFile(cfg.SecurityLogPath())
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(raw, []byte("\n"))
	lines[1] = bytes.Replace(lines[1], []byte(`"high"`), []byte(`"low"`), 1)
	if err := os.WriteFile(cfg.SecurityLogPath(), bytes.Join(lines, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	o, e, code = run("seclog", "verify", "--json", cfg.SecurityLogPath())
	if code != 1 || !strings.Contains(o, `"intact":false`) || !strings.Contains(o, `"line":2`) || !strings.Contains(e, "fails verification") {
		t.Errorf("verify after a change: exit %d:\n%s%s", code, o, e)
	}
}

// writeServerLog writes n high-severity events to the configured security
// log, chained under key, rotating as configured.
func writeServerLog(t *testing.T, cfg *config.Config, key []byte, n int) {
	t.Helper()
	l, err := secevent.OpenRotatingJSONLog(cfg.SecurityLogPath(), secevent.LogOptions{
		MaxSize: cfg.SecurityLogMaxSize, MaxFiles: cfg.SecurityLogMaxFiles, ChainKey: key})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := 0; i < n; i++ {
		e := secevent.Event{ID: "evt_" + strings.Repeat("x", i%5), Type: secevent.BruteForce, Severity: secevent.High,
			Details: map[string]string{"attempts": strings.Repeat("1", 40)}}
		if err := l.WriteEvents(context.Background(), []secevent.Event{e}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSeclogVerifyDBEvents: on SQLite `samo seclog verify` compares the
// log with the database's events. Events in both pass; the CLI's own
// events (database only) and those of the last minute are not looked for.
// With the newest lines cut off, and after a server restarted on the
// shortened file continued the chain (which then verifies), the events of
// the removed lines are reported and verify exits 1. --db-events off, and
// files named on the command line, skip the comparison; --db-events on
// makes it for named files.
func TestSeclogVerifyDBEvents(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SAMO_DATA_DIR": dir}
	run := func(args ...string) (string, string, int) { return runCLI(t, env, args...) }
	if _, e, code := run("init"); code != 0 {
		t.Fatalf("init: exit %d: %s", code, e)
	}
	ctx := context.Background()
	var out, errb bytes.Buffer
	cio := IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
	cfg, st, ring, err := openKeyring(ctx, cio)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key := ring.DeriveKey(app.SecurityLogKeyPurpose)
	start := time.Now().Add(-20 * time.Minute).UTC()
	ev := func(i int) secevent.Event {
		return secevent.Event{ID: fmt.Sprintf("evt_test%02d", i), Type: secevent.AuthFailure, Severity: secevent.Medium,
			Time: start.Add(time.Duration(i) * time.Minute)}
	}
	// record writes events as a server's pipeline does: the database, then the log.
	record := func(es ...secevent.Event) {
		t.Helper()
		if err := st.WriteEvents(ctx, es); err != nil {
			t.Fatal(err)
		}
		l, err := secevent.OpenRotatingJSONLog(cfg.SecurityLogPath(), secevent.LogOptions{ChainKey: key})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if err := l.WriteEvents(ctx, es); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 8 {
		record(ev(i))
	}
	// The CLI's own event and one of the last minute go to the database only.
	recordEvent(ctx, cio, st, secevent.KeyRevoked, secevent.Medium, map[string]string{"key_id": "k1"})
	cliEv, err := st.ListEvents(ctx, secevent.Filter{Types: []secevent.Type{secevent.KeyRevoked}})
	if err != nil || len(cliEv) != 1 || cliEv[0].Details["via"] != "cli" {
		t.Fatalf("the CLI's event: %+v, %v", cliEv, err)
	}
	fresh := ev(99)
	fresh.Time = time.Now().UTC()
	if err := st.WriteEvents(ctx, []secevent.Event{fresh}); err != nil {
		t.Fatal(err)
	}
	o, e, code := run("seclog", "verify")
	if code != 0 || !strings.Contains(o, "every event the database recorded from") {
		t.Fatalf("verify: exit %d:\n%s%s", code, o, e)
	}

	// Cut the two newest lines off, as an intruder with the file would.
	raw, err := os.ReadFile(cfg.SecurityLogPath())
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(raw, []byte("\n"))
	if err := os.WriteFile(cfg.SecurityLogPath(), bytes.Join(lines[:6], nil), 0o600); err != nil {
		t.Fatal(err)
	}
	o, e, code = run("seclog", "verify")
	if code != 1 || !strings.Contains(o, "2 event(s) the database recorded") || !strings.Contains(o, "evt_test06") ||
		!strings.Contains(o, "evt_test07") || strings.Contains(o, "evt_test05") || !strings.Contains(e, "2 event(s) in the database are not in it") {
		t.Errorf("verify after the end was cut off: exit %d:\n%s%s", code, o, e)
	}
	// A server restarted on the shortened file continues the chain from
	// its new last line: the chain verifies, the comparison still fails.
	record(ev(9))
	o, e, code = run("seclog", "verify", "--json")
	if code != 1 || !strings.Contains(o, `"problems":[]`) || !strings.Contains(o, `"missing":2`) ||
		!strings.Contains(o, `"evt_test07"`) || !strings.Contains(o, `"intact":false`) {
		t.Errorf("verify after a restart on the shortened file: exit %d:\n%s%s", code, o, e)
	}
	if o, e, code = run("seclog", "verify", "--db-events", "off"); code != 0 || !strings.Contains(o, "not compared with the database's events: --db-events off") {
		t.Errorf("--db-events off: exit %d:\n%s%s", code, o, e)
	}
	if o, e, code = run("seclog", "verify", cfg.SecurityLogPath()); code != 0 || !strings.Contains(o, "files named on the command line") {
		t.Errorf("a named file: exit %d:\n%s%s", code, o, e)
	}
	if o, e, code = run("seclog", "verify", "--db-events", "on", cfg.SecurityLogPath()); code != 1 || !strings.Contains(o, "evt_test06") {
		t.Errorf("a named file with --db-events on: exit %d:\n%s%s", code, o, e)
	}
	if _, e, code = run("seclog", "verify", "--db-events", "maybe"); code != 2 || !strings.Contains(e, "--db-events must be auto, on or off") {
		t.Errorf("--db-events maybe: exit %d: %s", code, e)
	}
}

// TestEventsChecked: "auto" compares the configured log on SQLite only.
func TestEventsChecked(t *testing.T) {
	for _, tt := range []struct {
		mode   string
		named  bool
		driver string
		want   bool
	}{
		{"auto", false, "sqlite", true},
		{"auto", true, "sqlite", false},
		{"auto", false, "postgres", false},
		{"on", true, "postgres", true},
		{"off", false, "sqlite", false},
	} {
		c := eventsChecked(tt.mode, tt.named, tt.driver)
		if c.Checked != tt.want || c.Checked == (c.Why != "") {
			t.Errorf("eventsChecked(%q, %v, %q) = %+v, want checked %v (with a reason when not)", tt.mode, tt.named, tt.driver, c, tt.want)
		}
	}
}

// pagedEvents is an eventLister that answers with the pages given, in
// order, and keeps the filters it was asked with.
type pagedEvents struct {
	pages   [][]secevent.Event
	filters []secevent.Filter
}

func (p *pagedEvents) ListEvents(_ context.Context, f secevent.Filter) ([]secevent.Event, error) {
	p.filters = append(p.filters, f)
	if len(p.pages) == 0 {
		return nil, nil
	}
	page := p.pages[0]
	p.pages = p.pages[1:]
	return page, nil
}

// TestEventsComparePages: the comparison reads the database's events page
// by page, each page continuing before the last event of the one before,
// within the log's span less the margin at either end, and counts every
// missing event while listing the first maxEventsListed.
func TestEventsComparePages(t *testing.T) {
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	full := make([]secevent.Event, eventsPage)
	for i := range full {
		full[i] = secevent.Event{ID: fmt.Sprintf("evt_%05d", i), Time: base.Add(-time.Duration(i) * time.Millisecond)}
	}
	rest := []secevent.Event{{ID: "evt_held", Time: base.Add(-time.Hour)}, {ID: "evt_gone", Time: base.Add(-time.Hour)}}
	lister := &pagedEvents{pages: [][]secevent.Event{full, rest}}
	rep := secevent.LogReport{Oldest: base.Add(-2 * time.Hour), Newest: base, IDs: map[string]struct{}{"evt_held": {}, "evt_00007": {}}}
	now := base.Add(5 * time.Minute)
	c := eventsCheck{Checked: true}
	if err := c.compare(context.Background(), lister, rep, now); err != nil {
		t.Fatal(err)
	}
	if c.Missing != eventsPage || len(c.Listed) != maxEventsListed || c.Listed[0].ID != "evt_00000" {
		t.Errorf("missing %d, listed %d (first %v), want %d and %d", c.Missing, len(c.Listed), c.Listed[0].ID, eventsPage, maxEventsListed)
	}
	if len(lister.filters) != 2 {
		t.Fatalf("%d queries, want 2", len(lister.filters))
	}
	first, second := lister.filters[0], lister.filters[1]
	if !first.Since.Equal(rep.Oldest.Add(eventsMargin)) || !first.Until.Equal(now.Add(-eventsMargin)) || first.BeforeID != "" {
		t.Errorf("first query %+v", first)
	}
	last := full[len(full)-1]
	if second.BeforeID != last.ID || !second.BeforeAt.Equal(last.Time) || !second.Since.Equal(first.Since) || !second.Until.Equal(first.Until) {
		t.Errorf("second query %+v, want before %s at %v", second, last.ID, last.Time)
	}

	// A log with no verified line, or spanning less than the margins, is
	// compared with nothing.
	for _, r := range []secevent.LogReport{{}, {Oldest: now.Add(-90 * time.Second), Newest: now}} {
		lister := &pagedEvents{pages: [][]secevent.Event{rest}}
		c := eventsCheck{Checked: true}
		if err := c.compare(context.Background(), lister, r, now); err != nil || c.Missing != 0 || len(lister.filters) != 0 {
			t.Errorf("span %v to %v: missing %d after %d queries, %v", r.Oldest, r.Newest, c.Missing, len(lister.filters), err)
		}
		var out bytes.Buffer
		c.print(&out)
		if !strings.Contains(out.String(), "not compared with the database's events: the log has no verified line") {
			t.Errorf("span %v to %v: report %q", r.Oldest, r.Newest, out.String())
		}
	}
}
