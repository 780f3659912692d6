// Package testredis gives a test a Redis logical database of its own on
// a shared test server: one of 1..255, taken in turn through a counter
// in database 0, emptied before the test and after it. Tests that run in
// parallel against one server therefore do not see each other's keys.
//
//	url := testredis.Reserve(t) // SAMO_TEST_REDIS_URL with the test's database
package testredis

import (
	"context"
	"net/url"
	"os"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/samo-brain/samo/internal/testdep"
)

// Reserve returns SAMO_TEST_REDIS_URL pointing at a database of the
// test's own (DB). Without SAMO_TEST_REDIS_URL it goes through
// testdep.Missing: a skip, a failure under CI.
func Reserve(t testing.TB) string {
	t.Helper()
	raw := os.Getenv("SAMO_TEST_REDIS_URL")
	if raw == "" {
		testdep.Missing(t, "SAMO_TEST_REDIS_URL not set (make test starts a Redis)")
	}
	return DB(t, raw)
}

// DB returns serverURL pointing at a logical database (1..255) of the
// test's own, emptied now and when the test ends.
func DB(t testing.TB, serverURL string) string {
	t.Helper()
	opt, err := redis.ParseURL(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c0 := redis.NewClient(opt)
	n, err := c0.Incr(ctx, "samo-test:next-db").Result()
	_ = c0.Close()
	if err != nil {
		t.Fatalf("testredis: reserve a database: %v", err)
	}
	opt.DB = int(1 + (n-1)%255)
	c := redis.NewClient(opt)
	if err := c.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.FlushDB(context.Background()).Err(); _ = c.Close() })
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + strconv.Itoa(opt.DB)
	return u.String()
}
