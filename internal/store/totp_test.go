package store

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/mfa"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/users"
)

// testTOTP is the conformance suite of mfa.Store: enrolments replace each
// other, the last step only moves forward and only for the stored secret,
// exactly one of concurrent advances to the same step wins, and challenges
// count failures atomically and end once.
func testTOTP(t *testing.T, st *Store) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	u, _, err := users.Ensure(ctx, st, "totp-user", rbac.RoleAdmin, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.TOTP(ctx, u.ID); !errors.Is(err, mfa.ErrNotEnrolled) {
		t.Fatalf("TOTP before enrolment: %v, want mfa.ErrNotEnrolled", err)
	}
	e := mfa.Enrolment{UserID: u.ID, Sealed: []byte("sealed-1"), KeyID: "k1", LastStep: 100, EnrolledAt: now}
	if err := st.PutTOTP(ctx, e); err != nil {
		t.Fatal(err)
	}
	got, err := st.TOTP(ctx, u.ID)
	if err != nil || !bytes.Equal(got.Sealed, e.Sealed) || got.KeyID != "k1" || got.LastStep != 100 || !got.EnrolledAt.Equal(now) {
		t.Fatalf("TOTP = %+v, %v; want %+v", got, err, e)
	}
	// Compare-and-set: only forward, only for the stored secret.
	for _, c := range []struct {
		name   string
		sealed string
		step   int64
		want   bool
	}{
		{"same step (replay)", "sealed-1", 100, false},
		{"earlier step", "sealed-1", 99, false},
		{"another secret", "sealed-x", 101, false},
		{"next step", "sealed-1", 101, true},
		{"that step again", "sealed-1", 101, false},
	} {
		ok, err := st.AdvanceTOTP(ctx, u.ID, []byte(c.sealed), c.step)
		if err != nil || ok != c.want {
			t.Errorf("AdvanceTOTP %s = %v, %v; want %v", c.name, ok, err, c.want)
		}
	}
	// Two replicas with the same code: exactly one wins.
	var wg sync.WaitGroup
	wins := make(chan bool, 8)
	for range 8 {
		wg.Go(func() {
			ok, err := st.AdvanceTOTP(ctx, u.ID, []byte("sealed-1"), 102)
			if err != nil {
				t.Error(err)
			}
			wins <- ok
		})
	}
	wg.Wait()
	close(wins)
	n := 0
	for ok := range wins {
		if ok {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d of 8 concurrent advances to one step won, want 1", n)
	}
	// Re-enrolment replaces the secret and its step.
	e2 := mfa.Enrolment{UserID: u.ID, Sealed: []byte("sealed-2"), KeyID: "k2", LastStep: 50, EnrolledAt: now.Add(time.Hour)}
	if err := st.PutTOTP(ctx, e2); err != nil {
		t.Fatal(err)
	}
	if got, err := st.TOTP(ctx, u.ID); err != nil || string(got.Sealed) != "sealed-2" || got.LastStep != 50 || got.KeyID != "k2" {
		t.Errorf("after re-enrolment: %+v, %v", got, err)
	}
	if ok, err := st.AdvanceTOTP(ctx, u.ID, []byte("sealed-1"), 200); ok || err != nil {
		t.Errorf("advance with the replaced secret = %v, %v; want false", ok, err)
	}
	if ok, err := st.DeleteTOTP(ctx, u.ID); !ok || err != nil {
		t.Errorf("DeleteTOTP = %v, %v", ok, err)
	}
	if ok, err := st.DeleteTOTP(ctx, u.ID); ok || err != nil {
		t.Errorf("DeleteTOTP again = %v, %v; want false", ok, err)
	}
	if _, err := st.TOTP(ctx, u.ID); !errors.Is(err, mfa.ErrNotEnrolled) {
		t.Errorf("TOTP after delete: %v", err)
	}

	// Challenges.
	h1, h2 := []byte("hash-one-0123456789abcdef0123456"), []byte("hash-two-0123456789abcdef0123456")
	if err := st.CreateChallenge(ctx, h1, mfa.Challenge{UserID: u.ID, KeyID: "key1", Created: now}, now.Add(-5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	c, err := st.Challenge(ctx, h1)
	if err != nil || c.UserID != u.ID || c.KeyID != "key1" || !c.Created.Equal(now) || c.Failures != 0 {
		t.Fatalf("Challenge = %+v, %v", c, err)
	}
	var fwg sync.WaitGroup
	for range 4 {
		fwg.Go(func() {
			if _, err := st.FailChallenge(ctx, h1); err != nil {
				t.Error(err)
			}
		})
	}
	fwg.Wait()
	if n, err := st.FailChallenge(ctx, h1); n != 5 || err != nil {
		t.Errorf("fifth FailChallenge = %d, %v; want 5 (failures counted atomically)", n, err)
	}
	// A later challenge purges those older than its purge time.
	later := now.Add(6 * time.Minute)
	if err := st.CreateChallenge(ctx, h2, mfa.Challenge{UserID: u.ID, KeyID: "key1", Created: later}, later.Add(-5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Challenge(ctx, h1); !errors.Is(err, mfa.ErrNoChallenge) {
		t.Errorf("expired challenge after purge: %v, want mfa.ErrNoChallenge", err)
	}
	if _, err := st.FailChallenge(ctx, h1); !errors.Is(err, mfa.ErrNoChallenge) {
		t.Errorf("FailChallenge of a purged challenge: %v", err)
	}
	if ok, err := st.DeleteChallenge(ctx, h2); !ok || err != nil {
		t.Errorf("DeleteChallenge = %v, %v", ok, err)
	}
	if ok, err := st.DeleteChallenge(ctx, h2); ok || err != nil {
		t.Errorf("DeleteChallenge again = %v, %v; want false (used once)", ok, err)
	}
}

// TestSealedColumnsCoverTOTP: key rotation sees TOTP secrets (CountSealed
// counts them under their key, SealedBatch lists them, ReplaceSealed swaps
// them with compare-and-swap), so it never retires a key that still seals
// a second factor.
func TestSealedColumnsCoverTOTP(t *testing.T) {
	t.Parallel()
	for name, st := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			u, _, err := users.Ensure(ctx, st, "sealed-totp", rbac.RoleAnalyst, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if err := st.PutTOTP(ctx, mfa.Enrolment{UserID: u.ID, Sealed: []byte("old"), KeyID: "oldkey", EnrolledAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
			counts, err := st.CountSealed(ctx)
			if err != nil || counts["oldkey"] != 1 {
				t.Fatalf("CountSealed = %v, %v; want oldkey: 1", counts, err)
			}
			batch, err := st.SealedBatch(ctx, ColumnTOTPSecret, "newkey", "", 10)
			if err != nil || len(batch) != 1 || batch[0].ID != u.ID || string(batch[0].Value) != "old" {
				t.Fatalf("SealedBatch = %+v, %v", batch, err)
			}
			if ok, err := st.ReplaceSealed(ctx, ColumnTOTPSecret, u.ID, []byte("stale"), []byte("new"), "newkey"); ok || err != nil {
				t.Errorf("ReplaceSealed with a stale old value = %v, %v; want false", ok, err)
			}
			if ok, err := st.ReplaceSealed(ctx, ColumnTOTPSecret, u.ID, []byte("old"), []byte("new"), "newkey"); !ok || err != nil {
				t.Errorf("ReplaceSealed = %v, %v", ok, err)
			}
			if e, err := st.TOTP(ctx, u.ID); err != nil || string(e.Sealed) != "new" || e.KeyID != "newkey" {
				t.Errorf("after ReplaceSealed: %+v, %v", e, err)
			}
			if _, err := st.SealedBatch(ctx, "users.name", "k", "", 1); !errors.Is(err, ErrUnknownColumn) {
				t.Errorf("unknown column: %v", err)
			}
		})
	}
}

// TestMigrateTOTPFromPreviousSchema opens a database that the previous
// release wrote (every migration but 13, second factors: numbers land out
// of order, so 14 may be there already), with a user in it, on each
// backend: it migrates, the user has no second factor, and can enrol.
func TestMigrateTOTPFromPreviousSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	check := func(t *testing.T, st *Store) {
		t.Helper()
		if pend, err := st.pending(ctx); err != nil || len(pend) != 0 {
			t.Fatalf("after migrating: %d migrations pending, %v", len(pend), err)
		}
		u, err := st.UserByName(ctx, "old-admin")
		if err != nil {
			t.Fatalf("the old release's user: %v", err)
		}
		if _, err := st.TOTP(ctx, u.ID); !errors.Is(err, mfa.ErrNotEnrolled) {
			t.Errorf("TOTP of an old user = %v, want mfa.ErrNotEnrolled", err)
		}
		if err := st.PutTOTP(ctx, mfa.Enrolment{UserID: u.ID, Sealed: []byte("s"), KeyID: "k", EnrolledAt: time.Now()}); err != nil {
			t.Errorf("enrol an old user: %v", err)
		}
	}
	// The previous release had no migration 13 (16 changes 13's table).
	testUpgrade(t, func(v int) bool { return v == 13 || v == 16 }, []string{
		`INSERT INTO users (id, name, role, created_at) VALUES ('usr_old', 'old-admin', 'admin', 1)`,
	}, check)
}
