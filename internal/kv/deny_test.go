package kv

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/token"
	"github.com/samo-brain/samo/internal/token/tokentest"
)

func TestDenyListConformance(t *testing.T) {
	testRedisURL(t) // the parent skips (fails under CI=true), not only every subtest
	tokentest.DenyList(t, func(t *testing.T) token.DenyList { return testClient(t).DenyList(nil) })
}

func TestDenyListTTL(t *testing.T) {
	ctx := context.Background()
	c := testClient(t)
	d := c.DenyList(nil)
	now := time.Now()
	cases := []struct {
		name  string
		id    string
		until []time.Time // successive Deny calls
		want  time.Duration
	}{
		{"ttl from until", "jti-a", []time.Time{now.Add(time.Hour)}, time.Hour},
		{"later until extends", "jti-b", []time.Time{now.Add(time.Minute), now.Add(time.Hour)}, time.Hour},
		{"earlier until never shortens", "jti-c", []time.Time{now.Add(time.Hour), now.Add(time.Minute)}, time.Hour},
		{"past until stores nothing", "jti-d", []time.Time{now.Add(-time.Second)}, 0},
	}
	for _, cs := range cases {
		for _, u := range cs.until {
			if err := d.Deny(ctx, cs.id, u); err != nil {
				t.Fatalf("%s: Deny: %v", cs.name, err)
			}
		}
		ttl, err := c.rdb.PTTL(ctx, c.key("deny", cs.id)).Result()
		if err != nil {
			t.Fatal(err)
		}
		if cs.want == 0 {
			if ttl >= 0 {
				t.Errorf("%s: stored with TTL %v, want nothing", cs.name, ttl)
			}
			continue
		}
		if ttl > cs.want || ttl < cs.want-5*time.Second {
			t.Errorf("%s: TTL %v, want about %v", cs.name, ttl, cs.want)
		}
	}
	for _, id := range []string{"", strings.Repeat("x", 257)} {
		if err := d.Deny(ctx, id, now.Add(time.Hour)); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("Deny(%d-byte id) err = %v, want ErrInvalidInput", len(id), err)
		}
		if _, err := d.Denied(ctx, id); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("Denied(%d-byte id) err = %v, want ErrInvalidInput", len(id), err)
		}
	}
}

// TestIssuedBeforeStorage: the sign-out cut-off is one key that expires at
// until and never loses TTL to a shorter record, and a value SAMO did not
// write fails closed instead of reading as "no cut-off".
func TestIssuedBeforeStorage(t *testing.T) {
	ctx := context.Background()
	c := testClient(t)
	d := c.DenyList(nil)
	cut := time.Now().Truncate(time.Second)
	if err := d.DenyIssuedBefore(ctx, cut, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := d.DenyIssuedBefore(ctx, cut, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	ttl, err := c.rdb.PTTL(ctx, c.key("deny-before")).Result()
	if err != nil || ttl < time.Hour-time.Minute || ttl > time.Hour {
		t.Errorf("TTL = %v, %v; want about an hour", ttl, err)
	}
	for _, bad := range []string{"soon", "-5", "0"} {
		if err := c.rdb.Set(ctx, c.key("deny-before"), bad, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		if got, err := d.IssuedBefore(ctx); !errors.Is(err, ErrUnavailable) {
			t.Errorf("stored %q: IssuedBefore = %v, %v; want ErrUnavailable", bad, got, err)
		}
	}
}
