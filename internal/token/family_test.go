package token

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"
)

// storedRefresh returns the MemoryStore's record of refresh token tok.
func storedRefresh(t *testing.T, m *MemoryStore, tok string) RefreshRecord {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rt[[sha256.Size]byte(HashRefresh(tok))]
	if r == nil {
		t.Fatalf("refresh token not stored")
	}
	return copyRecord(*r)
}

// TestRefreshFamilyMaxAge rotates a family every day: rotation never
// extends it past DefaultRefreshFamilyMaxAge after its IssuePair, whose
// end caps the last tokens exactly, and a new IssuePair starts a new clock.
func TestRefreshFamilyMaxAge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSvc(t)
	start := s.clk.Now()
	end := start.Add(DefaultRefreshFamilyMaxAge)
	p := s.issue(t)
	if r := storedRefresh(t, s.store, p.RefreshToken); !r.FamilyIssuedAt.Equal(start) || !r.ExpiresAt.Equal(start.Add(DefaultRefreshTTL)) {
		t.Fatalf("first token: family start %v, expiry %v; want %v and %v", r.FamilyIssuedAt, r.ExpiresAt, start, start.Add(DefaultRefreshTTL))
	}
	days := 0
	for {
		s.clk.Add(24 * time.Hour)
		next, err := s.svc.Refresh(ctx, p.RefreshToken)
		if errors.Is(err, ErrRefreshExpired) {
			break
		}
		if err != nil {
			t.Fatalf("rotation on day %d: %v", days+1, err)
		}
		days++
		if days > 200 {
			t.Fatal("a family rotated daily lived over 200 days")
		}
		now := s.clk.Now()
		want := now.Add(DefaultRefreshTTL)
		if want.After(end) {
			want = end
		}
		if r := storedRefresh(t, s.store, next.RefreshToken); !r.FamilyIssuedAt.Equal(start) || !r.ExpiresAt.Equal(want) {
			t.Fatalf("day %d: family start %v, expiry %v; want %v and %v", days, r.FamilyIssuedAt, r.ExpiresAt, start, want)
		}
		p = next
	}
	if want := int(DefaultRefreshFamilyMaxAge/(24*time.Hour)) - 1; days != want {
		t.Errorf("a family rotated daily lasted %d rotations, want %d (it ends %v after its start)", days, want, DefaultRefreshFamilyMaxAge)
	}
	if r := storedRefresh(t, s.store, p.RefreshToken); !r.ExpiresAt.Equal(end) || r.UsedAt == nil {
		t.Errorf("last token: expiry %v, used %v; want capped at the family's end %v and spent", r.ExpiresAt, r.UsedAt, end)
	}
	// A new sign-in with the API key starts a new family with its own clock.
	fresh := s.issue(t)
	now := s.clk.Now()
	if r := storedRefresh(t, s.store, fresh.RefreshToken); !r.FamilyIssuedAt.Equal(now) || !r.ExpiresAt.Equal(now.Add(DefaultRefreshTTL)) {
		t.Errorf("new family: start %v, expiry %v; want %v and %v", r.FamilyIssuedAt, r.ExpiresAt, now, now.Add(DefaultRefreshTTL))
	}
	s.clk.Add(20 * 24 * time.Hour)
	if _, err := s.svc.Refresh(ctx, fresh.RefreshToken); err != nil {
		t.Errorf("rotating the new family = %v, want success", err)
	}
}

// TestRefreshFamilyEndCapsAccessToken checks that an access token issued
// near the family's end expires with the family, and that a rotation with
// less than a second left is refused rather than issue a dead token.
func TestRefreshFamilyEndCapsAccessToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSvc(t)
	// A family start within a second, as real clocks give.
	s.clk.Add(300 * time.Millisecond)
	end := s.clk.Now().Add(DefaultRefreshFamilyMaxAge)
	p := s.issue(t)
	for range 3 { // days 29, 58 and 87
		s.clk.Add(29 * 24 * time.Hour)
		var err error
		if p, err = s.svc.Refresh(ctx, p.RefreshToken); err != nil {
			t.Fatal(err)
		}
	}
	s.clk.Add(end.Sub(s.clk.Now()) - 30*time.Minute)
	p2, err := s.svc.Refresh(ctx, p.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.svc.Authenticate(ctx, p2.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if want := end.Truncate(time.Second); !c.ExpiresAt.Equal(want) || p2.ExpiresIn != int(want.Sub(c.IssuedAt)/time.Second) || p2.ExpiresIn >= 3600 {
		t.Errorf("access token near the family's end: exp %v, expires_in %d; want exp %v (the family's end) and expires_in to match", c.ExpiresAt, p2.ExpiresIn, want)
	}
	s.clk.Add(30*time.Minute - 100*time.Millisecond) // 100 ms before the end
	if _, err := s.svc.Authenticate(ctx, p2.AccessToken); !errors.Is(err, ErrExpired) {
		t.Errorf("access token at the family's end = %v, want ErrExpired", err)
	}
	if _, err := s.svc.Refresh(ctx, p2.RefreshToken); !errors.Is(err, ErrRefreshExpired) {
		t.Errorf("rotation 100 ms before the family's end = %v, want ErrRefreshExpired (no whole second left)", err)
	}
}

// TestRefreshFamilyEndBeyondTokenExpiry checks the family's end apart from
// each token's expiry: tokens stored by an earlier release, or under a
// longer REFRESH_FAMILY_MAX_AGE, expire after their family's end.
func TestRefreshFamilyEndBeyondTokenExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSvc(t)
	p := s.issue(t)
	// Rotated on day 25 under the default 90 days, the token expires on
	// day 55.
	s.clk.Add(25 * 24 * time.Hour)
	p2, err := s.svc.Refresh(ctx, p.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	// The operator then shortens the family lifetime to 40 days: on day
	// 41 the family has ended although the token has not expired. It is
	// refused before Grants is asked (no key lookup for a dead family).
	iss, err := NewIssuer(Config{RefreshFamilyMaxAge: 40 * 24 * time.Hour}, s.iss.KeySet(), s.clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	grants := &countingGrants{Grants: s.grants}
	short, err := NewService(Deps{Issuer: iss, Store: s.store, DenyList: s.store, Grants: grants})
	if err != nil {
		t.Fatal(err)
	}
	s.clk.Add(16 * 24 * time.Hour)
	if _, err := short.Refresh(ctx, p2.RefreshToken); !errors.Is(err, ErrRefreshExpired) || grants.calls != 0 {
		t.Errorf("token of a family past its end = %v after %d grant lookups, want ErrRefreshExpired and none", err, grants.calls)
	}
	// A record without a family start (written by an older replica during
	// a rolling upgrade) counts as a family that has ended.
	tok, hash := newRefreshToken()
	now := s.clk.Now()
	if err := s.store.CreateRefresh(ctx, RefreshRecord{Hash: hash, FamilyID: "legacy", UserID: "user-1", KeyID: "key-1",
		IssuedAt: now, ExpiresAt: now.Add(DefaultRefreshTTL)}); err != nil {
		t.Fatal(err)
	}
	if _, err := short.Refresh(ctx, tok); !errors.Is(err, ErrRefreshExpired) || grants.calls != 0 {
		t.Errorf("token without a family start = %v after %d grant lookups, want ErrRefreshExpired and none", err, grants.calls)
	}
}

// countingGrants counts Permissions calls (from one goroutine).
type countingGrants struct {
	Grants
	calls int
}

func (g *countingGrants) Permissions(ctx context.Context, userID, keyID string) ([]string, error) {
	g.calls++
	return g.Grants.Permissions(ctx, userID, keyID)
}
