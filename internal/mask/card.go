package mask

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

// cardNetworkOK reports whether the number's issuer identification prefix
// and length belong to a major card network: Visa, Mastercard, American
// Express, Discover, Diners Club, JCB, UnionPay, Maestro, Mir, RuPay, Troy.
func cardNetworkOK(d []byte) bool {
	n := len(d)
	p1, p2, p3, p4 := prefix(d, 1), prefix(d, 2), prefix(d, 3), prefix(d, 4)
	switch {
	case p1 == 4: // Visa
		return n == 13 || n == 16 || n == 19
	case 51 <= p2 && p2 <= 55, 2221 <= p4 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // American Express
		return n == 15
	case 2200 <= p4 && p4 <= 2204: // Mir
		return n >= 16
	case p4 == 6011, 644 <= p3 && p3 <= 649, p2 == 65: // Discover (and RuPay on 65)
		return n >= 16
	case p2 == 62: // UnionPay
		return n >= 16
	case 3528 <= p4 && p4 <= 3589: // JCB
		return n >= 16
	case 300 <= p3 && p3 <= 305, p4 == 3095, p2 == 36, p2 == 38, p2 == 39: // Diners Club
		return n >= 14
	case p4 == 5018, p4 == 5020, p4 == 5038, p4 == 5893, p4 == 6304, p4 == 6759, 6761 <= p4 && p4 <= 6763: // Maestro
		return n >= 13
	case p2 == 60, p3 == 508: // RuPay
		return n == 16
	case p4 == 9792: // Troy
		return n == 16
	}
	return false
}
