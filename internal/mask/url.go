package mask

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// findURLs appends a span for every URL starting with http://, https:// or
// www. (case-insensitive). Bare domains ("reddit.com") are not looked for:
// they are too easily confused with file names and prose. The URL runs to
// the next space or character that cannot appear in one; trailing
// punctuation and unbalanced closing brackets are left to the sentence.
func findURLs(text string, out []span) []span {
	for i := 0; i < len(text); i++ {
		c := text[i] | 0x20
		if c != 'h' && c != 'w' {
			continue
		}
		if r := prevRune(text, i); isWordRune(r) || r == '.' || r == '/' || r == '@' || r == '-' {
			continue
		}
		var hostStart int
		switch {
		case hasPrefixFold(text[i:], "https://"):
			hostStart = i + len("https://")
		case hasPrefixFold(text[i:], "http://"):
			hostStart = i + len("http://")
		case hasPrefixFold(text[i:], "www."):
			hostStart = i
		default:
			continue
		}
		end := scanURL(text, hostStart)
		if !validHost(text[hostStart:end], hostStart == i) {
			continue
		}
		out = append(out, span{URL, i, end})
		i = end - 1
	}
	return out
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// isURLRune reports whether r may appear in a URL as written in text
// (including the non-ASCII characters of IRIs).
func isURLRune(r rune) bool {
	if r >= utf8.RuneSelf {
		return r != utf8.RuneError && !unicode.IsSpace(r) && unicode.IsPrint(r)
	}
	if r <= ' ' || r == 0x7f {
		return false
	}
	switch r {
	case '<', '>', '"', '`', '{', '}', '|', '\\', '^':
		return false
	}
	return true
}

// scanURL returns the end of the URL whose host starts at i.
func scanURL(text string, i int) int {
	end := i
	var open, closed [2]int // '(' and '[' seen, ')' and ']' seen
	for end < len(text) {
		r, size := utf8.DecodeRuneInString(text[end:])
		if !isURLRune(r) {
			break
		}
		switch r {
		case '(':
			open[0]++
		case '[':
			open[1]++
		case ')':
			closed[0]++
		case ']':
			closed[1]++
		}
		end += size
	}
	for end > i {
		r, size := utf8.DecodeLastRuneInString(text[i:end])
		// Trailing punctuation and unbalanced closing brackets are prose.
		if r == ')' && open[0] < closed[0] {
			closed[0]--
		} else if r == ']' && open[1] < closed[1] {
			closed[1]--
		} else if !strings.ContainsRune(".,;:!?'*", r) && !(r >= utf8.RuneSelf && unicode.IsPunct(r)) {
			return end
		}
		end -= size
	}
	return end
}

// validHost checks the host part of url (which starts at the host): it
// must begin with a letter, a digit or '[' (IPv6 literal), and a "www."
// host needs another label after it.
func validHost(url string, www bool) bool {
	host := url
	if k := strings.IndexAny(host, "/?#"); k >= 0 {
		host = host[:k]
	}
	if host == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(host)
	if r != '[' && !isWordRune(r) {
		return false
	}
	if www {
		if !hasPrefixFold(host, "www.") {
			return false // "www." with its dot trimmed as punctuation
		}
		rest := host[len("www."):]
		k := strings.IndexByte(rest, '.')
		return k > 0 && k < len(rest)-1
	}
	return true
}
