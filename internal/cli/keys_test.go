package cli

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/store"
)

// TestKeysRecordEvents: samo keys create, rotate and revoke record the
// security events the API records for the same actions (key_created,
// key_rotated, key_revoked, with the same details and severities), by the
// CLI.
func TestKeysRecordEvents(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SAMO_DATA_DIR": dir}
	if _, e, code := runCLI(t, env, "init"); code != 0 {
		t.Fatalf("init: exit %d: %s", code, e)
	}
	var created struct{ ID string }
	out, e, code := runCLI(t, env, "keys", "create", "--user", "alice", "--role", "analyst", "--json")
	if err := json.Unmarshal([]byte(out), &created); code != 0 || err != nil {
		t.Fatalf("keys create: exit %d, %v: %s %s", code, err, out, e)
	}
	var rotated struct{ ID string }
	out, e, code = runCLI(t, env, "keys", "rotate", created.ID, "--json")
	if err := json.Unmarshal([]byte(out), &rotated); code != 0 || err != nil {
		t.Fatalf("keys rotate: exit %d, %v: %s %s", code, err, out, e)
	}
	if _, e, code := runCLI(t, env, "keys", "revoke", rotated.ID); code != 0 {
		t.Fatalf("keys revoke: exit %d: %s", code, e)
	}
	if _, _, code := runCLI(t, env, "keys", "revoke", "key_nonexistent"); code != 1 {
		t.Fatalf("revoking a key that does not exist: exit %d, want 1", code)
	}

	ctx := context.Background()
	st, err := store.Open(ctx, "", dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.UserByName(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		typ     secevent.Type
		sev     secevent.Severity
		details map[string]string
	}{
		{secevent.KeyCreated, secevent.Low, map[string]string{"new_key_id": created.ID, "for_user": u.ID, "role": "analyst", "by": actor()}},
		{secevent.KeyRotated, secevent.Low, map[string]string{"old_key_id": created.ID, "new_key_id": rotated.ID, "by": actor()}},
		{secevent.KeyRevoked, secevent.Medium, map[string]string{"revoked_key_id": rotated.ID, "by": actor()}},
	} {
		evs, err := st.ListEvents(ctx, secevent.Filter{Types: []secevent.Type{tt.typ}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 {
			t.Errorf("%s events: %d, want 1 (a failed command records none): %+v", tt.typ, len(evs), evs)
			continue
		}
		ev := evs[0]
		if ev.Severity != tt.sev {
			t.Errorf("%s severity %s, want %s", tt.typ, ev.Severity, tt.sev)
		}
		for k, want := range tt.details {
			if got := ev.Details[k]; got != want {
				t.Errorf("%s details[%q] = %q, want %q (details %v)", tt.typ, k, got, want, ev.Details)
			}
		}
	}
}
