package randid

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		prefix string
		n, len int
	}{{"", 16, 22}, {"evt_", 12, 20}, {"rt_", 32, 46}} {
		seen := map[string]bool{}
		for range 100 {
			id := New(tt.prefix, tt.n)
			if len(id) != tt.len || !strings.HasPrefix(id, tt.prefix) {
				t.Fatalf("New(%q, %d) = %q: length %d, want %d with the prefix", tt.prefix, tt.n, id, len(id), tt.len)
			}
			b, err := base64.RawURLEncoding.DecodeString(id[len(tt.prefix):])
			if err != nil || len(b) != tt.n {
				t.Fatalf("New(%q, %d) = %q: %d bytes after the prefix (%v), want %d", tt.prefix, tt.n, id, len(b), err, tt.n)
			}
			if seen[id] {
				t.Fatalf("New(%q, %d) repeated %q", tt.prefix, tt.n, id)
			}
			seen[id] = true
		}
	}
}
