package kv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/samo-brain/samo/internal/testdep"
)

// testClient returns a Client on SAMO_TEST_REDIS_URL (make test starts a
// throwaway Redis) with a prefix of its own, deleting its keys afterwards;
// it skips the test when the variable is unset.
func testClient(t testing.TB) *Client {
	t.Helper()
	url := testRedisURL(t)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	c, err := Open(url, Options{Prefix: "test:" + hex.EncodeToString(b[:]) + ":"})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.rdb.Scan(ctx, 0, c.prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		for len(keys) > 0 {
			n := min(len(keys), 500)
			_ = c.rdb.Del(ctx, keys[:n]...).Err()
			keys = keys[n:]
		}
		_ = c.Close()
	})
	return c
}

// testRedisURL returns SAMO_TEST_REDIS_URL or skips the test.
func testRedisURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("SAMO_TEST_REDIS_URL")
	if url == "" {
		testdep.Missing(t, "SAMO_TEST_REDIS_URL not set (make test starts a Redis)")
	}
	return url
}
