package mask

import (
	"net/netip"
	"strings"
)

// isVersionWord reports whether w, found just before a dotted number, says
// that it is a version, a build or a section number rather than an address.
func isVersionWord(w string) bool {
	switch w {
	case "v", "ver", "version", "versions", "release", "build", "firmware", "patch",
		"update", "updated", "upgrade", "upgraded", "rev", "revision", "kernel",
		"section", "chapter", "clause", "paragraph", "step", "rule", "figure", "table":
		return true
	}
	return false
}

func isHex(c byte) bool { return isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f' }

// findIPs appends a span for every IPv4 address (exactly four dotted
// decimal parts, no leading zeros) and IPv6 address in text, as accepted
// by net/netip. A dotted run with more or fewer than four parts
// ("10.0.0.1.5", "1.2.3") is not an address, nor is one glued to a word
// ("v1.2.3.4") or preceded within two words by a version word
// ("firmware 2.1.0.4", "updated to 1.2.3.4").
func findIPs(text string, out []span) []span {
	for i := 0; i < len(text); i++ {
		c := text[i]
		if !isHex(c) && c != ':' {
			continue
		}
		// The longest run of characters an address can contain.
		j := i
		colons := 0
		for j < len(text) && (isHex(text[j]) || text[j] == ':' || text[j] == '.') {
			if text[j] == ':' {
				colons++
			}
			j++
		}
		if r := prevRune(text, i); isWordRune(r) || r == '.' || r == '-' {
			i = j - 1
			continue
		}
		if colons >= 2 {
			if end, ok := ipv6At(text, i, j); ok {
				out = append(out, span{IPAddress, i, end})
				i = end - 1
				continue
			}
		} else if end, ok := ipv4At(text, i, j); ok {
			out = append(out, span{IPAddress, i, end})
		}
		i = j - 1
	}
	return out
}

func ipv4At(text string, i, j int) (int, bool) {
	end := i
	for end < j && (isDigit(text[end]) || text[end] == '.') {
		end++
	}
	for end > i && text[end-1] == '.' {
		end-- // sentence full stop
	}
	s := text[i:end]
	if strings.Count(s, ".") != 3 || isWordRune(nextRune(text, end)) {
		return 0, false
	}
	if end < len(text) && text[end] == '.' && isDigit(byteAt(text, end+1)) {
		return 0, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return 0, false
	}
	if hasContext(text, i, 2, isVersionWord) {
		return 0, false
	}
	return end, true
}

func ipv6At(text string, i, j int) (int, bool) {
	end := j
	for end > i && text[end-1] == '.' {
		end--
	}
	for try := 0; try < 2; try++ {
		s := text[i:end]
		if !isWordRune(nextRune(text, end)) && strings.IndexFunc(s, func(r rune) bool { return '0' <= r && r <= '9' }) >= 0 {
			if a, err := netip.ParseAddr(s); err == nil && a.Is6() && a.Zone() == "" {
				return end, true
			}
		}
		if end-i < 3 || text[end-1] != ':' || text[end-2] == ':' {
			break
		}
		end-- // "address fe80::1: it" - the colon belongs to the prose
	}
	return 0, false
}
