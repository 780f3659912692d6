package dashboard

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestParseForm(t *testing.T) {
	cases := []struct {
		name, body string
		allowed    []string
		ok         bool
	}{
		{"allowed fields", "ip=203.0.113.7&duration=1h", []string{"ip", "duration", "reason"}, true},
		{"empty body", "", []string{"ip"}, true},
		{"unknown field", "ip=1.2.3.4&role=admin", []string{"ip"}, false},
		{"repeated field", "ip=1.2.3.4&ip=5.6.7.8", []string{"ip"}, false},
		{"bad escape", "ip=%zz", []string{"ip"}, false},
		{"invalid UTF-8", "reason=%ff%fe", []string{"reason"}, false},
		{"semicolon separator", "ip=1;role=admin", []string{"ip", "role"}, false},
	}
	for _, c := range cases {
		_, err := parseForm(c.body, c.allowed...)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v, want ok=%v", c.name, err, c.ok)
		}
		if err != nil && !errors.Is(err, errForm) {
			t.Errorf("%s: error %v does not wrap errForm", c.name, err)
		}
	}
}

func TestParseEventQuery(t *testing.T) {
	cases := []struct {
		name, query string
		ok          bool
		want        eventQuery
	}{
		{"empty", "", true, eventQuery{}},
		{"all filters", "type=auth_failure&severity=high&ip=::ffff:203.0.113.7&from=2025-01-01T10:00&to=2025-01-02T10:00:30", true,
			eventQuery{Type: "auth_failure", Severity: "high", IP: "203.0.113.7",
				From: time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC), To: time.Date(2025, 1, 2, 10, 0, 30, 0, time.UTC)}},
		{"rfc3339 with offset", "from=2025-01-01T12:00:00%2B02:00", true, eventQuery{From: time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC)}},
		{"ipv6", "ip=2001:db8::1", true, eventQuery{IP: "2001:db8::1"}},
		{"cursor", "before=1700000000000000000~evt_abc-_9", true, eventQuery{BeforeAt: time.Unix(0, 1700000000000000000).UTC(), BeforeID: "evt_abc-_9"}},
		{"blank values ignored", "type=&ip=", true, eventQuery{}},
		{"type with capitals", "type=Auth_Failure", false, eventQuery{}},
		{"type with quote", "type=a'b", false, eventQuery{}},
		{"unknown severity", "severity=urgent", false, eventQuery{}},
		{"ip with zone", "ip=fe80::1%25eth0", false, eventQuery{}},
		{"ip hostname", "ip=localhost", false, eventQuery{}},
		{"cidr", "ip=10.0.0.0/8", false, eventQuery{}},
		{"date only", "from=2025-01-01", false, eventQuery{}},
		{"year 2999", "to=2999-01-01T00:00", false, eventQuery{}},
		{"before 1970", "from=1969-12-31T23:59", false, eventQuery{}},
		{"reversed", "from=2025-01-02T00:00&to=2025-01-01T00:00", false, eventQuery{}},
		{"equal bounds", "from=2025-01-02T00:00&to=2025-01-02T00:00", false, eventQuery{}},
		{"cursor without id", "before=1700000000000000000", false, eventQuery{}},
		{"cursor negative", "before=-5~evt_a", false, eventQuery{}},
		{"cursor id with slash", "before=17~evt/../x", false, eventQuery{}},
		{"repeated", "type=a&type=b", false, eventQuery{}},
		{"unknown parameter", "limit=100000", false, eventQuery{}},
	}
	for _, c := range cases {
		q, err := url.ParseQuery(c.query)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, err := parseEventQuery(q)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v, want ok=%v", c.name, err, c.ok)
			continue
		}
		if err != nil {
			if !errors.Is(err, errQuery) {
				t.Errorf("%s: error %v does not wrap errQuery", c.name, err)
			}
			continue
		}
		if !got.From.Equal(c.want.From) || !got.To.Equal(c.want.To) || !got.BeforeAt.Equal(c.want.BeforeAt) ||
			got.Type != c.want.Type || got.Severity != c.want.Severity || got.IP != c.want.IP || got.BeforeID != c.want.BeforeID {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestEventQueryRoundTrip(t *testing.T) {
	in := eventQuery{Type: "rate_limited", Severity: "medium", IP: "2001:db8::7",
		From: time.Date(2025, 2, 3, 4, 5, 0, 0, time.UTC), To: time.Date(2025, 2, 4, 0, 0, 0, 0, time.UTC)}
	got, err := parseEventQuery(in.values())
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != in.Type || got.Severity != in.Severity || got.IP != in.IP || !got.From.Equal(in.From) || !got.To.Equal(in.To) {
		t.Errorf("round trip: got %+v, want %+v", got, in)
	}
	f := got.filter(10)
	if len(f.Types) != 1 || f.Types[0] != "rate_limited" || len(f.Severities) != 1 || f.ClientIP != "2001:db8::7" || f.Limit != 10 {
		t.Errorf("filter = %+v", f)
	}
}

func TestCSVSafe(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"=1+1", "'=1+1"},
		{"+SUM(A1)", "'+SUM(A1)"},
		{"-2", "'-2"},
		{"@cmd", "'@cmd"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"a=1", "a=1"},
		{"203.0.113.7", "203.0.113.7"},
		{"'quoted", "'quoted"},
	}
	for _, c := range cases {
		if got := csvSafe(c.in); got != c.want {
			t.Errorf("csvSafe(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCleanText(t *testing.T) {
	cases := []struct {
		in        string
		multiline bool
		want      bool
	}{
		{"blocked for scanning", false, true},
		{"", false, false},
		{"line\nbreak", false, false},
		{"line\nbreak\ttab", true, true},
		{"esc\x1b[31m", true, false},
		{"bidi\u202eoverride", false, false},
		{"zero\u200bwidth", false, false},
		{"sep\u2028line", true, false},
		{strings.Repeat("a", 201), false, false},
		{"Ünïcödé ok", false, true},
		{"\xff", false, false},
	}
	for _, c := range cases {
		if got := cleanText(c.in, 200, c.multiline); got != c.want {
			t.Errorf("cleanText(%q, multiline=%v) = %v, want %v", c.in, c.multiline, got, c.want)
		}
	}
}

func TestFmtDuration(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0s"},
		{0, "0s"},
		{1500 * time.Millisecond, "1s"},
		{4*time.Minute + 5*time.Second, "4m05s"},
		{23*time.Hour + 59*time.Minute + 59*time.Second, "23h59m"},
		{169 * time.Hour, "169h00m"},
	}
	for _, c := range cases {
		if got := fmtDuration(c.d); got != c.want {
			t.Errorf("fmtDuration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}
