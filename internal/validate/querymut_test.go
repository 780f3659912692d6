package validate

import (
	"strings"
	"testing"
)

// TestQueryMutNoSQL pins detectNoSQL on the inputs that decide its
// branches: a '$' at index 0 before a real operator, a quoted operator at
// the start, operator names that end the text (with and without brace or
// bracket), bracketed keys at the end or followed by '=', '[' or other
// bytes, and the server-side JavaScript operators.
func TestQueryMutNoSQL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want float64
	}{
		{"dollar at index 0, operator later", `$x {"$ne": 1}`, 0.9},
		{"quoted operator at index 1", `"$ne": 1`, 0},
		{"quoted operator at the end", `{"$ne`, 0},
		{"bare operator at the end", `{$ne`, 0},
		{"bracket key at the end", `x[$ne]`, 0.9},
		{"bracket key before =", `x[$ne]=1`, 0.9},
		{"bracket key before [", `x[$ne][a]`, 0.9},
		{"bracket key before other", `x[$ne]a`, 0},
		{"where operator", `{$where: 1}`, 0.95},
		{"function operator", `{$function: 1}`, 0.95},
		{"accumulator operator", `{$accumulator: 1}`, 0.95},
		{"plain operator", `{$ne: 1}`, 0.9},
		{"colon after bracket", `[$ne: 1`, 0},
	}
	for _, tc := range tests {
		if got := detectFinding(detectNoSQL, NoSQL, tc.text).Confidence; got != tc.want {
			t.Errorf("%s: detectNoSQL(%q) = %v, want %v", tc.name, tc.text, got, tc.want)
		}
	}
}

// TestQueryMutLDAP pins detectLDAP on the inputs that decide its branches:
// '=' at index 0, boolean operators followed by text, by nothing or by ')'
// at the start of the text, components after ')' or after other bytes,
// and a "*)(" at index 0 followed only by a boolean operator.
func TestQueryMutLDAP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want float64
	}{
		{"= at index 0", "=(|(uid=a))", 0.9},
		{"boolean operator before text", "a=1 (|x", 0},
		{"boolean operator at the end", "a=1 (|", 0},
		{"absolute filter at index 0", "(&) a=1", 0},
		{"absolute filter after )", "x)(&) a=1", 0.85},
		{"boolean operator on attribute", "(|uid=a", 0.85},
		{"component after other byte", "x(uid=a)", 0},
		{"component after )", ")(uid=a)", 0.9},
		{"presence filter", "(uid=*)", 0.8},
		{"wildcard-close at index 0, boolean after", "*)(|", 0.9},
		{"wildcard-close at index 0, nothing after", "*)(", 0},
	}
	for _, tc := range tests {
		if got := detectFinding(detectLDAP, LDAP, tc.text).Confidence; got != tc.want {
			t.Errorf("%s: detectLDAP(%q) = %v, want %v", tc.name, tc.text, got, tc.want)
		}
	}
}

// TestQueryMutLDAPComponentAt pins ldapComponentAt at and past the end of
// the text and on each boolean operator directly after '('.
func TestQueryMutLDAPComponentAt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		l    string
		i    int
		want bool
	}{
		{"x", 1, false},
		{"(", 0, false},
		{"(|", 0, true},
		{"(&", 0, true},
		{"(!", 0, true},
		{"(x", 0, false},
		{"(uid=a", 0, true},
		{"x(|", 1, true},
		{"|(x", 1, false},
	}
	for _, tc := range tests {
		if got := ldapComponentAt(tc.l, tc.i); got != tc.want {
			t.Errorf("ldapComponentAt(%q, %d) = %v, want %v", tc.l, tc.i, got, tc.want)
		}
	}
}

// TestQueryMutLDAPComponent pins ldapComponent's 40-byte attribute limit,
// counted from the start index.
func TestQueryMutLDAPComponent(t *testing.T) {
	t.Parallel()
	a39, a40, a41 := strings.Repeat("a", 39), strings.Repeat("a", 40), strings.Repeat("a", 41)
	tests := []struct {
		l             string
		i             int
		attr, op, val string
	}{
		{a40 + "=x", 0, a40, "=", "x"},
		{a41 + "=x", 0, "", "", ""},
		{"(" + a39 + "=x", 1, a39, "=", "x"},
		{"(" + a40 + "=x", 1, a40, "=", "x"},
		{"(" + a41 + "=x", 1, "", "", ""},
	}
	for _, tc := range tests {
		attr, op, val := ldapComponent(tc.l, tc.i)
		if attr != tc.attr || op != tc.op || val != tc.val {
			t.Errorf("ldapComponent(%q, %d) = %q, %q, %q, want %q, %q, %q", tc.l, tc.i, attr, op, val, tc.attr, tc.op, tc.val)
		}
	}
}
