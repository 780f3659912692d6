package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/mfa"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/users"
)

// testTOTPLock is the conformance suite of the per-user limit on codes
// (mfa.Store.ReserveTOTP): each reservation counts one failure and stores
// the lock the rule gives for the new count; a lock that runs past now
// refuses without counting; an accepted step, a new enrolment and a delete
// clear both; parallel reservations each see the ones before them.
func testTOTPLock(t *testing.T, st *Store) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	u, _, err := users.Ensure(ctx, st, "totp-lock-user", rbac.RoleAnalyst, now)
	if err != nil {
		t.Fatal(err)
	}
	// every3 locks for an hour at every third failure.
	var asked []int
	every3 := func(n int) time.Time {
		asked = append(asked, n)
		if n%3 == 0 {
			return now.Add(time.Hour)
		}
		return time.Time{}
	}
	if _, _, err := st.ReserveTOTP(ctx, u.ID, now, every3); !errors.Is(err, mfa.ErrNotEnrolled) {
		t.Fatalf("ReserveTOTP before enrolment: %v, want mfa.ErrNotEnrolled", err)
	}
	if err := st.PutTOTP(ctx, mfa.Enrolment{UserID: u.ID, Sealed: []byte("s1"), KeyID: "k", LastStep: 10, EnrolledAt: now}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		e, counted, err := st.ReserveTOTP(ctx, u.ID, now, every3)
		if err != nil || !counted || e.Failures != i || string(e.Sealed) != "s1" || e.LastStep != 10 {
			t.Fatalf("reservation %d = %+v, %v, %v; want counted with %d failures and the enrolment", i, e, counted, err, i)
		}
		if locked := !e.LockedUntil.IsZero(); locked != (i == 3) || (locked && !e.LockedUntil.Equal(now.Add(time.Hour))) {
			t.Fatalf("reservation %d: lock %v", i, e.LockedUntil)
		}
	}
	if len(asked) != 3 || asked[2] != 3 {
		t.Errorf("the rule was asked for %v, want 1 2 3", asked)
	}
	// Locked: refused, nothing counted, the rule not asked.
	e, counted, err := st.ReserveTOTP(ctx, u.ID, now.Add(time.Hour-time.Nanosecond), every3)
	if err != nil || counted || e.Failures != 3 || !e.LockedUntil.Equal(now.Add(time.Hour)) || len(asked) != 3 {
		t.Fatalf("reservation while locked = %+v, %v, %v; want refused with 3 failures", e, counted, err)
	}
	if got, err := st.TOTP(ctx, u.ID); err != nil || got.Failures != 3 || !got.LockedUntil.Equal(now.Add(time.Hour)) {
		t.Errorf("TOTP while locked = %+v, %v", got, err)
	}
	// At the end of the lock the count goes on.
	if e, counted, err := st.ReserveTOTP(ctx, u.ID, now.Add(time.Hour), every3); err != nil || !counted || e.Failures != 4 || !e.LockedUntil.IsZero() {
		t.Fatalf("reservation at the end of the lock = %+v, %v, %v; want counted, 4 failures, no lock", e, counted, err)
	}
	// An accepted step clears the count and the lock; a refused one does not.
	for range 2 { // the 6th locks
		if _, _, err := st.ReserveTOTP(ctx, u.ID, now.Add(time.Hour), every3); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := st.AdvanceTOTP(ctx, u.ID, []byte("s1"), 10); ok || err != nil {
		t.Fatalf("replayed advance = %v, %v", ok, err)
	}
	if got, _ := st.TOTP(ctx, u.ID); got.Failures != 6 || got.LockedUntil.IsZero() {
		t.Errorf("after a refused advance: %+v, want 6 failures and the lock", got)
	}
	if ok, err := st.AdvanceTOTP(ctx, u.ID, []byte("s1"), 11); !ok || err != nil {
		t.Fatalf("advance = %v, %v", ok, err)
	}
	if got, _ := st.TOTP(ctx, u.ID); got.Failures != 0 || !got.LockedUntil.IsZero() || got.LastStep != 11 {
		t.Errorf("after an accepted step: %+v, want no failures and no lock", got)
	}
	// A new enrolment (on conflict) starts at zero.
	for range 3 {
		if _, _, err := st.ReserveTOTP(ctx, u.ID, now, every3); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.PutTOTP(ctx, mfa.Enrolment{UserID: u.ID, Sealed: []byte("s2"), KeyID: "k", LastStep: 20, EnrolledAt: now,
		Failures: 7, LockedUntil: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.TOTP(ctx, u.ID); got.Failures != 0 || !got.LockedUntil.IsZero() || string(got.Sealed) != "s2" {
		t.Errorf("after re-enrolment: %+v, want no failures and no lock", got)
	}
	// A delete (an admin's reset) takes the count and the lock with it.
	for range 3 {
		if _, _, err := st.ReserveTOTP(ctx, u.ID, now, every3); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := st.DeleteTOTP(ctx, u.ID); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := st.PutTOTP(ctx, mfa.Enrolment{UserID: u.ID, Sealed: []byte("s3"), KeyID: "k", EnrolledAt: now}); err != nil {
		t.Fatal(err)
	}
	if e, counted, err := st.ReserveTOTP(ctx, u.ID, now, every3); err != nil || !counted || e.Failures != 1 {
		t.Errorf("first reservation after delete and enrolment = %+v, %v, %v; want 1 failure", e, counted, err)
	}
	// Parallel reservations, from zero (an accepted step): with a lock at
	// the 10th, exactly 10 of 50 count; a lost update would let more in.
	if ok, err := st.AdvanceTOTP(ctx, u.ID, []byte("s3"), 1); !ok || err != nil {
		t.Fatal(ok, err)
	}
	var wg sync.WaitGroup
	var n atomic.Int64
	at10 := func(f int) time.Time {
		if f == 10 {
			return now.Add(time.Hour)
		}
		return time.Time{}
	}
	for range 50 {
		wg.Go(func() {
			_, counted, err := st.ReserveTOTP(ctx, u.ID, now, at10)
			if err != nil {
				t.Error(err)
			}
			if counted {
				n.Add(1)
			}
		})
	}
	wg.Wait()
	if got, _ := st.TOTP(ctx, u.ID); n.Load() != 10 || got.Failures != 10 {
		t.Errorf("%d of 50 parallel reservations counted, %d failures stored; want 10 and 10", n.Load(), got.Failures)
	}
}

// TestMigrateTOTPLock: a database of the release before migration 16,
// with an enrolled user, migrates on each backend; the enrolment is kept,
// with no failures and no lock, and its attempts are counted.
func TestMigrateTOTPLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	check := func(t *testing.T, st *Store) {
		t.Helper()
		if pend, err := st.pending(ctx); err != nil || len(pend) != 0 {
			t.Fatalf("after migrating: %d migrations pending, %v", len(pend), err)
		}
		e, err := st.TOTP(ctx, "usr_old")
		if err != nil || string(e.Sealed) != "sealed" || e.LastStep != 7 || e.Failures != 0 || !e.LockedUntil.IsZero() {
			t.Fatalf("the old enrolment = %+v, %v; want kept, no failures, no lock", e, err)
		}
		if e, counted, err := st.ReserveTOTP(ctx, "usr_old", time.Now(), func(int) time.Time { return time.Time{} }); err != nil || !counted || e.Failures != 1 {
			t.Errorf("ReserveTOTP after migrating = %+v, %v, %v", e, counted, err)
		}
	}
	testUpgrade(t, func(v int) bool { return v == 16 }, []string{
		`INSERT INTO users (id, name, role, created_at) VALUES ('usr_old', 'old-admin', 'admin', 1)`,
		`INSERT INTO user_totp (user_id, secret_sealed, secret_key_id, last_step, enrolled_at) VALUES ('usr_old', 'sealed', 'k', 7, 1)`,
	}, check)
}
