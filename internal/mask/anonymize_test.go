package mask

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestAnonymize(t *testing.T) {
	t.Parallel()
	m := newTestMasker(t)
	for _, tt := range []struct{ name, in, want string }{
		{"issue example", "my SSN 123-45-6789 leaked and jane@example.com gets spam",
			"** *** <US_SSN> l****d *** <EMAIL_ADDRESS> g**s s**m"},
		{"guide rule: >3 keeps first and last, <=3 all stars", "I am very happy today", "* ** v**y h***y t***y"},
		{"punctuation and lines kept", "Tired, so tired.\nWhy?", "T***d, ** t***d.\n***?"},
		{"apostrophe and hyphen join a word", "don't over-think it", "d***t o********k **"},
		{"trailing joiner is punctuation", "rock- 'n' roll", "r**k- '*' r**l"},
		{"non-latin", "Ärger über Müller", "Ä***r ü**r M****r"},
		{"literal tag from the user is starred", "<EMAIL_ADDRESS> hello", "<E***L_A*****S> h***o"},
		{"digits are words", "born 1984 ok", "b**n 1**4 **"},
		{"empty", "", ""},
		{"url tag", "see https://example.com/x now", "*** <URL> ***"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := m.Anonymize(tt.in); got != tt.want {
				t.Errorf("Anonymize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzAnonymize checks that no letter or digit survives except the first
// and last of words longer than three, that the output is valid UTF-8, and
// that detected entities never appear.
func FuzzAnonymize(f *testing.F) {
	for _, s := range []string{"", "my SSN 123-45-6789 leaked", "don't-stop'", "\xff\xfe a-'b", "Ärger 😡 ü@ß.de"} {
		f.Add(s)
	}
	m := newTestMasker(f)
	f.Fuzz(func(t *testing.T, text string) {
		out := m.Anonymize(text)
		if !utf8.ValidString(out) {
			t.Fatalf("Anonymize(%q) = %q: invalid UTF-8", text, out)
		}
		visible := 0
		for _, r := range out {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				visible++
			}
		}
		tags := 0
		for _, e := range m.Detect(text) {
			tags += len(e.Type)
		}
		words := len(strings.FieldsFunc(text, func(r rune) bool { return !isWordPart(r) }))
		if visible > 2*words+tags {
			t.Fatalf("Anonymize(%q) = %q shows %d letters for %d words", text, out, visible, words)
		}
	})
}
