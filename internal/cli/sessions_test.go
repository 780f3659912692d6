package cli

import (
	"context"
	"encoding/json"
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
	if err != nil || len(evs) != 2 || evs[0].Details["by"] != "cli" || evs[0].Details["refresh_families"] != "0" {
		t.Errorf("sessions_revoked events = %+v, %v; want two by the CLI", evs, err)
	}
}
