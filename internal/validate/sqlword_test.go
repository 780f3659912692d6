package validate

import "testing"

// TestSQLWord pins each rule of sqlWords and the sensitive-name fallback:
// the finding's confidence and reason for a word and the tokens after it.
func TestSQLWord(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text   string
		conf   float64
		reason string
	}{
		{"sleep(5)", 0.8, "SQL time-delay function"},
		{"pg_sleep(5)", 0.8, "SQL time-delay function"},
		{"sleep well", 0, ""},
		{"benchmark(1000, md5(1))", 0.85, "SQL time-delay function"},
		{"benchmark(1000)", 0, ""},
		{"waitfor delay '0:0:5'", 0.9, "SQL time-delay function"},
		{"waitfor me", 0, ""},
		{"dbms_pipe.receive_message", 0.85, "SQL time-delay function"},
		{"into outfile", 0.85, "SQL writing a file"},
		{"into the woods", 0, ""},
		{"load_file('/etc/passwd')", 0.85, "SQL function reading files or leaking errors"},
		{"updatexml(1)", 0.85, "SQL function reading files or leaking errors"},
		{"updatexml", 0, ""},
		{"information_schema.tables", 0.8, "reference to database internals"},
		{"hello", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			var f findings
			m := &sqlMatcher{s: tt.text, toks: lexSQL(tt.text, 0, nil)}
			m.word(&f, 0)
			got := f[classIndex(SQL)]
			if got.Confidence != tt.conf || got.Reason != tt.reason {
				t.Errorf("word(%q) = %v %q, want %v %q", tt.text, got.Confidence, got.Reason, tt.conf, tt.reason)
			}
		})
	}
}
