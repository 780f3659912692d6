package ratelimit

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCeilSeconds(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
	in := "a\"b\\c d~\x1f\x7f\x00é\r\n"
	want := `"a\"b\\c d~"`
	if got := string(appendSFString(nil, in)); got != want {
		t.Errorf("appendSFString(%q) = %s, want %s", in, got, want)
	}
}

// TestShardCount: state is spread over the largest power of two of shards
// up to 64 that leaves every shard at least one key.
func TestShardCount(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ maxKeys, shards, perShard int }{
		{0, 64, DefaultMaxKeys / 64}, {1, 1, 1}, {2, 2, 1}, {3, 2, 1}, {4, 4, 1}, {64, 64, 1}, {65, 64, 1}, {128, 64, 2},
	} {
		m := NewMemory(nil, c.maxKeys)
		if len(m.shards) != c.shards || m.shards[0].max != c.perShard || m.mask != uint64(c.shards-1) {
			t.Errorf("NewMemory(%d): %d shards of %d keys, mask %d; want %d of %d", c.maxKeys, len(m.shards), m.shards[0].max, m.mask, c.shards, c.perShard)
		}
	}
}

// TestPolicyBounds: Validate and the hot-path check agree on the edges.
func TestPolicyBounds(t *testing.T) {
	for _, c := range []struct {
		p  Policy
		ok bool
	}{
		{Policy{Name: "a", Limit: 1, Window: time.Second}, true},
		{Policy{Name: "a", Limit: MaxLimit, Window: MaxWindow}, true},
		{Policy{Name: "a", Limit: 0, Window: time.Second}, false},
		{Policy{Name: "a", Limit: MaxLimit + 1, Window: time.Second}, false},
		{Policy{Name: "a", Limit: 1, Window: time.Second - 1}, false},
		{Policy{Name: "a", Limit: 1, Window: MaxWindow + 1}, false},
		{Policy{Name: "", Limit: 1, Window: time.Second}, false},
		{Policy{Name: "a b", Limit: 1, Window: time.Second}, false},
	} {
		if err := c.p.Validate(); (err == nil) != c.ok || c.p.valid() != c.ok {
			t.Errorf("%+v: Validate = %v, valid = %v; want ok %v", c.p, err, c.p.valid(), c.ok)
		}
	}
}

// singleShard returns a Memory whose state is one shard of capacity n.
func singleShard(now func() time.Time, n int) *Memory {
	m := NewMemory(now, 0)
	m.shards, m.mask = m.shards[:1], 0
	m.shards[0].max = n
	return m
}

// TestMemoryTouchKeepsRecentKeys: using a key makes it the most recently
// used, so the next insertion into a full shard evicts another one.
func TestMemoryTouchKeepsRecentKeys(t *testing.T) {
	m := singleShard(nil, 3)
	p := Policy{Name: "p", Limit: 10, Window: time.Minute}
	ctx := t.Context()
	for _, k := range []string{"a", "b", "c", "a", "d"} { // "a" used again: "b" is now the oldest
		if _, err := m.Allow(ctx, k, p); err != nil {
			t.Fatal(err)
		}
	}
	s := &m.shards[0]
	for k, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if _, ok := s.m[stateKey{"p", k}]; ok != want {
			t.Errorf("key %q held: %v, want %v", k, ok, want)
		}
	}
}

// TestMemoryLogGrowth: a key's log grows by doubling from 4 slots, up to
// the policy's limit, never beyond.
func TestMemoryLogGrowth(t *testing.T) {
	m := singleShard(nil, 10)
	ctx := t.Context()
	for _, c := range []struct {
		limit int
		sizes []int // log length after each request
	}{
		{20, []int{4, 4, 4, 4, 8, 8, 8, 8, 16, 16, 16, 16, 16, 16, 16, 16, 20}},
		{3, []int{3, 3, 3}},
	} {
		p := Policy{Name: "p" + strconv.Itoa(c.limit), Limit: c.limit, Window: time.Hour}
		for i, want := range c.sizes {
			if _, err := m.Allow(ctx, "k", p); err != nil {
				t.Fatal(err)
			}
			if got := len(m.shards[0].m[stateKey{p.Name, "k"}].log); got != want {
				t.Errorf("limit %d, request %d: log of %d slots, want %d", c.limit, i+1, got, want)
			}
		}
	}
}

// TestPolicyNameCharacters: the edges of each allowed range, and the
// characters just outside them.
func TestPolicyNameCharacters(t *testing.T) {
	for _, s := range []string{"a", "z", "A", "Z", "0", "9", "_", ".", "-", strings.Repeat("n", maxNameLen)} {
		if !validName(s) {
			t.Errorf("validName(%q) = false", s)
		}
	}
	for _, s := range []string{"`", "{", "@", "[", "/", ":", " ", "\"", "é", "", strings.Repeat("n", maxNameLen+1)} {
		if validName(s) {
			t.Errorf("validName(%q) = true", s)
		}
	}
}
