package validate

import (
	"encoding/base64"
	"strings"
	"testing"
)

// b64MutDetect runs detectBase64 on a text whose raw and decoded views are
// both s and returns the Markup and Template detections.
func b64MutDetect(s string) (markup, template Detection) {
	var f findings
	detectBase64(&f, sameInput(s))
	return f[classIndex(Markup)], f[classIndex(Template)]
}

// b64MutEnc is s in unpadded standard base64.
func b64MutEnc(s string) string { return base64.RawStdEncoding.EncodeToString([]byte(s)) }

// TestB64MutDetect pins detectBase64: the 16-character minimum run, runs
// of letters only (upper case needed), decoded '<' without markup or
// template code, and the decoding budget.
func TestB64MutDetect(t *testing.T) {
	t.Parallel()
	markup := Detection{Markup, 0.9, "base64-encoded markup"}
	template := Detection{Template, 0.9, "base64-encoded template code"}
	// Letters only, mixed case: "<sVg onload =alerT(1)>aa".
	const letters = "PHNWZyBvbmxvYWQgPWFsZXJUKDEpPmFh"
	tests := []struct {
		name           string
		text           string
		markup, templa Detection
	}{
		{"16-character run", b64MutEnc("<script>a(1)"), markup, Detection{}},
		{"12-character run", b64MutEnc("<script>"), Detection{}, Detection{}},
		{"16-character template run", b64MutEnc("<%= 7*7 %>ab"), Detection{}, template},
		{"letters-only run with upper case", letters, markup, Detection{}},
		{"letters-only run in lower case", strings.ToLower(letters), Detection{}, Detection{}},
		{"'<' in plain text", b64MutEnc("a < b and c < d, fine"), Detection{}, Detection{}},
		{"budget spent exactly", strings.Repeat("A", maxBase64Decoded) + " " + b64MutEnc("<script>a(1)"), Detection{}, Detection{}},
		{"budget left", strings.Repeat("A", maxBase64Decoded-16) + " " + b64MutEnc("<script>a(1)"), markup, Detection{}},
	}
	for _, tc := range tests {
		m, tp := b64MutDetect(tc.text)
		if m != tc.markup || tp != tc.templa {
			t.Errorf("%s: detectBase64(%.40q) = %+v, %+v, want %+v, %+v", tc.name, tc.text, m, tp, tc.markup, tc.templa)
		}
	}
}

// TestB64MutDecodeRun pins decodeBase64Run: a dangling sixth-bit character
// is dropped, and tab, LF and CR are the only control bytes accepted.
func TestB64MutDecodeRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		run  string
		want string
		ok   bool
	}{
		{b64MutEnc("abc"), "abc", true},
		{b64MutEnc("abc") + "Q", "abc", true},
		{b64MutEnc("abcd"), "abcd", true},
		{b64MutEnc("a\tb"), "a\tb", true},
		{b64MutEnc("a\nb"), "a\nb", true},
		{b64MutEnc("a\rb"), "a\rb", true},
		{b64MutEnc("a\x01b"), "", false},
		{b64MutEnc("a\x1fb"), "", false},
		{b64MutEnc("a\x7fb"), "", false},
		{b64MutEnc(" ~"), " ~", true},
		{"_-8", "", false},
		{"Pz8-", "??>", true},
	}
	for _, tc := range tests {
		got, ok := decodeBase64Run(tc.run)
		if got != tc.want || ok != tc.ok {
			t.Errorf("decodeBase64Run(%q) = %q, %v, want %q, %v", tc.run, got, ok, tc.want, tc.ok)
		}
	}
}
