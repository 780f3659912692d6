package auth

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/users"
)

type oneUser struct{}

func (oneUser) UserByID(_ context.Context, id string) (users.User, error) {
	return users.User{ID: id}, nil
}

// TestUserCacheBounded: the cache is cleared once it holds more than 10000
// users, rather than growing with every user ever seen.
func TestUserCacheBounded(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ before, after int }{{10000, 10001}, {10001, 1}} {
		a := New(nil, nil, oneUser{}, func() time.Time { return now })
		for i := range tc.before {
			a.cache[strconv.Itoa(i)] = cachedUser{expires: now.Add(time.Hour)}
		}
		if _, err := a.user(context.Background(), "new"); err != nil {
			t.Fatal(err)
		}
		if len(a.cache) != tc.after {
			t.Errorf("%d cached users, then one more: %d cached, want %d", tc.before, len(a.cache), tc.after)
		}
	}
}
