package mask

import "slices"

// findCards appends a span for every payment card number in text: 13 to 19
// digits, unbroken or in groups separated by single spaces or single
// hyphens (one kind per number; every group but the last of 4 to 6
// digits), with a valid Luhn check digit and a known issuer prefix and
// length (cardNetworkOK).
func findCards(text string, out []span) []span {
	var buf [19]byte
	for i := 0; i < len(text); i++ {
		if !isDigit(text[i]) {
			continue
		}
		end, digits, ok := scanCard(text, i, &buf)
		if ok && startsToken(text, i) && !continuesNumber(text, end) && !isWordRune(nextRune(text, end)) &&
			cardNetworkOK(digits) && luhn(digits) {
			out = append(out, span{CreditCard, i, end})
		}
		i = end - 1
	}
	return out
}

// startsToken reports whether a number may start at byte offset i: it is
// not glued to a word, an amount or a larger number.
func startsToken(text string, i int) bool {
	r := prevRune(text, i)
	switch r {
	case '-', '+', '/', '#', '$', '€', '£', '¥', '@', '.', ',':
		return false
	}
	return !isWordRune(r) && !followsNumber(text, i)
}

// scanCard reads a digit run with optional single-character separators
// starting at i. It returns the end of the run, its digits (in buf) and
// whether its length and grouping fit a card. The run always covers every
// digit it touches, so the caller can skip past it.
func scanCard(text string, i int, buf *[19]byte) (end int, digits []byte, ok bool) {
	var sep byte
	n, group, badGroup := 0, 0, false
	j := i
	for j < len(text) {
		c := text[j]
		if isDigit(c) {
			if n < len(buf) {
				buf[n] = c
			}
			n++
			group++
			j++
			continue
		}
		if (c == ' ' || c == '-') && isDigit(byteAt(text, j+1)) && (sep == 0 || sep == c) {
			if group < 4 || group > 6 {
				badGroup = true
			}
			sep = c
			group = 0
			j++
			continue
		}
		break
	}
	if n < 13 || n > len(buf) || badGroup {
		return j, nil, false
	}
	return j, buf[:n], true
}

// luhn reports whether the digits pass the Luhn (mod 10) check.
func luhn(digits []byte) bool {
	sum := 0
	for k := range digits {
		d := int(digits[len(digits)-1-k] - '0')
		if k%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// prefix returns the number formed by the first k digits of d, or -1 when
// d is shorter.
func prefix(d []byte, k int) int {
	if len(d) < k {
		return -1
	}
	v := 0
	for _, c := range d[:k] {
		v = v*10 + int(c-'0')
	}
	return v
}

// cardRule is one issuer range: numbers whose first digits (as a number)
// lie in [lo, hi] and whose length is one of lengths, or at least minLen
// when lengths is nil.
type cardRule struct {
	digits, lo, hi int
	lengths        []int
	minLen         int
}

// cardRules are the issuer ranges of the major card networks, tried in
// order (the first matching range decides).
var cardRules = [...]cardRule{
	{digits: 1, lo: 4, hi: 4, lengths: []int{13, 16, 19}}, // Visa
	{digits: 2, lo: 51, hi: 55, lengths: []int{16}},       // Mastercard
	{digits: 4, lo: 2221, hi: 2720, lengths: []int{16}},   // Mastercard
	{digits: 2, lo: 34, hi: 34, lengths: []int{15}},       // American Express
	{digits: 2, lo: 37, hi: 37, lengths: []int{15}},       // American Express
	{digits: 4, lo: 2200, hi: 2204, minLen: 16},           // Mir
	{digits: 4, lo: 6011, hi: 6011, minLen: 16},           // Discover
	{digits: 3, lo: 644, hi: 649, minLen: 16},             // Discover
	{digits: 2, lo: 65, hi: 65, minLen: 16},               // Discover (and RuPay)
	{digits: 2, lo: 62, hi: 62, minLen: 16},               // UnionPay
	{digits: 4, lo: 3528, hi: 3589, minLen: 16},           // JCB
	{digits: 3, lo: 300, hi: 305, minLen: 14},             // Diners Club
	{digits: 4, lo: 3095, hi: 3095, minLen: 14},           // Diners Club
	{digits: 2, lo: 36, hi: 36, minLen: 14},               // Diners Club
	{digits: 2, lo: 38, hi: 39, minLen: 14},               // Diners Club
	{digits: 4, lo: 5018, hi: 5018, minLen: 13},           // Maestro
	{digits: 4, lo: 5020, hi: 5020, minLen: 13},           // Maestro
	{digits: 4, lo: 5038, hi: 5038, minLen: 13},           // Maestro
	{digits: 4, lo: 5893, hi: 5893, minLen: 13},           // Maestro
	{digits: 4, lo: 6304, hi: 6304, minLen: 13},           // Maestro
	{digits: 4, lo: 6759, hi: 6759, minLen: 13},           // Maestro
	{digits: 4, lo: 6761, hi: 6763, minLen: 13},           // Maestro
	{digits: 2, lo: 60, hi: 60, lengths: []int{16}},       // RuPay
	{digits: 3, lo: 508, hi: 508, lengths: []int{16}},     // RuPay
	{digits: 4, lo: 9792, hi: 9792, lengths: []int{16}},   // Troy
}

// cardNetworkOK reports whether the number's issuer identification prefix
// and length belong to a major card network: Visa, Mastercard, American
// Express, Discover, Diners Club, JCB, UnionPay, Maestro, Mir, RuPay, Troy.
func cardNetworkOK(d []byte) bool {
	for _, r := range cardRules {
		if p := prefix(d, r.digits); r.lo <= p && p <= r.hi {
			if r.lengths == nil {
				return len(d) >= r.minLen
			}
			return slices.Contains(r.lengths, len(d))
		}
	}
	return false
}
