package token

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestRevokeAllWithoutIssuer: RevokeAll, with no Issuer or key, signs
// everyone out like Service.RevokeAll: every live family revoked, every
// access token issued before the next whole second refused by the
// Services on the deny-list, and the cut-off kept for c's MaxLifetime
// plus Leeway (the servers' longest token), not the default's.
func TestRevokeAllWithoutIssuer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSvc(t)
	a, b := s.issue(t), s.issue(t)
	bare, _, err := s.iss.Issue("user-2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.Authenticate(ctx, bare); err != nil { // caches no cut-off
		t.Fatal(err)
	}
	s.clk.Add(300 * time.Millisecond)
	c := Config{MaxLifetime: 72 * time.Hour}
	n, err := RevokeAll(ctx, c, s.store, s.store, s.clk.Now())
	if err != nil || n != 2 {
		t.Fatalf("RevokeAll = %d, %v; want the 2 live families", n, err)
	}
	s.clk.Add(cutoffRefresh)
	for name, tok := range map[string]string{"a": a.AccessToken, "b": b.AccessToken, "without a family": bare} {
		if _, err := s.svc.Authenticate(ctx, tok); !errors.Is(err, ErrRevoked) {
			t.Errorf("access token %s after RevokeAll = %v, want ErrRevoked", name, err)
		}
	}
	if _, err := s.svc.Refresh(ctx, a.RefreshToken); !errors.Is(err, ErrRefreshRevoked) {
		t.Errorf("refresh token after RevokeAll = %v, want ErrRefreshRevoked", err)
	}
	cutoff := t0.Add(time.Second)
	if got, err := s.store.IssuedBefore(ctx); err != nil || !got.Equal(cutoff) {
		t.Errorf("IssuedBefore = %v, %v; want the next whole second, %v", got, err, cutoff)
	}
	s.clk.Add(cutoff.Add(c.MaxLifetime + DefaultLeeway - time.Second).Sub(s.clk.Now()))
	if got, err := s.store.IssuedBefore(ctx); err != nil || got.IsZero() {
		t.Errorf("IssuedBefore a second before c's longest token expires = %v, %v; want the cut-off", got, err)
	}
	s.clk.Add(time.Second)
	if got, err := s.store.IssuedBefore(ctx); err != nil || !got.IsZero() {
		t.Errorf("IssuedBefore once c's longest token expired = %v, %v; want zero", got, err)
	}
}

func TestRevokeAllErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mem := NewMemoryStoreWith(MemoryOptions{})
	cases := []struct {
		name  string
		c     Config
		st    RefreshStore
		deny  DenyList
		want  error
		wantN int
	}{
		{"invalid config", Config{MaxLifetime: time.Millisecond}, mem, mem, ErrConfig, 0},
		{"no store", Config{}, nil, mem, ErrConfig, 0},
		{"no deny-list", Config{}, mem, nil, ErrConfig, 0},
		{"deny-list down", Config{}, mem, failingStore{}, ErrUnavailable, 0},
		{"store down", Config{}, failingStore{}, mem, ErrUnavailable, 0},
	}
	for _, c := range cases {
		if n, err := RevokeAll(ctx, c.c, c.st, c.deny, t0); !errors.Is(err, c.want) || n != c.wantN {
			t.Errorf("%s: RevokeAll = %d, %v; want %d, %v", c.name, n, err, c.wantN, c.want)
		}
	}
}
