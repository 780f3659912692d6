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
