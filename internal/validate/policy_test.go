package validate

import (
	"errors"
	"testing"
)

func TestDefaultPolicy(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	for _, c := range Classes() {
		want := Flag
		if c == Markup || c == Template || c == CRLF {
			want = Reject
		}
		if got := p.Action(c); got != want {
			t.Errorf("DefaultPolicy().Action(%s) = %s, want %s", c, got, want)
		}
	}
	if got := p.Action("nonsense"); got != Flag {
		t.Errorf("Action(unknown) = %s, want flag", got)
	}
}

func TestParsePolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		reject  []Class // classes expected to reject; all others flag
		wantErr bool
	}{
		{"empty is default", "", []Class{Markup, Template, CRLF}, false},
		{"example from config", "markup=reject,sql=flag,shell=reject", []Class{Markup, Template, CRLF, Shell}, false},
		{"relax markup", "markup=flag", []Class{Template, CRLF}, false},
		{"spaces and case", " SQL = Reject , unicode=REJECT ", []Class{Markup, Template, CRLF, SQL, Unicode}, false},
		{"all flag then one", "all=flag,crlf=reject", []Class{CRLF}, false},
		{"all reject", "all=reject", Classes(), false},
		{"unknown class", "xss=reject", nil, true},
		{"unknown action", "sql=block", nil, true},
		{"missing action", "sql", nil, true},
		{"empty entry", "sql=flag,,shell=reject", nil, true},
		{"trailing comma", "sql=flag,", nil, true},
		{"duplicate", "sql=flag,sql=reject", nil, true},
		{"all not first", "sql=flag,all=reject", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePolicy(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrPolicy) {
					t.Fatalf("ParsePolicy(%q) error = %v, want ErrPolicy", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePolicy(%q): %v", tt.in, err)
			}
			want := map[Class]bool{}
			for _, c := range tt.reject {
				want[c] = true
			}
			for _, c := range Classes() {
				if got := p.Action(c) == Reject; got != want[c] {
					t.Errorf("class %s reject = %v, want %v", c, got, want[c])
				}
			}
		})
	}
}

func TestPolicyStringRoundTrip(t *testing.T) {
	t.Parallel()
	p, err := ParsePolicy("all=flag,sql=reject,formula=reject")
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParsePolicy(p.String())
	if err != nil {
		t.Fatalf("ParsePolicy(String()): %v", err)
	}
	if p != q {
		t.Errorf("round trip changed policy: %s -> %s", p, q)
	}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	d := func(c Class) Detection { return Detection{Class: c, Confidence: 0.9, Reason: "test"} }
	tests := []struct {
		name   string
		policy string
		ds     []Detection
		reject bool
		class  Class
	}{
		{"nothing", "", nil, false, ""},
		{"flag only", "", []Detection{d(SQL), d(Shell)}, false, ""},
		{"one reject", "", []Detection{d(SQL), d(CRLF)}, true, CRLF},
		{"highest priority wins", "", []Detection{d(CRLF), d(Template), d(Markup)}, true, Markup},
		{"order of input irrelevant", "", []Detection{d(Template), d(CRLF)}, true, Template},
		{"configured reject", "sql=reject", []Detection{d(Unicode), d(SQL)}, true, SQL},
		{"relaxed", "all=flag", []Detection{d(Markup)}, false, ""},
		{"unknown class ignored", "all=reject", []Detection{d("bogus")}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePolicy(tt.policy)
			if err != nil {
				t.Fatal(err)
			}
			reject, class := p.Decide(tt.ds)
			if reject != tt.reject || class != tt.class {
				t.Errorf("Decide = %v, %q; want %v, %q", reject, class, tt.reject, tt.class)
			}
		})
	}
}

func TestZeroPolicyFlagsEverything(t *testing.T) {
	t.Parallel()
	var p Policy
	if reject, _ := p.Decide(Detect("<script>alert(1)</script>")); reject {
		t.Errorf("zero Policy rejected, want flag only")
	}
}
