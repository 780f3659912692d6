package validate

import "testing"

// TestHeaderLine pins each rule of forgedHeaders and the encoded-break
// fallback: the confidence and reason for a line after a line break.
func TestHeaderLine(t *testing.T) {
	t.Parallel()
	const forged, mail = "line break followed by a forged header", "line break followed by a forged mail header"
	tests := []struct {
		line    string
		encoded bool
		conf    float64
		reason  string
	}{
		{"set-cookie: sid=1", false, 0.9, forged},
		{"cookie: nothing", false, 0, ""},
		{"content-length: 0", false, 0.9, forged},
		{"content-length: lots", false, 0, ""},
		{"content-type: text/html", false, 0.85, forged},
		{"content-type: my mood/plans", false, 0, ""},
		{"x-forwarded-for: 1.2.3.4", false, 0.9, forged},
		{"x-frame-options:", false, 0, ""},
		{"location: https://evil.example", false, 0.85, forged},
		{"location: home", false, 0, ""},
		{"link: /next", false, 0.85, forged},
		{"host: evil.example", false, 0.8, forged},
		{"host: my place", false, 0, ""},
		{"authorization: bearer x", false, 0.85, forged},
		{"authorization: granted", false, 0, ""},
		{"bcc: a@b.example", false, 0.8, mail},
		{"bcc: nobody", false, 0, ""},
		{"subject: hello", false, 0, ""},
		{"subject: hello", true, 0.9, forged},
		{"host: my place", true, 0.9, forged},
		{"no colon here", true, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			conf, reason := headerLine(tt.line, tt.encoded)
			if conf != tt.conf || reason != tt.reason {
				t.Errorf("headerLine(%q, %v) = %v %q, want %v %q", tt.line, tt.encoded, conf, reason, tt.conf, tt.reason)
			}
		})
	}
}
