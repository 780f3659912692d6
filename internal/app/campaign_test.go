package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
)

// TestBruteForceFromManyPrefixesIsOneIncident: one attacker guessing keys
// from five IPv6 /64s against one route opens one incident (not five); the
// same attack against another route opens its own.
func TestBruteForceFromManyPrefixesIsOneIncident(t *testing.T) {
	ta := newTestApp(t, nil)
	admin := ta.key("soc", rbac.RoleAdmin)
	attack := func(addr, method, path string) {
		for i := range 7 { // more than 5 failures per address: one brute_force event each
			ta.doFrom(addr, method, path, fmt.Sprintf("samo_guess%02d", i), nil)
		}
	}
	for i := range 5 {
		attack(fmt.Sprintf("2001:db8:%x::7", i+1), http.MethodGet, "/v1/predictions")
	}
	attack("2001:db8:99::7", http.MethodPost, "/v1/auth/token")

	type inc struct {
		Type       string `json:"type"`
		EventCount int    `json:"event_count"`
	}
	var list struct {
		Incidents []inc `json:"incidents"`
	}
	// Each address also raises other high events (joined by address); wait
	// until one incident holds the five prefixes' events and the other
	// route has its own.
	done := func() bool {
		big, small := false, false
		for _, i := range list.Incidents {
			big = big || i.EventCount >= 5
			small = small || i.EventCount < 5
		}
		return big && small
	}
	for deadline := time.Now().Add(10 * time.Second); !done() && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		rec := ta.doFrom("192.0.2.200", http.MethodGet, "/v1/admin/incidents", admin, nil)
		list.Incidents = nil
		_ = json.Unmarshal(rec.Body.Bytes(), &list)
	}
	if !done() || len(list.Incidents) != 2 {
		t.Fatalf("incidents %+v: want 2 (one for the five prefixes, one for the other route), not one per address", list.Incidents)
	}
}
