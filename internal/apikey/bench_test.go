package apikey

import (
	"context"
	"testing"
	"time"
)

func BenchmarkParse(b *testing.B) {
	key := mustGenerate(b, DefaultLength)
	b.ReportAllocs()
	for b.Loop() {
		if err := Parse(key); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(DefaultLength); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticateCached is the hot path: a valid key found in the
// cache (the clock is frozen, so the entry never expires).
func BenchmarkAuthenticateCached(b *testing.B) {
	st := newFakeStore()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	svc := NewService(Config{IdleExpiry: 24 * time.Hour}, st, func() time.Time { return at })
	plain, _, err := svc.Create(context.Background(), "user", "bench")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Authenticate(ctx, plain); err != nil {
			b.Fatal(err)
		}
	}
	if n := st.Calls("KeyByHash"); n != 1 {
		b.Fatalf("KeyByHash calls = %d, want 1", n)
	}
}

// BenchmarkAuthenticateCachedParallel measures contention on the cache and
// the last-use batch.
func BenchmarkAuthenticateCachedParallel(b *testing.B) {
	st := newFakeStore()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	svc := NewService(Config{IdleExpiry: 24 * time.Hour}, st, func() time.Time { return at })
	plain, _, err := svc.Create(context.Background(), "user", "bench")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.Authenticate(ctx, plain); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
