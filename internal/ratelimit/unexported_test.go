package ratelimit

import (
	"testing"
	"time"
)

func TestCeilSeconds(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want int64
	}{{-5 * time.Second, 0}, {-1, 0}, {0, 0}, {1, 1}, {time.Second, 1}, {time.Second + 1, 2}, {90 * time.Second, 90}} {
		if got := ceilSeconds(c.d); got != c.want {
			t.Errorf("ceilSeconds(%v) = %d, want %d", c.d, got, c.want)
		}
	}
}

// TestSFStringEscapes: quotes and backslashes are escaped, printable ASCII
// (0x20 to 0x7e, both ends included) kept, everything else dropped.
func TestSFStringEscapes(t *testing.T) {
	in := "a\"b\\c d~\x1f\x7f\x00é\r\n"
	want := `"a\"b\\c d~"`
	if got := string(appendSFString(nil, in)); got != want {
		t.Errorf("appendSFString(%q) = %s, want %s", in, got, want)
	}
}

// TestShardCount: state is spread over the largest power of two of shards
// up to 64 that leaves every shard at least one key.
func TestShardCount(t *testing.T) {
	for _, c := range []struct{ maxKeys, shards, perShard int }{
		{0, 64, DefaultMaxKeys / 64}, {1, 1, 1}, {2, 2, 1}, {3, 2, 1}, {4, 4, 1}, {64, 64, 1}, {65, 64, 1}, {128, 64, 2},
	} {
		m := NewMemory(nil, c.maxKeys)
		if len(m.shards) != c.shards || m.shards[0].max != c.perShard || m.mask != uint64(c.shards-1) {
			t.Errorf("NewMemory(%d): %d shards of %d keys, mask %d; want %d of %d", c.maxKeys, len(m.shards), m.shards[0].max, m.mask, c.shards, c.perShard)
		}
	}
}
