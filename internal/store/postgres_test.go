package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/testdep"
	"github.com/samo-brain/samo/internal/token"
	"github.com/samo-brain/samo/internal/users"
)

// TestConcurrentWriters checks the read-then-write transactions that
// PostgreSQL (READ COMMITTED, concurrent writers) needs locks for. On SQLite
// they pass trivially; on PostgreSQL they failed before forUpdate/lockName.
func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	for name, st := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("RevokeRacesRotate", func(t *testing.T) { testRevokeRacesRotate(t, st) })
			t.Run("RevokeFamilyRacesCreate", func(t *testing.T) { testFamilyRace(t, st) })
			t.Run("SwapKeyringOnce", func(t *testing.T) { testSwapKeyringRace(t, st) })
		})
	}
}

// testRevokeRacesRotate: whatever the interleaving, a revoked key never
// ends up with a usable successor created after the revocation.
func testRevokeRacesRotate(t *testing.T, st *Store) {
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	u, _, err := users.Ensure(ctx, st, "racer", rbac.RoleUser, now)
	if err != nil {
		t.Fatal(err)
	}
	svc := apikey.NewService(apikey.Config{BackupCount: 1, CacheTTL: time.Nanosecond}, st, func() time.Time { return now })
	for i := range 20 {
		_, k, err := svc.Create(ctx, u.ID, fmt.Sprintf("k%d", i))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var revokeErr, rotateErr error
		var rotated apikey.Key
		wg.Go(func() { revokeErr = svc.Revoke(ctx, k.ID) })
		wg.Go(func() { _, rotated, rotateErr = svc.Rotate(ctx, k.ID, time.Hour) })
		wg.Wait()
		if revokeErr != nil {
			t.Fatalf("round %d: Revoke: %v", i, revokeErr)
		}
		if rotateErr != nil {
			continue // the revocation came first: fine
		}
		// The rotation came first: its successor is a separate key (revoking
		// the old one does not revoke it), and the old one must be revoked.
		old, err := st.KeyByID(ctx, k.ID)
		if err != nil || old.Status != apikey.StatusRevoked {
			t.Errorf("round %d: old key after revoke = %v, %v; want revoked", i, old.Status, err)
		}
		if rotated.ID == "" {
			t.Errorf("round %d: rotation succeeded without a new key", i)
		}
	}
}

// testFamilyRace: a refresh token created concurrently with its family's
// revocation is either refused or revoked, never live.
func testFamilyRace(t *testing.T, st *Store) {
	ctx := context.Background()
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for i := range 30 {
		fam := fmt.Sprintf("race-%d", i)
		sum := sha256.Sum256([]byte(fam))
		rec := token.RefreshRecord{Hash: sum[:], FamilyID: fam, UserID: "u", KeyID: "k", IssuedAt: at, ExpiresAt: at.Add(time.Hour)}
		var wg sync.WaitGroup
		var createErr, revokeErr error
		wg.Go(func() { createErr = st.CreateRefresh(ctx, rec) })
		wg.Go(func() { revokeErr = st.RevokeFamily(ctx, fam, at) })
		wg.Wait()
		if revokeErr != nil {
			t.Fatalf("round %d: RevokeFamily: %v", i, revokeErr)
		}
		if errors.Is(createErr, token.ErrRefreshRevoked) {
			continue
		}
		if createErr != nil {
			t.Fatalf("round %d: CreateRefresh: %v", i, createErr)
		}
		got, err := st.UseRefresh(ctx, rec.Hash, at)
		if err != nil || got.RevokedAt == nil {
			t.Errorf("round %d: token created beside a revocation: RevokedAt = %v, err %v; want revoked", i, got.RevokedAt, err)
		}
	}
}

// testSwapKeyringRace: of concurrent compare-and-swaps from one value,
// exactly one wins.
func testSwapKeyringRace(t *testing.T, st *Store) {
	ctx := context.Background()
	cur, err := st.InitKeyring(ctx, []byte("ring-0"))
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range n {
		wg.Go(func() {
			err := st.SwapKeyring(ctx, cur, fmt.Appendf(nil, "ring-%d", i+1))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, ErrKeyringChanged):
				t.Errorf("SwapKeyring: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent swaps from one value succeeded, want exactly 1", wins)
	}
}

func TestPostgresDSN(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"defaults added", "postgres://u:p@db:5432/samo", map[string]string{
			"statement_timeout": "5000", "connect_timeout": "5", "idle_in_transaction_session_timeout": "10000", "application_name": "samo"}},
		{"operator settings and TLS kept", "postgres://u:p@db/samo?sslmode=verify-full&statement_timeout=900&sslrootcert=/ca.pem",
			map[string]string{"sslmode": "verify-full", "statement_timeout": "900", "sslrootcert": "/ca.pem", "connect_timeout": "5"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := postgresDSN(c.in, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range c.want {
				if g := u.Query().Get(k); g != v {
					t.Errorf("%s = %q, want %q (dsn %s)", k, g, v, got)
				}
			}
			if p, _ := u.User.Password(); p != "p" {
				t.Errorf("password not kept")
			}
		})
	}
	if _, err := postgresDSN("postgres://u:secret@db/%zz", time.Second); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad URL: err = %v; want an error that does not echo the URL", err)
	}
}

// TestConcurrentFirstStart: replicas starting together on an empty
// database all migrate it successfully (one applies, the others wait).
func TestConcurrentFirstStart(t *testing.T) {
	t.Parallel()
	url := os.Getenv("SAMO_TEST_POSTGRES_URL")
	if url == "" {
		testdep.Missing(t, "SAMO_TEST_POSTGRES_URL not set (make test starts a PostgreSQL)")
	}
	for round := range 3 {
		first, err := openPostgresSchema(t, url) // creates an empty schema and migrates it
		if err != nil {
			t.Fatal(err)
		}
		var schema string
		if err := first.r.QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
			t.Fatal(err)
		}
		if _, err := first.w.Exec(`DROP SCHEMA ` + schema + ` CASCADE; CREATE SCHEMA ` + schema); err != nil {
			t.Fatal(err)
		}
		sep := "?"
		if strings.Contains(url, "?") {
			sep = "&"
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				st, err := Open(context.Background(), url+sep+"search_path="+schema, "", Options{MaxConns: 2})
				if err == nil {
					st.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d: replica %d failed to open a fresh database: %v", round, i, err)
			}
		}
	}
}
