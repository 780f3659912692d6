package mask

// isSSNWord reports whether w, found just before a number, says that the
// number is a Social Security number.
func isSSNWord(w string) bool {
	switch w {
	case "ssn", "ssns", "social", "security", "ss", "ssa", "tin", "itin":
		return true
	}
	return false
}

// findSSNs appends a span for every US Social Security number in text.
// "AAA-GG-SSSS" is taken on its own; "AAA GG SSSS" and nine bare digits
// only after a word such as "SSN" or "social security" (at most three
// words before). Numbers the SSA never issues are skipped: area 000, 666 or
// 900-999, group 00, serial 0000.
func findSSNs(text string, out []span) []span {
	for i := 0; i < len(text); i++ {
		if !isDigit(text[i]) {
			continue
		}
		j := i
		for j < len(text) && (isDigit(text[j]) || (text[j] == '-' || text[j] == ' ') && isDigit(byteAt(text, j+1))) {
			j++
		}
		if end, ok := ssnAt(text, i, j); ok {
			out = append(out, span{USSSN, i, end})
		}
		i = j - 1
	}
	return out
}

// ssnAt checks the run text[i:j] of digits and single separators.
func ssnAt(text string, i, j int) (int, bool) {
	run := text[i:j]
	if !startsToken(text, i) || continuesNumber(text, j) || isWordRune(nextRune(text, j)) {
		return 0, false
	}
	var d [9]byte
	if len(run) == 11 && (run[3] == '-' && run[6] == '-' || run[3] == ' ' && run[6] == ' ') {
		copy(d[0:3], run[0:3])
		copy(d[3:5], run[4:6])
		copy(d[5:9], run[7:11])
		if run[3] == ' ' && !hasContext(text, i, 3, isSSNWord) {
			return 0, false
		}
	} else if len(run) == 9 {
		copy(d[:], run)
		if !hasContext(text, i, 3, isSSNWord) {
			return 0, false
		}
	} else {
		return 0, false
	}
	for _, c := range d {
		if !isDigit(c) {
			return 0, false
		}
	}
	area, group, serial := string(d[0:3]), string(d[3:5]), string(d[5:9])
	if area == "000" || area == "666" || area[0] == '9' || group == "00" || serial == "0000" {
		return 0, false
	}
	return j, true
}
