package validate

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// minBase64Run is the shortest base64 run decoded: 16 characters are 12
// bytes, enough for "<svg onload=" and too long for most ordinary words.
const minBase64Run = 16

// maxBase64Decoded bounds the bytes decoded per text.
const maxBase64Decoded = 1 << 16

// detectBase64 decodes runs of base64 (standard or URL alphabet, padded or
// not) and reports executable markup in what they decode to, as a browser
// would see it through a data: URL, atob() or a server that decodes a
// field. Decoded text must be printable UTF-8 containing '<'; ordinary
// long words decode to binary and are skipped. Each run is decoded once.
func detectBase64(f *findings, in *input) {
	budget := maxBase64Decoded
	for _, v := range in.views() {
		for i := 0; i < len(v) && budget > 0; i++ {
			if !isB64Char(v[i]) || (i > 0 && isB64Char(v[i-1])) {
				continue
			}
			j := i
			for j < len(v) && isB64Char(v[j]) {
				j++
			}
			run := v[i:j]
			i = j
			if len(run) < minBase64Run || !strings.ContainsAny(run, "0123456789+/-_") && strings.ToLower(run) == run {
				continue
			}
			budget -= len(run)
			dec, ok := decodeBase64Run(run)
			if !ok || strings.IndexByte(dec, '<') < 0 {
				continue
			}
			var sub findings
			sin := newInput(dec)
			detectMarkup(&sub, sin)
			detectTemplate(&sub, sin)
			if sub[classIndex(Markup)].Confidence > 0 {
				f.add(Markup, 0.9, "base64-encoded markup")
			}
			if sub[classIndex(Template)].Confidence > 0 {
				f.add(Template, 0.9, "base64-encoded template code")
			}
		}
	}
}

func isB64Char(c byte) bool { return isAlnum(c) || c == '+' || c == '/' || c == '-' || c == '_' }

// decodeBase64Run decodes run in the URL alphabet when it uses '-' or '_',
// else in the standard one, and returns it when it is printable UTF-8.
func decodeBase64Run(run string) (string, bool) {
	enc := base64.RawStdEncoding
	if strings.ContainsAny(run, "-_") {
		enc = base64.RawURLEncoding
	}
	if len(run)%4 == 1 {
		run = run[:len(run)-1]
	}
	b, err := enc.DecodeString(run)
	if err != nil || !utf8.Valid(b) {
		return "", false
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			return "", false
		}
	}
	return string(b), true
}
