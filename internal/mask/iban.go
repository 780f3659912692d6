package mask

// ibanLength returns the length of an IBAN for the country code cc (from
// the SWIFT IBAN registry), or 0 for a country without IBANs.
func ibanLength(cc string) int {
	switch cc {
	case "NO":
		return 15
	case "BE":
		return 16
	case "DK", "FI", "FO", "GL", "NL", "SD":
		return 18
	case "MK", "SI":
		return 19
	case "AT", "BA", "EE", "KZ", "LT", "LU", "XK":
		return 20
	case "CH", "CR", "HR", "LI", "LV":
		return 21
	case "BG", "BH", "DE", "GB", "GE", "IE", "ME", "RS", "VA":
		return 22
	case "AE", "GI", "IL", "IQ", "TL":
		return 23
	case "AD", "CZ", "ES", "MD", "PK", "RO", "SA", "SE", "SK", "TN", "VG":
		return 24
	case "LY", "PT", "ST":
		return 25
	case "IS", "TR":
		return 26
	case "FR", "GR", "IT", "MC", "MR", "SM":
		return 27
	case "AL", "AZ", "BY", "CY", "DO", "GT", "HU", "LB", "PL", "SV":
		return 28
	case "BR", "EG", "PS", "QA", "UA":
		return 29
	case "JO", "KW", "MU":
		return 30
	case "MT", "SC":
		return 31
	case "LC", "RU":
		return 33
	}
	return 0
}

// findIBANs appends a span for every IBAN in text: a known country code,
// two check digits and the country's number of upper-case letters and
// digits, either unbroken or in groups of four separated by single spaces,
// whose ISO 7064 mod-97 check equals 1.
func findIBANs(text string, out []span) []span {
	for i := 0; i+4 <= len(text); i++ {
		if !isUpper(text[i]) || !isUpper(text[i+1]) || !isDigit(text[i+2]) || !isDigit(text[i+3]) {
			continue
		}
		if isWordRune(prevRune(text, i)) {
			continue
		}
		n := ibanLength(text[i : i+2])
		if n == 0 {
			continue
		}
		var buf [34]byte
		copy(buf[:], text[i:i+4])
		k, j := 4, i+4
		for k < n && j < len(text) {
			c := text[j]
			if isUpper(c) || isDigit(c) {
				buf[k] = c
				k++
				j++
				continue
			}
			if c == ' ' && k%4 == 0 && text[j-1] != ' ' && j+1 < len(text) && (isUpper(text[j+1]) || isDigit(text[j+1])) {
				j++
				continue
			}
			break
		}
		if k != n || isWordRune(nextRune(text, j)) {
			continue
		}
		if ibanChecksum(buf[:n]) != 1 {
			continue
		}
		out = append(out, span{IBANCode, i, j})
		i = j - 1
	}
	return out
}

// ibanChecksum computes the ISO 7064 mod-97-10 remainder of an IBAN (its
// first four characters moved to the end, letters as 10..35).
func ibanChecksum(iban []byte) int {
	r := 0
	add := func(c byte) {
		if isDigit(c) {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A') + 10) % 97
		}
	}
	for _, c := range iban[4:] {
		add(c)
	}
	for _, c := range iban[:4] {
		add(c)
	}
	return r
}
