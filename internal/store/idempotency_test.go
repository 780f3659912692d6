package store

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/idempotency"
)

// TestIdempotencyConformance runs the idempotency.Store contract against
// every configured backend (SQLite always, PostgreSQL under make test).
func TestIdempotencyConformance(t *testing.T) {
	t.Parallel()
	for _, name := range backendNames() {
		t.Run(name, func(t *testing.T) {
			st := backend(t, name)
			ctx := context.Background()
			now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			rec := func(scope, key string, fp byte, at time.Time) idempotency.Record {
				return idempotency.Record{Scope: scope, Key: key, Fingerprint: []byte{fp, 1, 2}, CreatedAt: at, ExpiresAt: at.Add(idempotency.TTL)}
			}
			stale := now.Add(-idempotency.Lease)
			if _, claimed, err := st.ClaimIdempotency(ctx, rec("usr_a", "k1", 1, now), stale); err != nil || !claimed {
				t.Fatalf("first claim = %v, %v; want claimed", claimed, err)
			}
			got, claimed, err := st.ClaimIdempotency(ctx, rec("usr_a", "k1", 9, now), stale)
			if err != nil || claimed || got.Status != 0 || !bytes.Equal(got.Fingerprint, []byte{1, 1, 2}) {
				t.Fatalf("second claim = %+v, %v, %v; want the unfinished first record", got, claimed, err)
			}
			if _, claimed, err := st.ClaimIdempotency(ctx, rec("usr_b", "k1", 1, now), stale); err != nil || !claimed {
				t.Fatalf("other principal's claim = %v, %v; want claimed (keys are per principal)", claimed, err)
			}
			if err := st.CompleteIdempotency(ctx, "usr_a", "k1", 201, []byte("sealed")); err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if err := st.CompleteIdempotency(ctx, "usr_a", "k1", 200, []byte("again")); !errors.Is(err, ErrNotFound) {
				t.Errorf("second Complete err = %v, want ErrNotFound (an answer is stored once)", err)
			}
			got, claimed, err = st.ClaimIdempotency(ctx, rec("usr_a", "k1", 1, now.Add(time.Hour)), now.Add(time.Hour-idempotency.Lease))
			if err != nil || claimed || got.Status != 201 || string(got.Response) != "sealed" || !got.ExpiresAt.Equal(now.Add(idempotency.TTL)) {
				t.Fatalf("claim after completion = %+v, %v, %v", got, claimed, err)
			}
			// Released keys run again; a finished one is not released.
			if err := st.ReleaseIdempotency(ctx, "usr_a", "k1"); err != nil {
				t.Fatal(err)
			}
			if _, claimed, _ := st.ClaimIdempotency(ctx, rec("usr_a", "k1", 1, now), stale); claimed {
				t.Error("Release deleted a finished record")
			}
			if err := st.ReleaseIdempotency(ctx, "usr_b", "k1"); err != nil {
				t.Fatal(err)
			}
			if _, claimed, err := st.ClaimIdempotency(ctx, rec("usr_b", "k1", 1, now), stale); err != nil || !claimed {
				t.Errorf("claim after release = %v, %v; want claimed", claimed, err)
			}
			// An unfinished claim older than the lease is taken over.
			later := now.Add(idempotency.Lease + time.Second)
			if _, claimed, err := st.ClaimIdempotency(ctx, rec("usr_b", "k1", 1, later), later.Add(-idempotency.Lease)); err != nil || !claimed {
				t.Errorf("claim of a stale unfinished key = %v, %v; want claimed", claimed, err)
			}
			// Expired records are replaced and purged.
			expired := now.Add(idempotency.TTL)
			if _, claimed, err := st.ClaimIdempotency(ctx, rec("usr_a", "k1", 7, expired), expired.Add(-idempotency.Lease)); err != nil || !claimed {
				t.Errorf("claim of an expired key = %v, %v; want claimed", claimed, err)
			}
			if _, claimed, _ := st.ClaimIdempotency(ctx, rec("usr_c", "k2", 1, now), stale); !claimed {
				t.Fatal("claim usr_c")
			}
			n, err := st.PurgeIdempotency(ctx, now.Add(idempotency.TTL+2*time.Minute))
			if err != nil || n != 1 {
				t.Errorf("Purge = %d, %v; want 1 (usr_c's key expired, the re-claimed ones not)", n, err)
			}
		})
	}
}

// TestIdempotencyClaimRace: of many concurrent claims of one key exactly one
// wins, on every backend.
func TestIdempotencyClaimRace(t *testing.T) {
	t.Parallel()
	for _, name := range backendNames() {
		t.Run(name, func(t *testing.T) {
			st := backend(t, name)
			now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			var wg sync.WaitGroup
			var mu sync.Mutex
			wins, errs := 0, 0
			for i := 0; i < 8; i++ {
				wg.Go(func() {
					_, claimed, err := st.ClaimIdempotency(context.Background(), idempotency.Record{Scope: "usr_a", Key: "race",
						Fingerprint: []byte{1}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, now.Add(-time.Minute))
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						errs++
						t.Errorf("claim: %v", err)
					}
					if claimed {
						wins++
					}
				})
			}
			wg.Wait()
			if wins != 1 {
				t.Errorf("%d claims won, want exactly 1", wins)
			}
		})
	}
}

// TestMigrateRefusesUnknownVersion: a database that recorded a migration
// this binary does not have is refused, and gaps in numbering are allowed.
func TestMigrateRefusesUnknownVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, "", dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(ctx, "", dir, Options{}); err == nil {
		s.Close()
		t.Fatal("Open accepted a database with an unknown migration")
	}
}
