package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/store"
)

// TestSessionsEndAll: samo sessions end-all signs everyone out like DELETE
// /v1/admin/sessions (app.TestEndAllSessionsFromHost runs it against a
// running server): without Redis it writes the token and session cut-offs
// to the database, says so, records a sessions_revoked event by the CLI,
// and prints JSON with --json.
func TestSessionsEndAll(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SAMO_DATA_DIR": dir}
	run := func(args ...string) (string, string, int) { return runCLI(t, env, args...) }
	if _, e, code := run("init"); code != 0 {
		t.Fatalf("init: exit %d: %s", code, e)
	}
	if _, e, code := run("keys", "create", "--user", "carol", "--role", "analyst"); code != 0 {
		t.Fatalf("keys create: exit %d: %s", code, e)
	}
	out, e, code := run("sessions", "end-all")
	if code != 0 || !strings.Contains(out, "signed everyone out") || !strings.Contains(out, "within a second") {
		t.Fatalf("sessions end-all: exit %d: %s %s", code, out, e)
	}
	out, e, code = run("sessions", "end-all", "--json")
	var got struct {
		Families int       `json:"refresh_families_revoked"`
		Before   time.Time `json:"tokens_issued_before"`
		DenyList string    `json:"deny_list"`
		Ended    bool      `json:"dashboard_sessions_ended"`
		Cutoff   time.Time `json:"sessions_cutoff"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 || got.Before.IsZero() || got.DenyList != "database" || !got.Ended || got.Cutoff.IsZero() {
		t.Fatalf("sessions end-all --json: exit %d, %v: %s %s", code, err, out, e)
	}
	if _, _, code := run("sessions", "end-all", "extra"); code != 2 {
		t.Errorf("an argument: exit %d, want 2", code)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, "", dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if before, _, err := st.LoadCutoff(ctx); err != nil || !before.Equal(got.Before) {
		t.Errorf("the database's token cut-off is %v, %v; want %v", before, err, got.Before)
	}
	u, err := st.UserByName(ctx, "carol")
	if err != nil || u.SessionsAfter == nil || !u.SessionsAfter.Equal(got.Cutoff) {
		t.Errorf("carol's session cut-off is %v, %v; want %v", u.SessionsAfter, err, got.Cutoff)
	}
	evs, err := st.ListEvents(ctx, secevent.Filter{Types: []secevent.Type{secevent.SessionsRevoked}, Limit: 10})
	if err != nil || len(evs) != 2 || evs[0].Details["by"] != actor() || evs[0].Details["refresh_families"] != "0" {
		t.Errorf("sessions_revoked events = %+v, %v; want two by the CLI", evs, err)
	}
}

// TestSessionsEndAllProduction: in production, sessions end-all needs only
// the store's settings, REDIS_URL and JWT_MAX_EXPIRY_HOURS: it signs
// everyone out without JWT_SECRET_KEY (or any other server secret, none of
// which it reads), keeps the token cut-off as long as
// JWT_MAX_EXPIRY_HOURS says, and writes no secret. What it does need is
// still refused clearly, naming the variable, before anything is written.
func TestSessionsEndAllProduction(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	prod := func(extra map[string]string) map[string]string {
		env := map[string]string{"SECURITY_LEVEL": "production", "SAMO_DATA_DIR": data}
		for k, v := range extra {
			env[k] = v
		}
		return env
	}
	if _, e, code := runCLI(t, prod(nil), "sessions", "end-all"); code == 0 || !strings.Contains(e, "no database") || !strings.Contains(e, "samo init") {
		t.Errorf("end-all before init: exit %d %q; want no database, create it with samo init", code, e)
	}
	if _, e, code := runCLI(t, prod(nil), "init"); code != 0 {
		t.Fatalf("init: exit %d: %s", code, e)
	}
	for _, tc := range []struct{ name, variable, value string }{
		{"plaintext Redis", "REDIS_URL", "redis://redis.internal:6379/0"},
		{"no token lifetime", "JWT_MAX_EXPIRY_HOURS", "0"},
		{"plaintext PostgreSQL", "DATABASE_URL", "postgres://samo@db.internal:5432/samo"},
	} {
		if _, e, code := runCLI(t, prod(map[string]string{tc.variable: tc.value}), "sessions", "end-all"); code == 0 || !strings.Contains(e, tc.variable+":") {
			t.Errorf("%s: exit %d %q; want %s refused", tc.name, code, e, tc.variable)
		}
	}
	out, e, code := runCLI(t, prod(map[string]string{
		"JWT_MAX_EXPIRY_HOURS": "72",
		"JWT_SECRET_KEY_FILE":  filepath.Join(dir, "missing"), // not read
		"ENCRYPTION_KEY":       "changeme",
	}), "sessions", "end-all", "--json")
	var got struct {
		Before   time.Time `json:"tokens_issued_before"`
		DenyList string    `json:"deny_list"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 || got.Before.IsZero() || got.DenyList != "database" {
		t.Fatalf("end-all in production without JWT_SECRET_KEY: exit %d, %v: %s %s", code, err, out, e)
	}
	st, err := store.Open(context.Background(), "", data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if before, until, err := st.LoadCutoff(context.Background()); err != nil || !before.Equal(got.Before) || until.Before(before.Add(72*time.Hour)) {
		t.Errorf("token cut-off %v until %v (%v); want %v kept at least 72 h (JWT_MAX_EXPIRY_HOURS)", before, until, err, got.Before)
	}
	if _, err := os.Stat(filepath.Join(data, "secrets.env")); !os.IsNotExist(err) {
		t.Errorf("end-all wrote secrets.env (%v)", err)
	}
	evs, err := st.ListEvents(context.Background(), secevent.Filter{Types: []secevent.Type{secevent.SessionsRevoked}, Limit: 10})
	if err != nil || len(evs) != 1 {
		t.Errorf("sessions_revoked events = %d, %v; want one (the refused runs record none)", len(evs), err)
	}
}
