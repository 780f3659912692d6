package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/token"
	"github.com/samo-brain/samo/internal/token/tokentest"
)

func TestRefreshStore(t *testing.T) {
	t.Parallel()
	for name, st := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
			rec := token.RefreshRecord{Hash: []byte("h1-0123456789abcdef0123456789ab"), FamilyID: "fam1", UserID: "u", KeyID: "k",
				IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
			if err := st.CreateRefresh(ctx, rec); err != nil {
				t.Fatal(err)
			}
			// Exactly one of many concurrent uses wins.
			var wg sync.WaitGroup
			var mu sync.Mutex
			wins, reuses := 0, 0
			for i := 0; i < 16; i++ {
				wg.Go(func() {
					got, err := st.UseRefresh(ctx, rec.Hash, now)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil && got.FamilyID == "fam1":
						wins++
					case errors.Is(err, token.ErrRefreshReused) && got.FamilyID == "fam1":
						reuses++
					default:
						t.Errorf("UseRefresh: %+v, %v", got, err)
					}
				})
			}
			wg.Wait()
			if wins != 1 || reuses != 15 {
				t.Errorf("wins %d reuses %d, want 1 and 15", wins, reuses)
			}
			if _, err := st.UseRefresh(ctx, []byte("unknown"), now); !errors.Is(err, token.ErrRefreshUnknown) {
				t.Errorf("unknown hash: %v", err)
			}
			if err := st.RevokeFamily(ctx, "fam1", now); err != nil {
				t.Fatal(err)
			}
			got, err := st.UseRefresh(ctx, rec.Hash, now)
			if got.RevokedAt == nil || !errors.Is(err, token.ErrRefreshReused) {
				t.Errorf("after revoke: RevokedAt %v, err %v", got.RevokedAt, err)
			}
			later := rec
			later.Hash = []byte("h2-0123456789abcdef0123456789ab")
			if err := st.CreateRefresh(ctx, later); !errors.Is(err, token.ErrRefreshRevoked) {
				t.Errorf("create in revoked family: %v, want ErrRefreshRevoked", err)
			}
			n, err := st.PurgeRefresh(ctx, now.Add(2*time.Hour))
			if err != nil || n != 1 {
				t.Errorf("PurgeRefresh = %d, %v; want 1", n, err)
			}
			var families int
			if err := st.queryRow(ctx, `SELECT COUNT(*) FROM refresh_families`).Scan(&families); err != nil || families != 0 {
				t.Errorf("revoked families left after their tokens were purged: %d, %v", families, err)
			}
		})
	}
}

func TestRefreshStoreConformance(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			tokentest.RefreshStore(t, func(t *testing.T) token.RefreshStore {
				return backend(t, name)
			})
		})
	}
}
