package mask

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaskEmail masks the local part of an email address the way the Security
// Guide's mask_email does, keeping its first and last character and the
// domain: "jane.doe@example.com" becomes "j******e@example.com". Unlike the
// Guide it works on characters rather than bytes and never fails:
//   - a local part of one character becomes "*" and one of two keeps only
//     the first ("a@b.c" -> "*@b.c", "ab@c.d" -> "a*@c.d"), so nothing is
//     ever shown unmasked in full;
//   - the address is split at the last '@' (a domain cannot contain one);
//   - a string without '@' is treated as a bare local part and masked the
//     same way, rather than returned unchanged as the Guide does.
func MaskEmail(s string) string {
	local, domain, hasAt := s, "", false
	if k := strings.LastIndexByte(s, '@'); k >= 0 {
		local, domain, hasAt = s[:k], s[k+1:], true
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	n := utf8.RuneCountInString(local)
	k := 0
	for _, r := range local {
		if n >= 3 && (k == 0 || k == n-1) || n == 2 && k == 0 {
			b.WriteRune(r)
		} else {
			b.WriteByte('*')
		}
		k++
	}
	if hasAt {
		b.WriteByte('@')
		b.WriteString(domain)
	}
	return b.String()
}

// minPhoneKeep is the fewest digits a phone number must have for MaskPhone
// to show its last four: a shorter string would be shown (almost) whole.
const minPhoneKeep = 7

// MaskPhone masks a phone number keeping its last four digits, as the
// Security Guide's mask_phone does, and its punctuation, so the shape stays
// readable: "+1 (212) 555-0123" becomes "+* (***) ***-0123". Every other
// letter or digit (of any script) becomes '*'. Unlike the Guide, which
// returns strings shorter than four characters unchanged, a string with
// fewer than seven digits is masked entirely ("911" -> "***").
func MaskPhone(s string) string {
	digits := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	keepFrom := digits - 4 // index of the first digit shown
	if digits < minPhoneKeep {
		keepFrom = digits
	}
	var b strings.Builder
	b.Grow(len(s))
	k := 0
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			if k >= keepFrom {
				b.WriteRune(r)
			} else {
				b.WriteByte('*')
			}
			k++
		case unicode.IsLetter(r):
			b.WriteByte('*')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
