package cli

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/mfa"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/store"
)

// TestUsersTOTPReset: the CLI removes a user's second factor, records a
// totp_reset event naming the user (never the secret), says so when there
// is none, and fails clearly on bad usage and unknown names.
func TestUsersTOTPReset(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SAMO_DATA_DIR": dir}
	run := func(args ...string) (string, string, int) { return runCLI(t, env, args...) }
	if _, e, code := run("init"); code != 0 {
		t.Fatalf("init: exit %d: %s", code, e)
	}
	if _, e, code := run("keys", "create", "--user", "carol", "--role", "analyst"); code != 0 {
		t.Fatalf("keys create: exit %d: %s", code, e)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, "", dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.UserByName(ctx, "carol")
	if err != nil {
		t.Fatal(err)
	}
	sealed := []byte("sealed-secret-bytes")
	if err := st.PutTOTP(ctx, mfa.Enrolment{UserID: u.ID, Sealed: sealed, KeyID: "k1", EnrolledAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out, e, code := run("users", "totp-reset", "carol")
	if code != 0 || !strings.Contains(out, "reset") {
		t.Fatalf("totp-reset: exit %d: %s %s", code, out, e)
	}
	if strings.Contains(out+e, string(sealed)) {
		t.Error("the CLI printed the stored secret")
	}
	st, err = store.Open(ctx, "", dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.TOTP(ctx, u.ID); !errors.Is(err, mfa.ErrNotEnrolled) {
		t.Errorf("after totp-reset: %v, want no second factor", err)
	}
	evs, err := st.ListEvents(ctx, secevent.Filter{Types: []secevent.Type{secevent.TOTPReset}, Limit: 10})
	if err != nil || len(evs) != 1 || evs[0].Details["target_user_id"] != u.ID || evs[0].Details["by"] != actor() {
		t.Errorf("totp_reset events = %+v, %v; want one naming carol, by actor()", evs, err)
	}
	// Her dashboard sessions end (V7.4.3): without Redis they are in the
	// servers' memory, so the reset moves her session cut-off, which every
	// server applies at the next request (app.TestEndUserSessionsFromHost).
	if len(evs) == 1 && (evs[0].Details["sessions_end"] != "next_request" || evs[0].Details["sessions_cutoff"] == "") {
		t.Errorf("totp_reset event details %v; want sessions_end next_request and the cut-off", evs[0].Details)
	}
	if after, err := st.UserByID(ctx, u.ID); err != nil || after.SessionsAfter == nil || !after.SessionEnded(time.Now().Add(-time.Second)) {
		t.Errorf("after totp-reset carol's session cut-off is %v, %v; want one that ends the sessions signed in before", after.SessionsAfter, err)
	}
	out, _, code = run("users", "totp-reset", "carol", "--json")
	var got struct {
		UserID string `json:"user_id"`
		Reset  bool   `json:"reset"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 || got.UserID != u.ID || got.Reset {
		t.Errorf("second totp-reset --json: exit %d, %v: %s; want reset false", code, err, out)
	}
	if _, _, code := run("users", "totp-reset"); code != 2 {
		t.Errorf("no name: exit %d, want 2", code)
	}
	if _, e, code := run("users", "totp-reset", "nobody"); code != 1 || !strings.Contains(e, "nobody") {
		t.Errorf("unknown user: exit %d: %s", code, e)
	}
}
