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
	plain, pii := a.Index("happy happy joy", nil)
	if len(plain) != 2*TermSize || len(pii) != 0 {
		t.Errorf("Index deduplicates: got %d plain and %d personal bytes, want %d and 0", len(plain), len(pii), 2*TermSize)
	}
}

func TestBlindIndexPII(t *testing.T) {
	ix := NewBlindIndex(bytes.Repeat([]byte{1}, 32))
	text := "Mail Jane.Doe@example.com or call 555-0123, jane said (happy)"
	at := strings.Index(text, "ne.Doe@") // a span that starts inside a word widens to it
	spans := []Span{{Start: at, End: at + len("ne.Doe@example.com")}}
	plain, pii := ix.Index(text, spans)
	for _, c := range []struct {
		word        string
		plain, priv bool
	}{
		{"mail", true, false},
		{"happy", true, false},
		{"said", true, false},
		{"jane", false, true}, // inside the span, and also outside it: personal
		{"doe", false, true},
		{"example", false, true},
		{"com", false, true},
		{"555", false, true}, // digits are always personal
		{"0123", false, true},
		{"missing", false, false},
	} {
		term, _ := ix.Term(c.word)
		if got := Contains(plain, term); got != c.plain {
			t.Errorf("%q in plain terms = %v, want %v", c.word, got, c.plain)
		}
		if got := Contains(pii, term); got != c.priv {
			t.Errorf("%q in personal terms = %v, want %v", c.word, got, c.priv)
		}
	}
}

func TestContainsIsAligned(t *testing.T) {
	term := []byte("ABCDEFGH")
	packed := []byte("xxxxABCDEFGHxxxx") // the term straddles two stored terms
	if Contains(packed, term) {
		t.Error("a match across a term boundary counted")
	}
	if !Contains([]byte("xxxxxxxxABCDEFGH"), term) {
		t.Error("an aligned match was missed")
	}
	if Contains([]byte("ABCDEFGH"), []byte("ABCD")) {
		t.Error("a short term matched")
	}
}

func TestEmotionBits(t *testing.T) {
	seen := map[uint64]bool{}
	for _, l := range emotionLabels {
		b := EmotionBit(l)
		if b == 0 || seen[b] {
			t.Fatalf("EmotionBit(%q) = %#x: zero or shared", l, b)
		}
		seen[b] = true
	}
	if EmotionBit("bogus") != 0 {
		t.Error("an unknown emotion has a bit")
	}
	// The stored format: these positions are in migration 0003 and in data.
	if EmotionBit("admiration") != 1 || EmotionBit("joy") != 1<<17 || EmotionBit("neutral") != 1<<27 {
		t.Error("emotion bit positions changed: stored emotion filters would break")
	}
	got := EmotionBits([]Score{{Emotion: "joy"}, {Emotion: "neutral"}, {Emotion: "bogus"}})
	if got != 1<<17|1<<27 {
		t.Errorf("EmotionBits = %#x", got)
	}
}

// TestBlindIndexSpanEndsInsideWord: a personal-data span that ends inside
// a word widens to the end of that word.
func TestBlindIndexSpanEndsInsideWord(t *testing.T) {
	ix := NewBlindIndex(bytes.Repeat([]byte{1}, 32))
	text := "write to secretname today"
	at := strings.Index(text, "secret")
	plain, pii := ix.Index(text, []Span{{Start: at, End: at + len("secret")}})
	term, _ := ix.Term("secretname")
	if Contains(plain, term) || !Contains(pii, term) {
		t.Errorf("secretname: plain %v, personal %v; want personal only", Contains(plain, term), Contains(pii, term))
	}
	today, _ := ix.Term("today")
	if !Contains(plain, today) || Contains(pii, today) {
		t.Error("the span widened past the word")
	}
}

// TestWordLengths: words of 2 to 64 characters are indexed.
func TestWordLengths(t *testing.T) {
	long := strings.Repeat("é", 64) // 64 characters, 128 bytes
	for _, c := range []struct {
		in   string
		want int
	}{{"ab", 1}, {"a", 0}, {long, 1}, {long + "é", 0}} {
		if got := len(words(c.in)); got != c.want {
			t.Errorf("words(%d runes) = %d words, want %d", len([]rune(c.in)), got, c.want)
		}
	}
}

func TestTermFilter(t *testing.T) {
	if f := TermFilter(); f != 0 {
		t.Errorf("empty filter = %x", f)
	}
	// Bits come from the first three bytes of each term, modulo 64; a
	// trailing partial term adds nothing.
	packed := []byte{0, 1, 65, 9, 9, 9, 9, 9, 63, 63, 63, 0, 0, 0, 0, 0, 7, 7, 7}
	if got, want := uint64(TermFilter(packed)), uint64(1<<0|1<<1|1<<63); got != want {
		t.Errorf("TermFilter = %x, want %x", got, want)
	}
	if got, want := TermFilter(packed[:8], packed[8:16]), TermFilter(packed); got != want {
		t.Errorf("filter of two sets %x, of their concatenation %x", uint64(got), uint64(want))
	}
	// Every stored term passes its record's filter; most absent terms fail.
	ix := NewBlindIndex(bytes.Repeat([]byte("k"), 32))
	plain, pii := ix.Index("Call Ann at 555 0100 about the thirteen words of this rather long journal entry", nil)
	f := TermFilter(plain, pii)
	for _, set := range [][]byte{plain, pii} {
		for i := 0; i < len(set); i += TermSize {
			q := TermFilter(set[i : i+TermSize])
			if f&q != q {
				t.Fatalf("stored term %x fails the record's filter", set[i:i+TermSize])
			}
		}
	}
	passed := 0
	for i := range 1000 {
		term, _ := ix.Term(strings.Repeat("z", 1+i%40) + string(rune('a'+i%26)) + strings.Repeat("q", i/40))
		if q := TermFilter(term); f&q == q {
			passed++
		}
	}
	if passed > 300 { // about 10 % expected for 13 terms; a broken filter passes (nearly) all
		t.Errorf("%d of 1000 absent words passed the filter", passed)
	}
}
