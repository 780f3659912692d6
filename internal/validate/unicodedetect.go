package validate

import "unicode/utf8"

// detectUnicode reports the same abuse that Text rejects (bidi controls,
// runs of invisible characters, combining-mark floods), with a lower bar
// for marks, plus invisible characters hidden inside a Latin word. It runs
// on the raw text, so it also sees what Text would refuse.
func detectUnicode(f *findings, s string) {
	var zw, marks int
	flag := -1
	var prev rune
	for i, r := range s {
		if r == utf8.RuneError {
			prev = r
			continue
		}
		switch {
		case isBidiReorder(r):
			f.add(Unicode, 0.9, "bidirectional override or isolate")
		case isBidiControl(r):
			f.add(Unicode, 0.5, "bidirectional embedding control")
		}
		flag = nextFlagState(flag, r)
		if isInvisible(r) && flag < 0 {
			zw++
			if zw > maxZeroWidthRun {
				f.add(Unicode, 0.85, "run of invisible characters")
			}
			if r != 0x200d && r != 0x200c && prev < 0x80 && isLetterRune(prev) {
				if next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):]); next < 0x80 && isLetterRune(next) {
					f.add(Unicode, 0.6, "invisible character inside a word")
				}
			}
		} else {
			zw = 0
		}
		if isMark(r) {
			marks++
			switch {
			case marks > MaxCombiningRun:
				f.add(Unicode, 0.9, "flood of combining marks")
			case marks > 4:
				f.add(Unicode, 0.7, "long run of combining marks")
			}
		} else {
			marks = 0
		}
		if isNoncharacter(r) {
			f.add(Unicode, 0.6, "Unicode noncharacter")
		}
		prev = r
	}
}

func isLetterRune(r rune) bool { return r < 0x80 && isLetter(byte(r)) }
