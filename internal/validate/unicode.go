package validate

import "unicode"

// isForbiddenControl reports C0 controls other than tab, LF and CR, DEL, and
// the C1 controls U+0080–U+009F.
func isForbiddenControl(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20, r == 0x7f:
		return true
	case r >= 0x80 && r <= 0x9f:
		return true
	}
	return false
}

// isBidiControl reports every explicit bidi formatting character: the
// embeddings and overrides U+202A–U+202E and the isolates U+2066–U+2069.
// The plain direction marks (U+200E, U+200F, U+061C) are not included:
// they are ordinary in right-to-left text.
func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// isBidiReorder reports the bidi controls that can make text display in an
// order other than the one it is stored in ("Trojan Source", CVE-2021-42574):
// RIGHT-TO-LEFT EMBEDDING, both overrides and all isolates. LEFT-TO-RIGHT
// EMBEDDING (U+202A) and POP DIRECTIONAL FORMATTING (U+202C) are excluded:
// in left-to-right text they change nothing, a lone PDF is ignored by the
// bidi algorithm, and both turn up in real pasted text (GoEmotions has one
// of each). Detect still reports them.
func isBidiReorder(r rune) bool {
	return isBidiControl(r) && r != 0x202a && r != 0x202c
}

// isNoncharacter reports the 66 Unicode noncharacters.
func isNoncharacter(r rune) bool {
	return (r >= 0xfdd0 && r <= 0xfdef) || (r&0xfffe == 0xfffe && r <= unicode.MaxRune)
}

// isInvisible reports zero-width and invisible formatting characters that
// render as nothing: ZWSP, ZWNJ, ZWJ, word joiner, invisible operators,
// Mongolian vowel separator, BOM / ZWNBSP, and tag characters.
func isInvisible(r rune) bool {
	switch r {
	case 0x200b, 0x200c, 0x200d, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x180e, 0xfeff, 0x034f, 0x115f, 0x1160, 0x3164, 0xffa0:
		return true
	}
	return r >= 0xe0000 && r <= 0xe007f
}

// nextFlagState tracks emoji subdivision flags (U+1F3F4, tag letters, then
// CANCEL TAG U+E007F), whose tag characters are legitimate. state is -1
// outside such a sequence, else the number of tag characters seen so far;
// the returned state is >= 0 while r belongs to a flag sequence.
func nextFlagState(state int, r rune) int {
	switch {
	case r == 0x1f3f4:
		return 0
	case state >= 0 && r >= 0xe0020 && r <= 0xe007e && state < 8:
		return state + 1
	case state >= 0 && state < 8 && r == 0xe007f:
		return 8 // the terminating CANCEL TAG belongs to the flag; nothing may follow
	}
	return -1
}

// isMark reports combining marks (Mn, Mc, Me).
func isMark(r rune) bool {
	if r < 0x300 {
		return false
	}
	return unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me)
}
