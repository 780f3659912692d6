package mask

import (
	"strings"
	"testing"
)

// TestCardNetworkEdges checks cardNetworkOK at the edges of the issuer
// ranges and allowed lengths (the first digits are the prefix, the rest
// zeros: the Luhn check is separate).
func TestCardNetworkEdges(t *testing.T) {
	t.Parallel()
	num := func(prefix string, n int) []byte { return []byte(prefix + strings.Repeat("0", n-len(prefix))) }
	for _, c := range []struct {
		prefix string
		n      int
		want   bool
	}{
		{"4", 13, true}, {"4", 16, true}, {"4", 19, true}, {"4", 14, false}, {"4", 15, false}, {"4", 18, false},
		{"51", 16, true}, {"55", 16, true}, {"50", 16, false}, {"56", 16, false}, {"51", 15, false}, {"51", 17, false},
		{"2221", 16, true}, {"2720", 16, true}, {"2220", 16, false}, {"2721", 16, false},
		{"34", 15, true}, {"37", 15, true}, {"34", 16, false}, {"35", 15, false},
		{"2200", 16, true}, {"2204", 19, true}, {"2205", 16, false}, {"2200", 15, false},
		{"6011", 16, true}, {"644", 16, true}, {"649", 16, true}, {"643", 16, false}, {"65", 19, true}, {"65", 15, false},
		{"62", 16, true}, {"3528", 16, true}, {"3589", 16, true}, {"3527", 16, false}, {"3590", 16, false},
		{"300", 14, true}, {"305", 14, true}, {"306", 14, false}, {"3095", 14, true}, {"36", 14, true}, {"38", 14, true}, {"39", 14, true}, {"36", 13, false},
		{"5018", 13, true}, {"5020", 13, true}, {"5038", 13, true}, {"5893", 13, true}, {"6304", 13, true}, {"6759", 13, true},
		{"6761", 13, true}, {"6763", 13, true}, {"6764", 13, false}, {"5018", 12, false},
		{"60", 16, true}, {"508", 16, true}, {"60", 17, false}, {"9792", 16, true}, {"9792", 15, false},
		{"1", 16, false}, {"7", 16, false},
	} {
		if got := cardNetworkOK(num(c.prefix, c.n)); got != c.want {
			t.Errorf("cardNetworkOK(%s..., %d digits) = %v, want %v", c.prefix, c.n, got, c.want)
		}
	}
	if cardNetworkOK([]byte("4")) || cardNetworkOK(nil) {
		t.Error("too short a number accepted")
	}
}

// TestPrefix checks prefix at its length boundary: a number exactly k
// digits long has a k-digit prefix, a shorter one has none (-1). Through
// Detect neither case is visible (card numbers have 13 digits or more and
// no issuer range contains 1), so the helper is checked directly.
func TestPrefix(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		d    string
		k    int
		want int
	}{{"4", 1, 4}, {"2221", 4, 2221}, {"22210", 4, 2221}, {"222", 4, -1}, {"", 1, -1}} {
		if got := prefix([]byte(c.d), c.k); got != c.want {
			t.Errorf("prefix(%q, %d) = %d, want %d", c.d, c.k, got, c.want)
		}
	}
}
