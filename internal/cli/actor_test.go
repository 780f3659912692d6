package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/mfa"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/store"
)

// TestActor: the CLI's actor is "cli:" and the name the system's user
// database gives the process's user id, or "cli:uid:N" without one.
func TestActor(t *testing.T) {
	uid := strconv.Itoa(os.Getuid())
	want := "cli:uid:" + uid
	if u, err := user.LookupId(uid); err == nil && accountName(u.Username) {
		want = "cli:" + u.Username
	}
	if got := actor(); got != want {
		t.Errorf("actor() = %q, want %q", got, want)
	}
	t.Setenv("USER", "someone-else")
	if got := actor(); got != want {
		t.Errorf("with USER=someone-else actor() = %q, want %q ($USER is not read)", got, want)
	}
}

func TestAccountName(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"alice", true},
		{"svc-samo.ops_1", true},
		{"alice@EXAMPLE.ORG", true},
		{"host$", true},
		{strings.Repeat("a", 64), true},
		{"", false},
		{"uid", false},
		{strings.Repeat("a", 65), false},
		{"alice bob", false},
		{"alice\nby=admin", false},
		{"=cmd|' /c calc'!A1", false},
		{"ålice", false},
	} {
		if got := accountName(tt.name); got != tt.ok {
			t.Errorf("accountName(%q) = %v, want %v", tt.name, got, tt.ok)
		}
	}
}

// TestCommandsNameTheirActor: every security event a CLI command records
// carries "by": actor(), as do the records it writes with an actor (an
// IP block's by, an incident's actions).
func TestCommandsNameTheirActor(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SAMO_DATA_DIR": dir}
	run := func(args ...string) string {
		t.Helper()
		out, e, code := runCLI(t, env, args...)
		if code != 0 {
			t.Fatalf("samo %s: exit %d: %s", strings.Join(args, " "), code, e)
		}
		return out
	}
	run("init")
	var created struct{ ID string }
	if err := json.Unmarshal([]byte(run("keys", "create", "--user", "carol", "--json")), &created); err != nil {
		t.Fatal(err)
	}
	var rotated struct{ ID string }
	if err := json.Unmarshal([]byte(run("keys", "rotate", created.ID, "--json")), &rotated); err != nil {
		t.Fatal(err)
	}
	run("keys", "revoke", rotated.ID)
	run("users", "disable", "carol")
	run("users", "enable", "carol")
	ctx := context.Background()
	st, err := store.Open(ctx, "", dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.UserByName(ctx, "carol")
	if err == nil {
		err = st.PutTOTP(ctx, mfa.Enrolment{UserID: u.ID, Sealed: []byte("sealed"), KeyID: created.ID, EnrolledAt: time.Now()})
	}
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	run("users", "totp-reset", "carol")
	run("sessions", "end-all")
	run("ip", "block", "203.0.113.7", "--reason", "scanner")
	var blocks []struct{ IP, By string }
	if err := json.Unmarshal([]byte(run("ip", "list", "--json")), &blocks); err != nil || len(blocks) != 1 || blocks[0].By != actor() {
		t.Errorf("ip list = %+v (%v); want one block by %q", blocks, err, actor())
	}
	run("ip", "unblock", "203.0.113.7")
	var inc incident.Incident
	// medium: no playbook, whose actions are the playbook's.
	if err := json.Unmarshal([]byte(run("incidents", "open", "--type", "phishing_report", "--severity", "medium", "--description", "reported", "--json")), &inc); err != nil {
		t.Fatal(err)
	}
	run("incidents", "acknowledge", inc.ID)
	run("incidents", "resolve", inc.ID, "--resolution", "false positive")
	if err := json.Unmarshal([]byte(run("incidents", "show", inc.ID, "--json")), &inc); err != nil || len(inc.Actions) == 0 {
		t.Errorf("incidents show: %+v (%v); want its actions", inc, err)
	}
	for _, a := range inc.Actions {
		if a.Actor != actor() {
			t.Errorf("incident action %s by %q, want %q", a.Action, a.Actor, actor())
		}
	}

	st, err = store.Open(ctx, "", dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err := st.ListEvents(ctx, secevent.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	want := []secevent.Type{secevent.KeyCreated, secevent.KeyRotated, secevent.KeyRevoked, secevent.UserDisabled, secevent.UserEnabled,
		secevent.TOTPReset, secevent.SessionsRevoked, secevent.IPBlocked, secevent.IPUnblocked,
		incident.EventOpened, incident.EventAcknowledged, incident.EventResolved}
	var seen []secevent.Type
	for _, ev := range evs {
		seen = append(seen, ev.Type)
		if by := ev.Details["by"]; by != actor() {
			t.Errorf("%s event by %q, want %q", ev.Type, by, actor())
		}
	}
	for _, typ := range want {
		if !slices.Contains(seen, typ) {
			t.Errorf("no %s event among %v", typ, seen)
		}
	}
}
