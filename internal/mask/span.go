package mask

import (
	"slices"
	"unicode/utf8"
)

const numTypes = 7

// typeIndex returns t's position in AllTypes (its overlap priority), or -1.
func typeIndex(t EntityType) int {
	switch t {
	case URL:
		return 0
	case EmailAddress:
		return 1
	case IBANCode:
		return 2
	case CreditCard:
		return 3
	case USSSN:
		return 4
	case IPAddress:
		return 5
	case PhoneNumber:
		return 6
	}
	return -1
}

// span is a candidate entity in byte offsets of the text, end exclusive.
type span struct {
	typ        EntityType
	start, end int
}

// resolve sorts candidates by position and drops overlapping ones. Within a
// group of mutually overlapping candidates the longest wins, then the one
// whose type comes first in AllTypes, then the leftmost; a URL therefore
// keeps the email address or IP address inside it, and a whole IBAN wins
// over a digit run inside it that looks like a phone number.
func resolve(c []span) []span {
	if len(c) < 2 {
		return c
	}
	slices.SortFunc(c, func(a, b span) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return b.end - a.end
	})
	out := c[:0:0]
	for i := 0; i < len(c); {
		// Collect the cluster of candidates transitively overlapping c[i].
		j, end := i+1, c[i].end
		for j < len(c) && c[j].start < end {
			end = max(end, c[j].end)
			j++
		}
		if j == i+1 {
			out = append(out, c[i])
		} else {
			out = append(out, pick(c[i:j])...)
		}
		i = j
	}
	return out
}

// pick chooses disjoint spans from one overlapping cluster, greedily by
// length, type priority and position, and returns them sorted by position.
func pick(cluster []span) []span {
	order := slices.Clone(cluster)
	slices.SortFunc(order, func(a, b span) int {
		if la, lb := a.end-a.start, b.end-b.start; la != lb {
			return lb - la
		}
		if pa, pb := typeIndex(a.typ), typeIndex(b.typ); pa != pb {
			return pa - pb
		}
		return a.start - b.start
	})
	base := cluster[0].start
	var hi int
	for _, s := range cluster {
		hi = max(hi, s.end)
	}
	taken := make([]bool, hi-base)
	var chosen []span
	for _, s := range order {
		if slices.Contains(taken[s.start-base:s.end-base], true) {
			continue
		}
		for k := s.start - base; k < s.end-base; k++ {
			taken[k] = true
		}
		chosen = append(chosen, s)
	}
	slices.SortFunc(chosen, func(a, b span) int { return a.start - b.start })
	return chosen
}

// toEntities converts sorted, disjoint byte spans to rune offsets in one
// pass over text.
func toEntities(text string, spans []span) []Entity {
	if len(spans) == 0 {
		return nil
	}
	out := make([]Entity, len(spans))
	pos, runes := 0, 0
	advance := func(to int) int {
		runes += utf8.RuneCountInString(text[pos:to])
		pos = to
		return runes
	}
	for i, s := range spans {
		out[i] = Entity{Type: s.typ, Start: advance(s.start), End: advance(s.end)}
	}
	return out
}
