package store

import (
	"context"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/token"
	"github.com/samo-brain/samo/internal/token/tokentest"
)

func TestDenyLogConformance(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			tokentest.DenyLog(t, func(t *testing.T) token.DenyLog { return backend(t, name) })
			// The durable deny-list over this store passes the DenyList suite.
			tokentest.DenyList(t, func(t *testing.T) token.DenyList {
				d, err := token.NewDurableDenyList(context.Background(), token.NewMemoryStoreWith(token.MemoryOptions{}), backend(t, name), time.Now())
				if err != nil {
					t.Fatal(err)
				}
				return d
			})
		})
	}
}

// TestPurgeDenials: rows whose every token has expired go, the others stay.
func TestPurgeDenials(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			st, ctx := backend(t, name), context.Background()
			now := time.Now()
			for id, until := range map[string]time.Time{"old1": now.Add(-time.Hour), "old2": now.Add(-time.Second), "live": now.Add(time.Hour)} {
				if err := st.SaveDenial(ctx, id, until); err != nil {
					t.Fatal(err)
				}
			}
			if err := st.SaveCutoff(ctx, now.Add(-2*time.Hour), now.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			n, err := st.PurgeDenials(ctx, now)
			if err != nil || n != 2 {
				t.Errorf("PurgeDenials = %d, %v; want 2", n, err)
			}
			var rows, cutoffs int
			if err := st.queryRow(ctx, `SELECT COUNT(*) FROM token_denials`).Scan(&rows); err != nil || rows != 1 {
				t.Errorf("denials left: %d, %v; want 1", rows, err)
			}
			if err := st.queryRow(ctx, `SELECT COUNT(*) FROM token_cutoff`).Scan(&cutoffs); err != nil || cutoffs != 0 {
				t.Errorf("expired cut-off left: %d, %v", cutoffs, err)
			}
		})
	}
}
