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
		// Also build a well-formed key around the input, so the accepting
		// path is explored too: map each byte to a base62 character.
		if n := len(s); n >= MinLength && n <= MaxLength {
			body := make([]byte, n)
			for i := range n {
				body[i] = alphabet[int(s[i])%62]
			}
			k := KeyPrefix + string(body) + refChecksum(string(body))
			if err := Parse(k); err != nil {
				t.Fatalf("Parse(%q) = %v for a key built to be valid", k, err)
			}
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
