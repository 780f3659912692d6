package validate

import "testing"

// TestASCIILower checks asciiLower at the ends of 'A'..'Z': as the first
// upper-case letter (which starts the copy) and after it, and that the
// bytes either side of the range, non-ASCII and invalid UTF-8 are kept.
func TestASCIILower(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"A", "a"},
		{"Z", "z"},
		{"xA", "xa"},
		{"xZ", "xz"},
		{"AZ", "az"},
		{"ZA", "za"},
		{"@[`{", "@[`{"},
		{"M@[`{AZ", "m@[`{az"},
		{"SELECT * FROM Users", "select * from users"},
		{"É\xffQ", "É\xffq"},
	}
	for _, tt := range tests {
		if got := asciiLower(tt.in); got != tt.want {
			t.Errorf("asciiLower(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestHasPrefixAt checks the case-insensitive match that the shell
// detector's $IFS check relies on: a match at the start, in the middle
// and in upper case, a byte that differs anywhere in the prefix, and an
// index out of range or too near the end.
func TestHasPrefixAt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		i    int
		p    string
		want bool
	}{
		{"$ifs/etc", 0, "$ifs", true},
		{"cat$ifs", 3, "$ifs", true},
		{"cat${IFS}x", 3, "${ifs}", true},
		{"cat$IfS", 3, "$ifs", true},
		{"AZ", 0, "az", true}, // both ends of 'A'..'Z'
		{"$ifx", 0, "$ifs", false},
		{"$xfs", 0, "$ifs", false},
		{"#ifs", 0, "$ifs", false},
		{"cat$ifs", 4, "$ifs", false},
		{"cat$if", 3, "$ifs", false},
		{"$ifs", -1, "$ifs", false},
		{"$ifs", 0, "", true},
		{"[ifs", 0, "{ifs", false}, // '[' is not the upper case of '{'
		{"@ifs", 0, "`ifs", false}, // nor '@' of '`'
	}
	for _, tc := range tests {
		if got := hasPrefixAt(tc.s, tc.i, tc.p); got != tc.want {
			t.Errorf("hasPrefixAt(%q, %d, %q) = %v, want %v", tc.s, tc.i, tc.p, got, tc.want)
		}
	}
}
