package apikey

import (
	"strings"
	"testing"
)

// FuzzParse checks Parse against the independent reference implementation
// on arbitrary input, and that accepted keys hash and display without
// panicking.
func FuzzParse(f *testing.F) {
	good := mustGenerate(f, DefaultLength)
	for _, seed := range []string{
		"",
		KeyPrefix,
		good,
		mustGenerate(f, MinLength),
		mustGenerate(f, MaxLength),
		good[:len(good)-1] + "0",
		strings.ToUpper(good),
		"samo_" + strings.Repeat("0", 36),
		"samo_" + strings.Repeat("0", MinLength) + refChecksum(strings.Repeat("0", MinLength)),
		"samo_\x00\xff" + strings.Repeat("a", 40),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := Parse(s)
		if want := refValid(s); (err == nil) != want {
			t.Fatalf("Parse(%q) = %v, reference valid = %v", s, err, want)
		}
		if err == nil {
			if len(Hash(s)) != HashSize {
				t.Fatalf("Hash(%q) has the wrong size", s)
			}
			if p := displayPrefix(s); len(p) != DisplayLength {
				t.Fatalf("displayPrefix(%q) = %q", s, p)
			}
		}
	})
}
