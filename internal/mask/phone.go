package mask

import (
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Phone numbers are found in two steps. A cheap scanner proposes candidates
// (scanPhone): a run of digits with single spaces, dots, hyphens or slashes
// between them, an optional leading '+' and an area code in parentheses.
// confirmPhone then asks libphonenumber whether the digits form a valid
// number: written with +CC or an international prefix ("0044", "011 44")
// for any country; otherwise in the national format of one of the
// configured regions, where the national prefix must be present if that
// country requires it and the grouping must be one people use for that
// country (groupingOK). A run of digits without any separator is only taken
// after a word such as "call" or "phone". An extension written after the
// number ("x12", " ext. 45", ", extension 7", " #123", ";ext=99") is part
// of the span (phoneExtension), so it is masked with the number and does
// not stop a number followed by it ("555-0143x7") from being found.

// Bounds on the digits of a candidate: the shortest national numbers in
// the default regions have 7 digits; E.164 allows 15, plus an
// international prefix.
const (
	minPhoneDigits = 7
	maxPhoneDigits = 17
)

// isPhoneWord reports whether w, just before a number, says it is a phone
// number.
func isPhoneWord(w string) bool {
	switch w {
	case "call", "calls", "called", "calling", "phone", "phoned", "telephone", "tel", "text",
		"texted", "txt", "sms", "mobile", "cell", "cellphone", "whatsapp", "signal", "ring",
		"rang", "dial", "dialled", "dialed", "fax", "hotline", "helpline", "landline",
		"voicemail", "handy", "telefon", "t", "mob", "ph", "téléphone", "portable",
		"celular", "telefone", "contact", "reach":
		return true
	}
	return false
}

// isWeakPhoneWord reports whether w, just before a bare digit run, hints at
// a phone number without deciding it ("my number is ...").
func isWeakPhoneWord(w string) bool {
	switch w {
	case "number", "numbers", "no", "nr", "num", "nummer", "numéro", "número", "at", "on":
		return true
	}
	return false
}

// isNotPhoneWord reports whether w, just before a number, says it is some
// other kind of number.
func isNotPhoneWord(w string) bool {
	switch w {
	case "order", "orders", "invoice", "tracking", "track", "account", "acct", "ref",
		"reference", "confirmation", "case", "ticket", "id", "isbn", "serial", "imei",
		"code", "pin", "card", "transaction", "receipt", "policy", "member", "membership",
		"sku", "item", "model", "part", "lot", "batch", "zip", "postcode", "room", "page",
		"flight", "population", "steps", "score", "version", "build", "patient", "claim":
		return true
	}
	return false
}

// phoneContext looks at up to three words before byte offset i, nearest
// first: +1 if a phone word (or only weak hints) is found first, -1 if a
// word for another kind of number is, 0 if none.
func phoneContext(text string, i int) int {
	weak := false
	for _, w := range lastWords(text, i, 3) {
		switch {
		case isPhoneWord(w):
			return 1
		case isNotPhoneWord(w):
			return -1
		case isWeakPhoneWord(w):
			weak = true
		}
	}
	if weak {
		return 1
	}
	return 0
}

// phoneRegion is a region tried for numbers in national format, with what
// confirmPhone needs to rule it out before calling libphonenumber, whose
// parsing is by far the most expensive step of masking.
type phoneRegion struct {
	code string
	ndd  string // national (trunk) prefix, "1" in the US, "0" in most others
	// possible[n] is whether a national significant number of n digits
	// is possible in the region (libphonenumber's possible lengths).
	possible [maxPhoneDigits + 1]bool
}

func newPhoneRegion(code string) phoneRegion {
	r := phoneRegion{code: code, ndd: phonenumbers.GetNddPrefixForRegion(code, true)}
	cc := int32(phonenumbers.GetCountryCodeForRegion(code))
	nn := uint64(1)
	for n := 1; n <= maxPhoneDigits; n++ {
		num := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &nn}
		r.possible[n] = phonenumbers.IsPossibleNumberWithReason(num) == phonenumbers.IS_POSSIBLE
		nn *= 10
	}
	return r
}

// plausible reports whether the digits of a national-format candidate have
// a possible length for the region, with or without its trunk prefix. It
// does not reject international prefixes ("00", "011"), which Parse
// recognises per region.
func (r *phoneRegion) plausible(digits string) bool {
	n := len(digits)
	if strings.HasPrefix(digits, "00") || strings.HasPrefix(digits, "011") {
		return true
	}
	if n > maxPhoneDigits {
		return false
	}
	return r.possible[n] || r.ndd != "" && strings.HasPrefix(digits, r.ndd) && r.possible[n-len(r.ndd)]
}

// findPhones appends a span for every phone number confirmed in text.
// others holds the spans that won among the other detectors' (sorted,
// disjoint); a phone candidate inside one is not confirmed, since it
// would lose the overlap anyway (unless a confirmed phone number longer
// than that span beats it: rare enough to trade for skipping the costly
// confirmation of every card, IBAN and IP address digit run).
func findPhones(text string, regions []phoneRegion, others []span, out []span) []span {
	k, coveredTo := 0, -1
	for i := 0; i < len(text); i++ {
		c := text[i]
		if !isDigit(c) && c != '+' && c != '(' {
			continue
		}
		start, end, runEnd := scanPhone(text, i)
		if runEnd <= i {
			continue
		}
		for k < len(others) && others[k].start <= start {
			coveredTo = max(coveredTo, others[k].end)
			k++
		}
		if end > start && coveredTo < end && phoneStartOK(text, start) {
			if ext := phoneExtension(text, end); phoneEndOK(text, ext) && confirmPhone(text, start, end, regions) {
				out = append(out, span{PhoneNumber, start, ext})
				runEnd = max(runEnd, ext)
			}
		}
		i = runEnd - 1
	}
	return out
}

func isPhoneSep(c byte) bool { return c == ' ' || c == '-' || c == '.' || c == '/' }

// scanPhone reads the candidate starting at i. It returns the candidate
// [start, end) (empty if the run is not shaped like a phone number) and
// the end of the whole run of phone-like characters, which the caller
// skips so that no candidate starts in the middle of a longer number.
func scanPhone(text string, i int) (start, end, runEnd int) {
	start, j := i, i
	if text[j] == '+' {
		if !isDigit(byteAt(text, j+1)) {
			return i, i, i
		}
		j++
	}
	lastDigit := -1
	parenAt, parenDigits := -1, 0
loop:
	for j < len(text) {
		c := text[j]
		if isDigit(c) {
			parenDigits++
			lastDigit = j
		} else if c == '(' {
			prev := byteAt(text, j-1)
			if parenAt >= 0 || !isDigit(byteAt(text, j+1)) || j > start && !isPhoneSep(prev) && !isDigit(prev) && prev != '+' {
				break loop
			}
			parenAt, parenDigits = j, 0
		} else if c == ')' {
			if parenAt < 0 || parenDigits < 1 || parenDigits > 5 {
				break loop
			}
			parenAt = -2 // closed; a second pair is not allowed
		} else if isPhoneSep(c) {
			prev, next := byteAt(text, j-1), byteAt(text, j+1)
			if !(isDigit(prev) || prev == ')') || !(isDigit(next) || next == '(') {
				break loop
			}
		} else {
			break loop
		}
		j++
	}
	runEnd = j
	if lastDigit < 0 {
		return i, i, max(runEnd, i+1)
	}
	end = lastDigit + 1
	if parenAt >= 0 {
		// An unclosed '(' is prose: "(call 0412 345 678)".
		if parenAt != start {
			end = parenAt
			for end > start && isPhoneSep(text[end-1]) {
				end--
			}
		} else {
			start++
		}
	}
	digits := 0
	for k := start; k < end; k++ {
		if isDigit(text[k]) {
			digits++
		}
	}
	if digits < minPhoneDigits || digits > maxPhoneDigits {
		return start, start, runEnd
	}
	return start, end, runEnd
}

// phoneExtensionMarkers introduce an extension after a phone number,
// longest first; matched without regard to case.
var phoneExtensionMarkers = [...]string{";ext=", "extension", "ext.", "ext", "x", "#"}

// maxExtensionDigits bounds an extension's digits (RFC 3966 sets no limit;
// libphonenumber reads at most 7 after "x", 6 after "#" or "ext").
const maxExtensionDigits = 7

// phoneExtension returns the end of the extension written just after a
// phone number ending at byte offset i: optionally ", " or spaces, a
// marker, optionally '.', ':' and spaces, then 1 to 7 digits not followed
// by another digit or a letter. Without one it returns i.
func phoneExtension(text string, i int) int {
	j := i
	if byteAt(text, j) == ',' {
		j++
	}
	for k := 0; k < 2 && byteAt(text, j) == ' '; k++ {
		j++
	}
	marker := 0
	for _, m := range phoneExtensionMarkers {
		if len(text)-j >= len(m) && strings.EqualFold(text[j:j+len(m)], m) {
			marker = len(m)
			break
		}
	}
	if marker == 0 {
		return i
	}
	j += marker
	for k := 0; k < 2 && (byteAt(text, j) == ' ' || byteAt(text, j) == ':' || byteAt(text, j) == '.'); k++ {
		j++
	}
	digits := 0
	for isDigit(byteAt(text, j)) {
		j++
		digits++
	}
	if digits == 0 || digits > maxExtensionDigits || isWordRune(nextRune(text, j)) {
		return i
	}
	return j
}

// phoneStartOK reports whether a phone number may start at byte offset i.
func phoneStartOK(text string, i int) bool {
	switch r := prevRune(text, i); r {
	case '(':
		return text[i] != '(' // "(0412 345 678" with the '(' left as prose
	case '#', '$', '€', '£', '¥', '/', '@', '+', '&', '=', '%', '*', '\\', '~', '-', '_':
		return false
	case '.', ',', ':':
		return !isWordRune(prevRune(text, i-1)) || r == ':' && !isDigit(byteAt(text, i-2))
	default:
		return !isWordRune(r)
	}
}

// phoneEndOK reports whether a phone number may end at byte offset i.
func phoneEndOK(text string, i int) bool {
	switch r := nextRune(text, i); r {
	case '%', '@', '€', '$':
		return false
	default:
		return !isWordRune(r) && !continuesNumber(text, i)
	}
}

// digitGroups returns the runs of ASCII digits in s.
func digitGroups(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
}

// confirmPhone decides whether text[start:end] is a phone number.
func confirmPhone(text string, start, end int, regions []phoneRegion) bool {
	s := text[start:end]
	ctx := phoneContext(text, start)
	if ctx < 0 {
		return false
	}
	if s[0] == '+' {
		num, err := phonenumbers.Parse(s, "US")
		return err == nil && phonenumbers.IsValidNumber(num)
	}
	groups := digitGroups(s)
	if len(groups) == 1 && ctx == 0 || looksLikeDate(s, groups) {
		return false
	}
	digits := strings.Join(groups, "")
	for i := range regions {
		r := &regions[i]
		if !r.plausible(digits) {
			continue
		}
		region := r.code
		num, err := phonenumbers.ParseAndKeepRawInput(s, region)
		if err != nil || !phonenumbers.IsValidNumber(num) {
			continue
		}
		switch num.GetCountryCodeSource() {
		case phonenumbers.PhoneNumber_FROM_NUMBER_WITH_IDD:
			return true
		case phonenumbers.PhoneNumber_FROM_NUMBER_WITHOUT_PLUS_SIGN:
			// "1 800 555 0199" in the US: the country code written as a
			// trunk prefix. Other countries' codes without '+' are not
			// accepted ("44 20..." is more likely a list of numbers).
			if int(num.GetCountryCode()) != phonenumbers.GetCountryCodeForRegion(region) {
				continue
			}
		}
		if !phonenumbers.IsNationalPrefixPresentIfRequired(num) {
			continue
		}
		if len(groups) == 1 || groupingOK(groups, num, region) {
			return true
		}
	}
	return false
}

// looksLikeDate reports whether a candidate is a calendar date written
// YYYY-MM-DD, DD.MM.YYYY, MM/DD/YYYY or similar with one kind of separator.
// Such candidates never pass groupingOK in the default regions; rejecting
// them before libphonenumber saves its cost on the commonest look-alike in
// journal text.
func looksLikeDate(s string, groups []string) bool {
	if len(groups) != 3 {
		return false
	}
	var sep byte
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isDigit(c) {
			if c != '-' && c != '.' && c != '/' || sep != 0 && c != sep {
				return false
			}
			sep = c
		}
	}
	in := func(g string, width, lo, hi int) bool {
		v, err := strconv.Atoi(g)
		return err == nil && len(g) <= width && lo <= v && v <= hi
	}
	day := func(g string) bool { return in(g, 2, 1, 31) }
	month := func(g string) bool { return in(g, 2, 1, 12) }
	year := func(g string) bool { return len(g) == 4 && in(g, 4, 1900, 2099) }
	x, y, z := groups[0], groups[1], groups[2]
	return year(x) && month(y) && day(z) || day(x) && month(y) && year(z) || month(x) && day(y) && year(z)
}

// groupingOK reports whether the digit groups of a candidate are grouped
// the way numbers of that country are written: exactly as libphonenumber's
// national format, or the area code (national destination code) followed
// by groups of at least three digits, or a prefix of two to five digits
// and a block of at least six. Dates, ranges, ISBNs and card-like blocks
// of four fail this even when their digits happen to form a valid number.
func groupingOK(groups []string, num *phonenumbers.PhoneNumber, region string) bool {
	ndd := phonenumbers.GetNddPrefixForRegion(region, true)
	cc := strconv.Itoa(int(num.GetCountryCode()))
	cg := groups
	if len(cg) > 1 && (cg[0] == ndd || cg[0] == cc &&
		num.GetCountryCodeSource() == phonenumbers.PhoneNumber_FROM_NUMBER_WITHOUT_PLUS_SIGN) {
		cg = cg[1:]
	}
	if len(cg) < 2 {
		return true // "1 8005550199": the rest is one block
	}
	fg := digitGroups(phonenumbers.Format(num, phonenumbers.NATIONAL))
	if sameGroups(cg, fg, ndd) {
		return true
	}
	first := cg[0]
	if ndd != "" && len(first) > len(ndd) {
		first = strings.TrimPrefix(first, ndd)
	}
	nsn := phonenumbers.GetNationalSignificantNumber(num)
	if n := phonenumbers.GetLengthOfNationalDestinationCode(num); n > 0 && n <= len(nsn) && first == nsn[:n] {
		ok := true
		for _, g := range cg[1:] {
			ok = ok && len(g) >= 3
		}
		if ok {
			return true
		}
	}
	return len(cg) == 2 && len(first) >= 2 && len(first) <= 5 && len(cg[1]) >= 6
}

// sameGroups compares candidate groups with formatted ones, allowing the
// first group to differ by the national prefix.
func sameGroups(cg, fg []string, ndd string) bool {
	if len(cg) != len(fg) {
		return false
	}
	for k := 1; k < len(cg); k++ {
		if cg[k] != fg[k] {
			return false
		}
	}
	return cg[0] == fg[0] || ndd+cg[0] == fg[0] || cg[0] == ndd+fg[0]
}
