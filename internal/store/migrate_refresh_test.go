package store

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// oldRefreshBase is when the first refresh family of the migration
// fixture started.
var oldRefreshBase = time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)

// oldRefreshRows are refresh tokens as releases before family lifetimes
// wrote them (no family_issued_at): family famOld was rotated twice (its
// rows are inserted newest first, so the oldest is not the first row),
// famNew holds one token, and famGone lost its first token to the purge.
var oldRefreshRows = []struct {
	hash, family string
	issued       time.Time
}{
	{"old-rt-3-0123456789abcdef0123456", "famOld", oldRefreshBase.Add(48 * time.Hour)},
	{"old-rt-1-0123456789abcdef0123456", "famOld", oldRefreshBase},
	{"old-rt-2-0123456789abcdef0123456", "famOld", oldRefreshBase.Add(24 * time.Hour)},
	{"new-rt-1-0123456789abcdef0123456", "famNew", oldRefreshBase.Add(10 * 24 * time.Hour)},
	{"gon-rt-2-0123456789abcdef0123456", "famGone", oldRefreshBase.Add(5 * 24 * time.Hour)},
}

// oldFamilyStart is the family start each family of oldRefreshRows must
// get from the migration: the issued_at of its oldest stored token.
var oldFamilyStart = map[string]time.Time{
	"famOld":  oldRefreshBase,
	"famNew":  oldRefreshBase.Add(10 * 24 * time.Hour),
	"famGone": oldRefreshBase.Add(5 * 24 * time.Hour),
}

// insertOldRefresh writes oldRefreshRows into a database at an earlier
// schema, with the columns those releases had.
func insertOldRefresh(t *testing.T, db *sql.DB) {
	t.Helper()
	for _, r := range oldRefreshRows {
		if _, err := db.ExecContext(context.Background(), `INSERT INTO refresh_tokens (hash, family_id, user_id, key_id, issued_at, expires_at)
			VALUES ($1, $2, 'usr_alice', 'key', $3, $4)`, []byte(r.hash), r.family, r.issued.UnixNano(), r.issued.Add(720*time.Hour).UnixNano()); err != nil {
			t.Fatal(err)
		}
	}
}

// checkMigratedRefresh checks that every token of oldRefreshRows reads back
// with its family's start after the migration, the rest unchanged.
func checkMigratedRefresh(t *testing.T, st *Store) {
	t.Helper()
	ctx := context.Background()
	for _, r := range oldRefreshRows {
		got, err := st.UseRefresh(ctx, []byte(r.hash), oldRefreshBase.Add(20*24*time.Hour))
		if err != nil {
			t.Errorf("UseRefresh(%s) after migration: %v", r.hash, err)
			continue
		}
		if want := oldFamilyStart[r.family]; !got.FamilyIssuedAt.Equal(want) {
			t.Errorf("%s (%s) FamilyIssuedAt = %v, want %v (its family's oldest issued_at)", r.hash, r.family, got.FamilyIssuedAt, want)
		}
		if !got.IssuedAt.Equal(r.issued) || !got.ExpiresAt.Equal(r.issued.Add(720*time.Hour)) || got.FamilyID != r.family {
			t.Errorf("%s after migration = %+v; want issued %v, expiring 720h later, in %s", r.hash, got, r.issued, r.family)
		}
	}
}
