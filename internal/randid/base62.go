package randid

import (
	"crypto/rand"
	"time"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Base62 returns prefix followed by 16 random base62 characters (≈95 bits).
func Base62(prefix string) string {
	b := make([]byte, len(prefix)+16)
	copy(b, prefix)
	fillRandom(b[len(prefix):])
	return string(b)
}

// timeChars is the width of Timed's time part: 62^9 > 2^53 ms, so the
// part never overflows before the year 287,000.
const timeChars = 9

// Timed returns prefix followed by t's Unix milliseconds in 9 base62
// characters and 16 random base62 characters (≈95 bits): ids sort by their
// creation time (to the millisecond) and are as hard to guess as Base62's.
// The base62 alphabet is in ASCII order, so byte order is numeric order and
// such ids are appended to the end of a B-tree index rather than scattered.
func Timed(prefix string, t time.Time) string {
	b := make([]byte, len(prefix)+timeChars+16)
	copy(b, prefix)
	ms := uint64(max(t.UnixMilli(), 0))
	for i := len(prefix) + timeChars - 1; i >= len(prefix); i-- {
		b[i] = base62[ms%62]
		ms /= 62
	}
	fillRandom(b[len(prefix)+timeChars:])
	return string(b)
}

// fillRandom fills r with uniformly random base62 characters.
func fillRandom(r []byte) {
	for i := 0; i < len(r); {
		var buf [32]byte
		_, _ = rand.Read(buf[:]) // crypto/rand.Read never fails
		for _, c := range buf {
			if c < 248 && i < len(r) { // 248 = 4*62: no modulo bias
				r[i] = base62[c%62]
				i++
			}
		}
	}
}
