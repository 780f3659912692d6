package dashboard

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseEventQuery: the events filter never panics, and whatever it
// accepts re-encodes to a query it accepts again with the same meaning.
func FuzzParseEventQuery(f *testing.F) {
	for _, s := range []string{
		"", "type=auth_failure&severity=high", "ip=203.0.113.7&from=2025-01-01T10:00&to=2025-01-02T10:00",
		"before=1700000000000000000~evt_x", "ip=::ffff:1.2.3.4", "from=2025-01-01T12:00:00%2B02:00", "type=a&type=b",
		"severity=%00", "before=9223372036854775807~a",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		eq, err := parseEventQuery(q)
		if err != nil {
			return
		}
		if eq.Type != "" && !validName(eq.Type) {
			t.Fatalf("accepted type %q", eq.Type)
		}
		if !eq.From.IsZero() && !eq.To.IsZero() && !eq.From.Before(eq.To) {
			t.Fatalf("accepted reversed period %v..%v", eq.From, eq.To)
		}
		again, err := parseEventQuery(eq.values())
		if err != nil {
			t.Fatalf("re-encoded filter %q refused: %v", eq.values().Encode(), err)
		}
		if again.Type != eq.Type || again.Severity != eq.Severity || again.IP != eq.IP {
			t.Fatalf("round trip changed %+v to %+v", eq, again)
		}
	})
}

// FuzzParseForm: form parsing never panics and accepts only allowed,
// single, valid UTF-8 fields.
func FuzzParseForm(f *testing.F) {
	for _, s := range []string{"ip=1.2.3.4&duration=1h&reason=x", "key=samo_abc", "ip=1&ip=2", "role=admin", "reason=%ff", "a;b"} {
		f.Add(s)
	}
	allowed := []string{"ip", "duration", "reason", "key"}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := parseForm(body, allowed...)
		if err != nil {
			return
		}
		for k, vs := range v {
			if !strings.Contains(" ip duration reason key ", " "+k+" ") || len(vs) != 1 || !utf8.ValidString(vs[0]) {
				t.Fatalf("accepted %q = %q", k, vs)
			}
		}
	})
}

// FuzzCSVSafe: no defused cell starts with a formula character, and
// defusing only ever prepends one quote.
func FuzzCSVSafe(f *testing.F) {
	for _, s := range []string{"", "=1", "+1", "-1", "@a", "\t=1", "plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := csvSafe(s)
		if got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) {
			t.Fatalf("csvSafe(%q) = %q starts with a formula character", s, got)
		}
		if got != s && got != "'"+s {
			t.Fatalf("csvSafe(%q) = %q changed more than a prefix", s, got)
		}
	})
}
