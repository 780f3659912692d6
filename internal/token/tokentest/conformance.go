// Package tokentest holds the conformance suites that every implementation
// of token.RefreshStore, token.DenyList and token.DenyLog must pass: the
// in-memory store in package token, and the SQL and Redis implementations
// elsewhere. Call them
// from a _test.go file of the implementing package:
//
//	func TestRefreshStore(t *testing.T) {
//		tokentest.RefreshStore(t, func(t *testing.T) token.RefreshStore { return newStore(t) })
//	}
//
// Times given to the store are whole seconds in UTC, so backends that keep
// second or microsecond precision pass alike.
package tokentest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/token"
)

// base is the instant the suites write records at.
var base = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// newHash returns a random SHA-256-sized hash.
func newHash(t *testing.T) []byte {
	t.Helper()
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b[:])
	return sum[:]
}

func record(t *testing.T, family string) token.RefreshRecord {
	return token.RefreshRecord{
		Hash: newHash(t), FamilyID: family, UserID: "user-" + family, KeyID: "key-" + family,
		IssuedAt: base, ExpiresAt: base.Add(30 * 24 * time.Hour),
		// A family start other than IssuedAt, as for a rotated token.
		FamilyIssuedAt: base.Add(-45 * 24 * time.Hour),
	}
}

func sameRecord(got, want token.RefreshRecord) bool {
	return string(got.Hash) == string(want.Hash) && got.FamilyID == want.FamilyID && got.UserID == want.UserID &&
		got.KeyID == want.KeyID && got.IssuedAt.Equal(want.IssuedAt) && got.ExpiresAt.Equal(want.ExpiresAt) &&
		got.FamilyIssuedAt.Equal(want.FamilyIssuedAt)
}

// RefreshStore runs the RefreshStore conformance suite. newStore must return
// an empty store for each subtest (or one whose families and hashes cannot
// collide with the random ones used here).
func RefreshStore(t *testing.T, newStore func(t *testing.T) token.RefreshStore) {
	ctx := context.Background()
	t.Run("use once then reuse", func(t *testing.T) {
		s := newStore(t)
		r := record(t, "famA")
		if err := s.CreateRefresh(ctx, r); err != nil {
			t.Fatalf("CreateRefresh: %v", err)
		}
		at := base.Add(time.Minute)
		got, err := s.UseRefresh(ctx, r.Hash, at)
		if err != nil {
			t.Fatalf("first UseRefresh: %v", err)
		}
		if !sameRecord(got, r) || got.UsedAt != nil && !got.UsedAt.Equal(at) || got.RevokedAt != nil {
			t.Errorf("first UseRefresh = %+v, want %+v used at %v", got, r, at)
		}
		again, err := s.UseRefresh(ctx, r.Hash, at.Add(time.Minute))
		if !errors.Is(err, token.ErrRefreshReused) {
			t.Fatalf("second UseRefresh = %v, want ErrRefreshReused", err)
		}
		if !sameRecord(again, r) || again.UsedAt == nil || !again.UsedAt.Equal(at) {
			t.Errorf("second UseRefresh record = %+v, want the record used at %v", again, at)
		}
	})
	t.Run("family start round-trips", func(t *testing.T) {
		s := newStore(t)
		first := record(t, "famS")
		first.FamilyIssuedAt = first.IssuedAt
		rotated := record(t, "famS")
		rotated.IssuedAt, rotated.FamilyIssuedAt = base.Add(24*time.Hour), first.IssuedAt
		// A record without a family start (as a release before family
		// lifetimes wrote) reads back as the zero time, which the Service
		// takes as a family that has ended.
		legacy := record(t, "famL")
		legacy.FamilyIssuedAt = time.Time{}
		for _, r := range []token.RefreshRecord{first, rotated, legacy} {
			if err := s.CreateRefresh(ctx, r); err != nil {
				t.Fatalf("CreateRefresh: %v", err)
			}
			got, err := s.UseRefresh(ctx, r.Hash, base)
			if err != nil || !got.FamilyIssuedAt.Equal(r.FamilyIssuedAt) || got.FamilyIssuedAt.IsZero() != r.FamilyIssuedAt.IsZero() {
				t.Errorf("family %s: FamilyIssuedAt = %v, %v; want %v", r.FamilyID, got.FamilyIssuedAt, err, r.FamilyIssuedAt)
			}
		}
	})
	t.Run("unknown", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.UseRefresh(ctx, newHash(t), base); !errors.Is(err, token.ErrRefreshUnknown) {
			t.Errorf("UseRefresh(unknown) = %v, want ErrRefreshUnknown", err)
		}
	})
	t.Run("revoke family", func(t *testing.T) {
		s := newStore(t)
		a1, a2, b := record(t, "famR1"), record(t, "famR1"), record(t, "famR2")
		for _, r := range []token.RefreshRecord{a1, a2, b} {
			if err := s.CreateRefresh(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.UseRefresh(ctx, a1.Hash, base); err != nil {
			t.Fatal(err)
		}
		at := base.Add(time.Hour)
		if err := s.RevokeFamily(ctx, "famR1", at); err != nil {
			t.Fatalf("RevokeFamily: %v", err)
		}
		got, err := s.UseRefresh(ctx, a2.Hash, at)
		if err != nil || got.RevokedAt == nil || !got.RevokedAt.Equal(at) {
			t.Errorf("UseRefresh in revoked family = %+v, %v; want RevokedAt %v", got, err, at)
		}
		got, err = s.UseRefresh(ctx, a1.Hash, at)
		if !errors.Is(err, token.ErrRefreshReused) || got.RevokedAt == nil {
			t.Errorf("reuse in revoked family = %+v, %v; want ErrRefreshReused with RevokedAt", got, err)
		}
		got, err = s.UseRefresh(ctx, b.Hash, at)
		if err != nil || got.RevokedAt != nil {
			t.Errorf("other family after revocation = %+v, %v; want untouched", got, err)
		}
		if err := s.CreateRefresh(ctx, record(t, "famR1")); !errors.Is(err, token.ErrRefreshRevoked) {
			t.Errorf("CreateRefresh in revoked family = %v, want ErrRefreshRevoked", err)
		}
		if err := s.RevokeFamily(ctx, "famR1", at.Add(time.Hour)); err != nil {
			t.Errorf("RevokeFamily twice = %v, want nil", err)
		}
	})
	t.Run("live families", func(t *testing.T) {
		s := newStore(t)
		live, used, revoked, expired := record(t, "famL1"), record(t, "famL2"), record(t, "famL3"), record(t, "famL4")
		expired.ExpiresAt = base.Add(time.Hour)
		for _, r := range []token.RefreshRecord{live, record(t, "famL1"), used, revoked, expired} {
			if err := s.CreateRefresh(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.UseRefresh(ctx, used.Hash, base); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeFamily(ctx, "famL3", base); err != nil {
			t.Fatal(err)
		}
		got, err := s.LiveFamilies(ctx, base.Add(time.Hour))
		if err != nil {
			t.Fatalf("LiveFamilies: %v", err)
		}
		count := map[string]int{}
		for _, f := range got {
			count[f]++
		}
		// A used token is not revoked: its family stays live until it is.
		want := map[string]int{"famL1": 1, "famL2": 1, "famL3": 0, "famL4": 0}
		for f, n := range want {
			if count[f] != n {
				t.Errorf("LiveFamilies holds %s %d times, want %d (got %v)", f, count[f], n, got)
			}
		}
	})
	t.Run("concurrent use is single", func(t *testing.T) {
		s := newStore(t)
		r := record(t, "famC")
		if err := s.CreateRefresh(ctx, r); err != nil {
			t.Fatal(err)
		}
		const n = 8
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, reused := 0, 0
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.UseRefresh(ctx, r.Hash, base)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, token.ErrRefreshReused):
					reused++
				}
			}()
		}
		wg.Wait()
		if ok != 1 || reused != n-1 {
			t.Errorf("%d concurrent uses: %d ok, %d reused; want 1, %d", n, ok, reused, n-1)
		}
	})
}

// DenyList runs the DenyList conformance suite.
func DenyList(t *testing.T, newList func(t *testing.T) token.DenyList) {
	ctx := context.Background()
	d := newList(t)
	until := time.Now().Add(time.Hour)
	for _, id := range []string{"AAAAAAAAAAAAAAAAAAAAAA", "fam:BBBBBBBBBBBBBBBBBBBBBB"} {
		if denied, err := d.Denied(ctx, id); err != nil || denied {
			t.Errorf("Denied(%q) before Deny = %v, %v; want false", id, denied, err)
		}
		if err := d.Deny(ctx, id, until); err != nil {
			t.Fatalf("Deny(%q): %v", id, err)
		}
		if err := d.Deny(ctx, id, until); err != nil {
			t.Errorf("Deny(%q) twice: %v", id, err)
		}
		if denied, err := d.Denied(ctx, id); err != nil || !denied {
			t.Errorf("Denied(%q) after Deny = %v, %v; want true", id, denied, err)
		}
	}
	if denied, err := d.Denied(ctx, "CCCCCCCCCCCCCCCCCCCCCC"); err != nil || denied {
		t.Errorf("Denied(other id) = %v, %v; want false", denied, err)
	}
	t.Run("issued before", func(t *testing.T) {
		d := newList(t)
		if got, err := d.IssuedBefore(ctx); err != nil || !got.IsZero() {
			t.Fatalf("IssuedBefore with no record = %v, %v; want zero", got, err)
		}
		cut := time.Now().Truncate(time.Second).Add(time.Second)
		if err := d.DenyIssuedBefore(ctx, cut, until); err != nil {
			t.Fatal(err)
		}
		// An earlier cut-off with a shorter life changes nothing.
		if err := d.DenyIssuedBefore(ctx, cut.Add(-time.Minute), time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if got, err := d.IssuedBefore(ctx); err != nil || !got.Equal(cut) {
			t.Errorf("IssuedBefore = %v, %v; want %v", got, err, cut)
		}
		if err := d.DenyIssuedBefore(ctx, cut.Add(time.Minute), until); err != nil {
			t.Fatal(err)
		}
		if got, err := d.IssuedBefore(ctx); err != nil || !got.Equal(cut.Add(time.Minute)) {
			t.Errorf("IssuedBefore after a later cut-off = %v, %v; want %v", got, err, cut.Add(time.Minute))
		}
		// A cut-off whose tokens have all expired is not kept.
		past := newList(t)
		if err := past.DenyIssuedBefore(ctx, cut, time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if got, err := past.IssuedBefore(ctx); err != nil || !got.IsZero() {
			t.Errorf("IssuedBefore after an expired record = %v, %v; want zero", got, err)
		}
	})
}

// DenyLog runs the DenyLog conformance suite: later untils win, the
// cut-off never moves back, and LoadDenials leaves out what ended by now.
func DenyLog(t *testing.T, newLog func(t *testing.T) token.DenyLog) {
	ctx := context.Background()
	l := newLog(t)
	now := time.Now().Truncate(time.Millisecond)
	if d, err := l.LoadDenials(ctx, now); err != nil || len(d.IDs) != 0 || !d.Before.IsZero() {
		t.Fatalf("LoadDenials of an empty log = %+v, %v; want nothing", d, err)
	}
	save := func(id string, until time.Time) {
		t.Helper()
		if err := l.SaveDenial(ctx, id, until); err != nil {
			t.Fatalf("SaveDenial(%q): %v", id, err)
		}
	}
	save("AAAAAAAAAAAAAAAAAAAAAA", now.Add(time.Hour))
	save("AAAAAAAAAAAAAAAAAAAAAA", now.Add(time.Minute)) // an earlier until changes nothing
	save("fam:BBBBBBBBBBBBBBBBBBBBBB", now.Add(time.Minute))
	save("fam:BBBBBBBBBBBBBBBBBBBBBB", now.Add(2*time.Hour)) // a later one wins
	save("CCCCCCCCCCCCCCCCCCCCCC", now.Add(-time.Second))    // already over
	cut := now.Truncate(time.Second).Add(time.Second)
	for _, c := range []struct{ t, until time.Time }{
		{cut, now.Add(time.Hour)},
		{cut.Add(-time.Minute), now.Add(time.Minute)}, // moves neither back
	} {
		if err := l.SaveCutoff(ctx, c.t, c.until); err != nil {
			t.Fatalf("SaveCutoff: %v", err)
		}
	}
	d, err := l.LoadDenials(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{"AAAAAAAAAAAAAAAAAAAAAA": now.Add(time.Hour), "fam:BBBBBBBBBBBBBBBBBBBBBB": now.Add(2 * time.Hour)}
	if len(d.IDs) != len(want) {
		t.Errorf("LoadDenials IDs = %v, want %v", d.IDs, want)
	}
	for id, until := range want {
		if !d.IDs[id].Equal(until) {
			t.Errorf("LoadDenials[%q] = %v, want %v", id, d.IDs[id], until)
		}
	}
	if !d.Before.Equal(cut) || !d.BeforeUntil.Equal(now.Add(time.Hour)) {
		t.Errorf("LoadDenials cut-off = %v until %v, want %v until %v", d.Before, d.BeforeUntil, cut, now.Add(time.Hour))
	}
	// A later cut-off with a later until replaces both.
	if err := l.SaveCutoff(ctx, cut.Add(time.Minute), now.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Past every until, nothing is live.
	d, err = l.LoadDenials(ctx, now.Add(3*time.Hour))
	if err != nil || len(d.IDs) != 0 || !d.Before.IsZero() {
		t.Errorf("LoadDenials after every until = %+v, %v; want nothing", d, err)
	}
	d, err = l.LoadDenials(ctx, now.Add(90*time.Minute))
	if err != nil || len(d.IDs) != 1 || !d.Before.Equal(cut.Add(time.Minute)) {
		t.Errorf("LoadDenials at +90 min = %+v, %v; want the family and the later cut-off", d, err)
	}
}
