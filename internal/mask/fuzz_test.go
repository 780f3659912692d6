package mask

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMask checks, for any input, that Detect and Mask do not panic, that
// entities are in range, sorted and disjoint, that Mask replaces exactly
// the detected spans, and that no detected value survives in the masked
// text except where the same characters also occur outside every entity.
func FuzzMask(f *testing.F) {
	for _, s := range []string{
		"",
		"I'm furious at jane@example.com",
		"Call (212) 555-0123 or +44 20 7946 0958, card 4111 1111 1111 1111",
		"SSN 536-22-1234, IBAN DE89 3704 0044 0532 0130 00",
		"from 203.0.113.42 and 2001:db8::1 see https://example.com/a?b=(c)",
		"v1.2.3.4 Go 1.22.5 10.0.0.1.5 order #123456789 2024-03-15",
		"Ärger 😡 ü@ß.de www.x.de. (0412 345 678)",
		"\xff\xfe@\xff.de +\xff1 (",
		"::ffff:1.2.3.4 [::1]:80 https://[2001:db8::2]:8443/",
	} {
		f.Add(s)
	}
	m := newTestMasker(f)
	f.Fuzz(func(t *testing.T, text string) {
		ents := m.Detect(text)
		n := utf8.RuneCountInString(text)
		prevEnd := 0
		for i, e := range ents {
			if typeIndex(e.Type) < 0 {
				t.Fatalf("entity %d has unknown type %q", i, e.Type)
			}
			if e.Start < prevEnd || e.Start >= e.End || e.End > n {
				t.Fatalf("entity %d %v out of order or range (previous end %d, %d runes) in %q", i, e, prevEnd, n, text)
			}
			prevEnd = e.End
		}

		masked, ents2 := m.Mask(text)
		if len(ents2) != len(ents) {
			t.Fatalf("Mask found %d entities, Detect %d", len(ents2), len(ents))
		}
		// Rebuild the expected output from the input's runes.
		runes := []rune(text)
		byteOff := runeByteOffsets(text)
		var want strings.Builder
		var gaps []string
		prev := 0
		for i, e := range ents2 {
			if e != ents[i] {
				t.Fatalf("Mask entity %d = %v, Detect %v", i, e, ents[i])
			}
			gaps = append(gaps, text[byteOff[prev]:byteOff[e.Start]])
			want.WriteString(text[byteOff[prev]:byteOff[e.Start]])
			want.WriteString("<" + string(e.Type) + ">")
			prev = e.End
		}
		gaps = append(gaps, text[byteOff[prev]:])
		want.WriteString(text[byteOff[prev]:])
		if masked != want.String() {
			t.Fatalf("Mask(%q) = %q, want %q", text, masked, want.String())
		}
		for _, e := range ents {
			v := string(runes[e.Start:e.End])
			inGaps := 0
			for _, g := range gaps {
				inGaps += strings.Count(g, v)
			}
			if c := strings.Count(masked, v); c > inGaps {
				t.Fatalf("masked text %q still contains detected %s %q", masked, e.Type, v)
			}
		}
	})
}

// runeByteOffsets returns the byte offset of every rune of s, and len(s)
// at index RuneCount(s), counting invalid bytes as one rune each.
func runeByteOffsets(s string) []int {
	offs := make([]int, 0, len(s)+1)
	for i := 0; i < len(s); {
		offs = append(offs, i)
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return append(offs, len(s))
}
