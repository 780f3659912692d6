package incident_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/secevent"
)

// An incident opened by hand runs its severity's playbook against what its
// source names, like one opened by an event.
func TestOpenByHandRunsPlaybook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tt := range []struct {
		name      string
		sev       secevent.Severity
		source    string
		wantBlock string // address blocked, "" for none
		wantKey   string // key suspended, "" for none
		outcomes  map[string]string
	}{
		{"critical ip", secevent.Critical, "ip:203.0.113.50", "203.0.113.50", "",
			map[string]string{"block_ip": "ok: ", "suspend_key": "skipped: the event names no API key", "alert": "ok: "}},
		{"critical key", secevent.Critical, "key:key_stolen", "", "key_stolen",
			map[string]string{"block_ip": "skipped: the event names no client IP", "suspend_key": "ok: key suspended", "alert": "ok: "}},
		{"critical without source", secevent.Critical, "", "", "",
			map[string]string{"block_ip": "skipped: ", "suspend_key": "skipped: ", "alert": "ok: "}},
		{"high ip", secevent.High, "ip:198.51.100.7", "", "",
			map[string]string{"alert": "ok: ", "watch": "recorded: further events"}},
		{"medium runs nothing", secevent.Medium, "ip:198.51.100.8", "", "", map[string]string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			inc, err := e.svc.Open(ctx, incident.OpenRequest{Type: "manual_review", Severity: tt.sev, Description: "reported by a user", Source: tt.source}, "alice")
			if err != nil {
				t.Fatal(err)
			}
			var blocked []string
			for _, b := range e.ids.blocks {
				blocked = append(blocked, b.IP.String())
			}
			if want := nonEmpty(tt.wantBlock); !slices.Equal(blocked, want) {
				t.Errorf("blocked %v, want %v", blocked, want)
			}
			if want := nonEmpty(tt.wantKey); !slices.Equal(e.keys.suspended, want) {
				t.Errorf("suspended %v, want %v", e.keys.suspended, want)
			}
			got := actionOutcomes(inc)
			for action, prefix := range tt.outcomes {
				if o, ok := got[action]; !ok || len(o) < len(prefix) || o[:len(prefix)] != prefix {
					t.Errorf("%s outcome = %q, want prefix %q (timeline %v)", action, o, prefix, got)
				}
			}
			if len(tt.outcomes) == 0 && len(inc.Actions) != 1 {
				t.Errorf("a %s incident recorded %d actions, want only \"opened\"", tt.sev, len(inc.Actions))
			}
			if tt.wantBlock != "" && e.ids.blocks[0].IP != netip.MustParseAddr(tt.wantBlock) {
				t.Errorf("block %v", e.ids.blocks[0])
			}
		})
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
