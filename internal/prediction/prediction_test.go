package prediction

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCursorRoundTrip(t *testing.T) {
	c := Cursor{At: time.Date(2026, 11, 27, 1, 2, 3, 4, time.UTC), ID: "pred_abcDEF0123456789"}
	got, err := ParseCursor(c.String())
	if err != nil || !got.At.Equal(c.At) || got.ID != c.ID {
		t.Fatalf("ParseCursor(String()) = %+v, %v; want %+v", got, err, c)
	}
	if z, err := ParseCursor(""); err != nil || !z.IsZero() {
		t.Errorf("empty cursor = %+v, %v", z, err)
	}
	for _, bad := range []string{"!!", "AAAA", strings.Repeat("A", 200), Cursor{At: c.At, ID: "usr_x"}.String(), Cursor{At: c.At, ID: "pred_'; DROP"}.String()} {
		if _, err := ParseCursor(bad); !errors.Is(err, ErrBadCursor) {
			t.Errorf("ParseCursor(%q) err = %v, want ErrBadCursor", bad, err)
		}
	}
}

func TestBlindIndexWords(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"I'm SO happy!!", []string{"i'm", "so", "happy"}},
		{"Don’t   stop", []string{"don't", "stop"}},
		{"ｆｕｌｌｗｉｄｔｈ word", []string{"fullwidth", "word"}},
		{"a b c", nil},
		{"'quoted' words", []string{"quoted", "words"}},
	}
	for _, c := range cases {
		got := words(c.in)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("words(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestBlindIndexTerms(t *testing.T) {
	a := NewBlindIndex(bytes.Repeat([]byte{1}, 32))
	b := NewBlindIndex(bytes.Repeat([]byte{2}, 32))
	ta, _ := a.Term("Happy")
	ta2, _ := a.Term("happy!")
	tb, _ := b.Term("happy")
	if !bytes.Equal(ta, ta2) {
		t.Error("the same word normalised differently")
	}
	if bytes.Equal(ta, tb) {
		t.Error("terms do not depend on the key")
	}
	if len(ta) != TermSize || bytes.Contains(ta, []byte("happy")) {
		t.Errorf("term %x is not an opaque %d-byte value", ta, TermSize)
	}
	if _, ok := a.Term("two words"); ok {
		t.Error("a phrase was accepted as one search term")
	}
	if got := len(a.Terms("happy happy joy")); got != 2 {
		t.Errorf("Terms deduplicates: got %d, want 2", got)
	}
}
