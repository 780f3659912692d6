package app

import (
	"net/http"
	"testing"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/secevent"
)

// One payload of each evasion kind of issue 15, sent through the whole
// HTTP chain: rejected (400) when its class rejects by default, otherwise
// accepted, and in both cases recorded as an injection_detected event of
// its class carrying the response's request id.
func TestEvasionClassesOverHTTP(t *testing.T) {
	// Allowlisted: this many attacks would otherwise (rightly) get the
	// client blocked by intrusion detection.
	ta := newTestApp(t, map[string]string{"IP_ALLOWLIST": "192.0.2.10/32"})
	key := ta.key("evasions", rbac.RoleUser)
	cases := []struct {
		name, text, class string
		status            int
	}{
		{"nosql operator", `{"password": {"$ne": null}}`, "nosql", 200},
		{"ldap filter", "*)(uid=*))(|(uid=*", "ldap", 200},
		{"stream wrapper", "php://filter/resource=index.php", "path_traversal", 200},
		{"unc path", `\\attacker.example\share\x`, "path_traversal", 200},
		{"look-alike slashes", "..\u2215..\u2215etc\u2215passwd", "path_traversal", 200},
		{"backticks", "my name is `whoami`", "shell", 200},
		{"shellshock", "() { :;}; /bin/id", "shell", 200},
		{"python exec", "__import__('os').system('id')", "shell", 200},
		{"template action", "{{range .}}{{.}}{{end}}", "template", 400},
		{"line separator", "ok\u2028admin logged in", "line_break", 200},
		{"homoglyph", "j\u0430vascript is fun", "unicode", 200},
		{"math letters", "𝐬𝐜𝐫𝐢𝐩𝐭", "unicode", 200},
		{"base64 markup", "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "markup", 400},
		{"html quirk", "< script>alert(1)</script>", "markup", 400},
	}
	ids := make([]string, len(cases))
	want := map[string]string{} // request id -> class
	for i, c := range cases {
		rec := ta.do(http.MethodPost, "/v1/predict", key, map[string]any{"text": c.text})
		if rec.Code != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.name, rec.Code, c.status, rec.Body)
		}
		id := rec.Header().Get("X-Request-ID")
		if id == "" {
			t.Fatalf("%s: no X-Request-ID", c.name)
		}
		ids[i], want[id] = id, c.class
	}
	found := func(es []secevent.Event) map[string]bool {
		got := map[string]bool{}
		for _, e := range es {
			if cl, ok := want[e.RequestID]; ok && e.Details["class"] == cl {
				got[e.RequestID] = true
			}
		}
		return got
	}
	es := ta.waitEvents(secevent.InjectionDetected, func(es []secevent.Event) bool { return len(found(es)) == len(want) })
	got := found(es)
	for i, c := range cases {
		if !got[ids[i]] {
			t.Errorf("%s: no injection_detected event of class %s with request id %s", c.name, c.class, ids[i])
		}
	}
}
