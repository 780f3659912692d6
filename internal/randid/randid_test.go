package randid

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
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

func TestBase62(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		id := Base62("p_")
		if len(id) != 18 || !strings.HasPrefix(id, "p_") || seen[id] || strings.Trim(id[2:], base62) != "" {
			t.Fatalf("Base62 = %q (dup %v)", id, seen[id])
		}
		seen[id] = true
	}
}

func TestTimedSortsByTime(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	prev := ""
	for i := range 100 {
		id := Timed("pred_", t0.Add(time.Duration(i)*time.Millisecond))
		if len(id) != len("pred_")+timeChars+16 || id <= prev {
			t.Fatalf("Timed at +%d ms = %q, after %q: want a longer-sorting id of %d characters", i, id, prev, len("pred_")+timeChars+16)
		}
		prev = id
	}
}

func TestValid(t *testing.T) {
	t.Parallel()
	id := New("", 32)
	if !Valid(id, 32) {
		t.Fatalf("Valid(New(\"\", 32)) = false for %q", id)
	}
	for _, bad := range []string{"", id[1:], id + "A", id[:42] + "=", id[:42] + "+", id[:42] + "/", id[:21] + "\n" + id[22:], id[:42] + "\r", id[:42] + " "} {
		if Valid(bad, 32) {
			t.Errorf("Valid(%q, 32) = true", bad)
		}
	}
	if Valid(id, 16) {
		t.Error("a 32-byte id is valid as a 16-byte one")
	}
}
