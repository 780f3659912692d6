package app

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/secevent"
)

// atLeast accepts n or more events.
func atLeast(n int) func([]secevent.Event) bool {
	return func(es []secevent.Event) bool { return len(es) >= n }
}

// A revoked key presented again from the address that used it is the usual
// authentication failure; from an address that never used it, it is a
// critical revoked_key_new_address event with the request id, whose
// playbook blocks that address. Both get the same 401. A suspended key is
// treated the same way.
func TestDeadKeyFromNewAddressIsCriticalOverHTTP(t *testing.T) {
	ta := newTestApp(t, nil)
	admin := ta.key("sec", rbac.RoleAdmin)
	key := ta.key("kim", rbac.RoleUser)
	id := keyID(t, ta, key)
	const owner, stranger = "198.51.100.40", "203.0.113.140"
	if rec := ta.doFrom(owner, http.MethodGet, "/v1/predictions", key, nil); rec.Code != 200 {
		t.Fatalf("the key from its owner's address: %d %s", rec.Code, rec.Body)
	}
	// Written to the store, where every replica reads it.
	if err := ta.KeyAddresses.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if used, err := ta.Store.KeyUsedFrom(context.Background(), id, owner); err != nil || !used {
		t.Fatalf("the owner's address is not stored: %v, %v", used, err)
	}
	if rec := ta.do(http.MethodDelete, "/v1/admin/keys/"+id, admin, nil); rec.Code >= 300 {
		t.Fatalf("revoke: %d %s", rec.Code, rec.Body)
	}

	fromOwner := ta.doFrom(owner, http.MethodGet, "/v1/predictions", key, nil)
	fromStranger := ta.doFrom(stranger, http.MethodGet, "/v1/predictions", key, nil)
	ta.doFrom(stranger, http.MethodGet, "/v1/predictions", key, nil) // retried: still one event
	for name, rec := range map[string]int{"owner": fromOwner.Code, "stranger": fromStranger.Code} {
		if rec != 401 {
			t.Errorf("the revoked key from the %s's address: %d, want 401", name, rec)
		}
	}
	if !strings.Contains(fromStranger.Body.String(), "invalid_credentials") || !strings.Contains(fromOwner.Body.String(), "invalid_credentials") {
		t.Errorf("answers differ: owner %s, stranger %s", fromOwner.Body, fromStranger.Body)
	}
	evs := ta.waitEvents(secevent.KeyNewAddress, atLeast(1))
	rid := fromStranger.Header().Get("X-Request-ID")
	if len(evs) != 1 || evs[0].Severity != secevent.Critical || evs[0].ClientIP != stranger || evs[0].KeyID != id ||
		evs[0].RequestID == "" || evs[0].RequestID != rid || evs[0].Details["status"] != "revoked" {
		t.Fatalf("revoked_key_new_address events %+v; want one critical event from %s, key %s, request %s", evs, stranger, id, rid)
	}
	fails := ta.waitEvents(secevent.AuthFailure, atLeast(3))
	var ownerFailed bool
	for _, e := range fails {
		ownerFailed = ownerFailed || e.ClientIP == owner && e.Details["reason"] == "revoked"
	}
	if !ownerFailed {
		t.Errorf("no auth_failure (revoked) event for the owner's address: %+v", fails)
	}
	inc := ta.waitIncident(admin, string(secevent.KeyNewAddress))
	if got := outcomes(inc); inc.Severity != "critical" || !strings.HasPrefix(got["block_ip"], "ok") || !strings.HasPrefix(got["suspend_key"], "skipped") {
		t.Errorf("incident %s, timeline %v; want critical with the stranger blocked and no suspension of the revoked key", inc.Severity, got)
	}
	if rec := ta.doFrom(stranger, http.MethodGet, "/v1/metrics", "", nil); rec.Code != 403 {
		t.Errorf("the stranger's address after the playbook: %d, want 403", rec.Code)
	}
	if rec := ta.doFrom(owner, http.MethodGet, "/v1/metrics", "", nil); rec.Code != 401 {
		t.Errorf("the owner's address: %d, want 401 (not blocked)", rec.Code)
	}

	// A suspended key: the same signal, with the status named.
	other := ta.key("lou", rbac.RoleUser)
	otherID := keyID(t, ta, other)
	if rec := ta.doFrom(owner, http.MethodGet, "/v1/predictions", other, nil); rec.Code != 200 {
		t.Fatalf("second key: %d", rec.Code)
	}
	if err := ta.Keys.Suspend(context.Background(), otherID); err != nil {
		t.Fatal(err)
	}
	ta.doFrom(owner, http.MethodGet, "/v1/predictions", other, nil) // seen, not yet flushed: still the owner
	if rec := ta.doFrom("192.0.2.77", http.MethodGet, "/v1/predictions", other, nil); rec.Code != 401 {
		t.Errorf("the suspended key from a new address: %d, want 401", rec.Code)
	}
	evs = ta.waitEvents(secevent.KeyNewAddress, atLeast(2))
	var suspended []secevent.Event
	for _, e := range evs {
		if e.KeyID == otherID {
			suspended = append(suspended, e)
		}
	}
	if len(suspended) != 1 || suspended[0].ClientIP != "192.0.2.77" || suspended[0].Details["status"] != "suspended" {
		t.Errorf("events for the suspended key %+v; want one, from 192.0.2.77", suspended)
	}
}
