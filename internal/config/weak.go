package config

import (
	"bytes"
	"net/url"
	"strings"
)

// secretWeakness returns why b is unfit as a production secret, or "".
// The reason never contains the value.
func secretWeakness(b []byte) string {
	if len(b) == 0 {
		return "missing"
	}
	// Well-known non-secrets, compared case-insensitively, and template
	// text found anywhere in a secret.
	placeholderExact := [...]string{
		"secret", "password", "changeme", "change-me", "change_me", "default",
		"admin", "test", "example", "placeholder", "your-super-secret-jwt-key-here",
		"your-encryption-key-here",
	}
	placeholderParts := [...]string{
		"changeme", "change-me", "change_me", "replaceme", "replace-me", "replace_me",
		"placeholder", "example", "insecure", "dummy",
	}
	lower := strings.ToLower(string(b))
	for _, p := range placeholderExact {
		if lower == p {
			return "a placeholder"
		}
	}
	for _, p := range placeholderParts {
		if strings.Contains(lower, p) {
			return "a placeholder"
		}
	}
	if yourHere(lower) {
		return "a placeholder (your-...-here)"
	}
	if len(b) < minSecretBytes {
		return "shorter than 32 bytes"
	}
	if repeats(b) {
		return "a repeated pattern"
	}
	if variety(b) < secretVarietyMin {
		return "too uniform (fewer than 8 distinct characters)"
	}
	return ""
}

// yourHere reports a "your-...-here" (or your_..._here) template.
func yourHere(s string) bool {
	for _, sep := range []string{"-", "_"} {
		if i := strings.Index(s, "your"+sep); i >= 0 && strings.Contains(s[i:], sep+"here") {
			return true
		}
	}
	return false
}

// repeats reports whether b is a unit of at most secretPatternSpan bytes
// repeated ("aaaa...", "abcabc...").
func repeats(b []byte) bool {
	for n := 1; n <= secretPatternSpan && n < len(b); n++ {
		unit := b[:n]
		ok := true
		for i := n; i < len(b); i += n {
			end := min(i+n, len(b))
			if !bytes.Equal(b[i:end], unit[:end-i]) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func variety(b []byte) int {
	var seen [256]bool
	n := 0
	for _, c := range b {
		if !seen[c] {
			seen[c] = true
			n++
		}
	}
	return n
}

// placeholderURL reports an origin or URL whose host is a template such as
// https://your-frontend-domain.com, or a reserved example domain.
func placeholderURL(v string) bool {
	u, err := url.Parse(v)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	if strings.Contains(h, "your-") || strings.Contains(h, "your_") {
		return true
	}
	for _, d := range []string{"example.com", "example.org", "example.net"} {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	return false
}

// weakSecret adds a problem when s is unfit as a production secret.
func weakSecret(p *problems, name string, s Secret) {
	if why := secretWeakness(s.b); why != "" {
		p.add(name, ErrWeakSecret, "is %s; production needs at least 32 random bytes (e.g. openssl rand -base64 32)", why)
	}
}
