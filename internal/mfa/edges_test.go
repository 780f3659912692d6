package mfa_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/mfa"
)

// faultStore is the real store with faults injected into some calls.
type faultStore struct {
	mfa.Store
	deleteErr error // DeleteChallenge fails with it
	totpErr   error // TOTP fails with it
	// afterReserve runs after each successful ReserveTOTP, before the
	// enrolment it read is returned (another replica acting meanwhile).
	afterReserve func(e mfa.Enrolment)
}

func (s *faultStore) DeleteChallenge(ctx context.Context, hash []byte) (bool, error) {
	if s.deleteErr != nil {
		return false, s.deleteErr
	}
	return s.Store.DeleteChallenge(ctx, hash)
}

func (s *faultStore) TOTP(ctx context.Context, userID string) (mfa.Enrolment, error) {
	if s.totpErr != nil {
		return mfa.Enrolment{}, s.totpErr
	}
	return s.Store.TOTP(ctx, userID)
}

func (s *faultStore) ReserveTOTP(ctx context.Context, userID string, now time.Time, lock func(int) time.Time) (mfa.Enrolment, bool, error) {
	e, counted, err := s.Store.ReserveTOTP(ctx, userID, now, lock)
	if err == nil && s.afterReserve != nil {
		s.afterReserve(e)
	}
	return e, counted, err
}

// hashOf is the store key of a challenge id (its SHA-256).
func hashOf(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

// TestChallengeRows checks the challenges' rows in the store: starting one
// purges expired ones and keeps live ones; the last allowed failure
// deletes the row; a row that reached MaxFailures another way is not live.
func TestChallengeRows(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	old, err := f.svc.StartChallenge(ctx, f.user.ID, "key_1")
	if err != nil {
		t.Fatal(err)
	}
	f.clk.Add(mfa.ChallengeTTL + time.Second)
	live, err := f.svc.StartChallenge(ctx, f.other.ID, "key_2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Challenge(ctx, hashOf(old)); !errors.Is(err, mfa.ErrNoChallenge) {
		t.Errorf("an expired challenge's row after a new start: %v, want it purged", err)
	}
	if _, err := f.svc.StartChallenge(ctx, f.user.ID, "key_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Challenge(ctx, hashOf(live)); err != nil {
		t.Errorf("a live challenge's row after another start: %v, want it kept", err)
	}

	for range mfa.MaxFailures {
		if _, err := f.svc.FailChallenge(ctx, live); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.st.Challenge(ctx, hashOf(live)); !errors.Is(err, mfa.ErrNoChallenge) {
		t.Errorf("the row after %d failures: %v, want it deleted", mfa.MaxFailures, err)
	}

	// Failures counted straight in the store (two replicas racing past
	// the limit): the challenge is over at MaxFailures.
	id, err := f.svc.StartChallenge(ctx, f.user.ID, "key_1")
	if err != nil {
		t.Fatal(err)
	}
	for range mfa.MaxFailures - 1 {
		if _, err := f.st.FailChallenge(ctx, hashOf(id)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Challenge(ctx, id); err != nil {
		t.Fatalf("a challenge with %d failures: %v, want it live", mfa.MaxFailures-1, err)
	}
	if _, err := f.st.FailChallenge(ctx, hashOf(id)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Challenge(ctx, id); !errors.Is(err, mfa.ErrNoChallenge) {
		t.Errorf("a challenge with %d failures: %v, want ErrNoChallenge", mfa.MaxFailures, err)
	}
}

// TestStoreFaultsSurface: a store that fails part way is an error, never
// a success or a silently kept challenge.
func TestStoreFaultsSurface(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("store down")

	f := newFixture(t)
	fs := &faultStore{Store: f.st}
	svc := mfa.New(fs, f.ring, f.clk.Now)
	id, err := svc.StartChallenge(ctx, f.user.ID, "key_1")
	if err != nil {
		t.Fatal(err)
	}
	for range mfa.MaxFailures - 1 {
		if _, err := svc.FailChallenge(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	fs.deleteErr = boom
	if left, err := svc.FailChallenge(ctx, id); !errors.Is(err, boom) {
		t.Errorf("the last failure when the challenge cannot be deleted: %d left, %v; want the store's error", left, err)
	}

	fs.deleteErr, fs.totpErr = nil, boom
	p, err := svc.Begin(f.other.ID, f.other.Name)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Confirm(ctx, f.other.ID, p.Token, "", code(t, p.Secret, f.clk.Now())); !errors.Is(err, boom) {
		t.Errorf("Confirm when the enrolment cannot be read: %v, want the store's error", err)
	}
	fs.totpErr = nil
	if ok, err := svc.Enrolled(ctx, f.other.ID); ok || err != nil {
		t.Errorf("after the failed Confirm: enrolled %v, %v; want nothing stored", ok, err)
	}
}

// TestVerifyLosesRace: when another replica accepts a later code between
// this attempt's read and its compare-and-set, the code is refused as
// replayed.
func TestVerifyLosesRace(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	secret := f.enrol(t)
	f.clk.Add(10 * mfa.Period)
	fs := &faultStore{Store: f.st}
	fs.afterReserve = func(e mfa.Enrolment) {
		if _, err := f.st.AdvanceTOTP(ctx, e.UserID, e.Sealed, mfa.Step(f.clk.Now())+1); err != nil {
			t.Error(err)
		}
	}
	svc := mfa.New(fs, f.ring, f.clk.Now)
	if err := svc.Verify(ctx, f.user.ID, code(t, secret, f.clk.Now())); !errors.Is(err, mfa.ErrReplayed) {
		t.Errorf("a code whose step another replica passed meanwhile: %v, want ErrReplayed", err)
	}
}

// TestLockedError: the error says until when (or that only a reset ends
// it), how many wrong codes, and the code's own error when it set the lock.
func TestLockedError(t *testing.T) {
	until := time.Date(2026, 6, 1, 12, 15, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		lk   mfa.Locked
		want []string
	}{
		{"refused unchecked", mfa.Locked{Until: until, Failures: 10}, []string{mfa.ErrLocked.Error(), "until 2026-06-01T12:15:00Z", "(10 wrong codes)"}},
		{"until reset", mfa.Locked{Failures: 100}, []string{mfa.ErrLocked.Error(), "until an admin's reset", "(100 wrong codes)"}},
		{"set by this code", mfa.Locked{Until: until, Failures: 20, Code: mfa.ErrInvalidCode}, []string{mfa.ErrInvalidCode.Error(), "; locked until 2026-06-01T12:15:00Z after 20 wrong codes"}},
	} {
		got := c.lk.Error()
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", c.name, got, w)
			}
		}
	}
}
