package mask

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// isLocalRune reports whether r may appear in the local part of an address
// as people write it: letters and digits of any script and ._%+- (the
// quoted and rarer RFC 5322 forms are not looked for).
func isLocalRune(r rune) bool {
	switch r {
	case '.', '_', '%', '+', '-':
		return true
	}
	return r < utf8.RuneSelf && (isDigit(byte(r)) || isLetterASCII(byte(r))) ||
		r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// isDomainRune reports whether r may appear in a domain label: letters and
// digits of any script (internationalised domains) and '-'.
func isDomainRune(r rune) bool {
	return r == '-' || r < utf8.RuneSelf && (isDigit(byte(r)) || isLetterASCII(byte(r))) ||
		r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// findEmails appends a span for every local@domain.tld in text. The domain
// needs at least two labels and a top-level label of letters only (or an
// "xn--" label), which rules out package versions such as "react@18.2.0",
// "@handles" (no local part) and "user@localhost".
func findEmails(text string, out []span) []span {
	from := 0
	for {
		k := strings.IndexByte(text[from:], '@')
		if k < 0 {
			return out
		}
		at := from + k
		from = at + 1
		start := at
		for start > 0 {
			r, size := utf8.DecodeLastRuneInString(text[:start])
			if !isLocalRune(r) {
				break
			}
			start -= size
		}
		// "so...jane@example.com": a run of dots ends the prose before the
		// address (a local part never holds "..").
		if k := strings.LastIndex(text[start:at], ".."); k >= 0 {
			start += k + 2
		}
		for start < at && text[start] == '.' {
			start++ // ".jane@example.com": a leading dot belongs to the prose
		}
		local := text[start:at]
		if !validLocal(local) {
			continue
		}
		end := scanDomain(text, at+1)
		if end <= at+1 {
			continue
		}
		if byteAt(text, end) == '@' {
			continue // "a@b.com@c": not an address as a whole
		}
		out = append(out, span{EmailAddress, start, end})
		from = end
	}
}

func validLocal(local string) bool {
	return local != "" && len(local) <= 64 && local[0] != '.' &&
		local[len(local)-1] != '.' && !strings.Contains(local, "..")
}

// scanDomain returns the end of a valid domain name starting at i, or i if
// there is none. Trailing dots and hyphens are left to the prose ("write to
// jane@example.com.").
func scanDomain(text string, i int) int {
	end := i
	for end < len(text) {
		r, size := utf8.DecodeRuneInString(text[end:])
		if r != '.' && !isDomainRune(r) {
			break
		}
		end += size
	}
	for end > i && (text[end-1] == '.' || text[end-1] == '-') {
		end--
	}
	domain := text[i:end]
	if len(domain) > 253 {
		return i
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return i
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return i
		}
	}
	tld := labels[len(labels)-1]
	if strings.HasPrefix(strings.ToLower(tld), "xn--") {
		return end
	}
	n := 0
	for _, r := range tld {
		if !unicode.IsLetter(r) {
			return i
		}
		n++
	}
	if n < 2 {
		return i
	}
	return end
}
