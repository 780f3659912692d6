package token

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/secevent/seceventtest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeGrants returns perms for every user unless the key is revoked.
type fakeGrants struct {
	mu      sync.Mutex
	perms   []string
	revoked map[string]bool
}

func (g *fakeGrants) Permissions(_ context.Context, _, keyID string) ([]string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.revoked[keyID] {
		return nil, errors.New("key revoked")
	}
	return g.perms, nil
}

type svcFixture struct {
	clk    *clock
	store  *MemoryStore
	events *seceventtest.Collector
	grants *fakeGrants
	svc    *Service
	iss    *Issuer
}

func newSvc(t *testing.T) *svcFixture {
	t.Helper()
	clk := &clock{t: t0}
	ks, err := NewHMACKeySet(testSecret("current"))
	if err != nil {
		t.Fatal(err)
	}
	iss, err := NewIssuer(Config{}, ks, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	s := &svcFixture{clk: clk, store: NewMemoryStoreWith(MemoryOptions{Now: clk.Now}), events: &seceventtest.Collector{},
		grants: &fakeGrants{perms: []string{"read_predictions"}, revoked: map[string]bool{}}, iss: iss}
	s.svc, err = NewService(Deps{Issuer: iss, Store: s.store, DenyList: s.store, Grants: s.grants, Events: s.events})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// issue starts a family for user-1 with key-1 and no permissions.
func (s *svcFixture) issue(t *testing.T) Pair {
	t.Helper()
	p, err := s.svc.IssuePair(context.Background(), "user-1", "key-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIssuePairShape(t *testing.T) {
	t.Parallel()
	s := newSvc(t)
	p, err := s.svc.IssuePair(context.Background(), "user-1", "key-1", []string{"read_predictions", "write_predictions"})
	if err != nil {
		t.Fatalf("IssuePair: %v", err)
	}
	if p.TokenType != "Bearer" || p.ExpiresIn != 3600 {
		t.Errorf("pair type/expiry = %q/%d, want Bearer/3600", p.TokenType, p.ExpiresIn)
	}
	if !strings.HasPrefix(p.RefreshToken, RefreshPrefix) || len(p.RefreshToken) != len(RefreshPrefix)+43 || !validRefreshFormat(p.RefreshToken) {
		t.Errorf("refresh token %q does not have the documented format", p.RefreshToken)
	}
	c, err := s.svc.Authenticate(context.Background(), p.AccessToken)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if c.UserID != "user-1" || c.APIKeyID != "key-1" || c.FamilyID == "" || len(c.Permissions) != 2 {
		t.Errorf("claims = %+v, want user-1, key-1, a family and 2 permissions", c)
	}
	// Only the hash is stored.
	if _, err := s.store.UseRefresh(context.Background(), []byte(p.RefreshToken), t0); !errors.Is(err, ErrRefreshUnknown) {
		t.Errorf("lookup by plaintext = %v, want ErrRefreshUnknown", err)
	}
	if _, err := s.svc.IssuePair(context.Background(), "user-1", "", nil); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("IssuePair without key id = %v, want ErrInvalidInput", err)
	}
}

func TestRefreshRotationAndReuse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSvc(t)
	p1, err := s.svc.IssuePair(ctx, "user-1", "key-1", []string{"read_predictions"})
	if err != nil {
		t.Fatal(err)
	}
	s.clk.Add(10 * time.Minute)
	p2, err := s.svc.Refresh(ctx, p1.RefreshToken)
	if err != nil {
		t.Fatalf("first Refresh: %v", err)
	}
	if p2.RefreshToken == p1.RefreshToken || p2.AccessToken == p1.AccessToken {
		t.Fatal("Refresh returned the same tokens")
	}
	c1, _ := s.iss.Verify(p1.AccessToken, s.clk.Now())
	c2, err := s.svc.Authenticate(ctx, p2.AccessToken)
	if err != nil {
		t.Fatalf("Authenticate new access token: %v", err)
	}
	if c2.FamilyID != c1.FamilyID {
		t.Errorf("family after refresh = %q, want %q", c2.FamilyID, c1.FamilyID)
	}
	if s.events.Count(secevent.TokenReuse) != 0 {
		t.Fatal("reuse event before any reuse")
	}

	// The attacker replays the first refresh token.
	if _, err := s.svc.Refresh(ctx, p1.RefreshToken); !errors.Is(err, ErrRefreshReused) {
		t.Fatalf("replayed Refresh = %v, want ErrRefreshReused", err)
	}
	evs := s.events.Events()
	if len(evs) != 1 || evs[0].Type != secevent.TokenReuse || evs[0].Severity != secevent.Critical || evs[0].UserID != "user-1" || evs[0].KeyID != "key-1" {
		t.Fatalf("events = %+v, want one critical token_reuse for user-1/key-1", evs)
	}
	for _, e := range evs {
		for k, v := range e.Details {
			if strings.Contains(v, RefreshPrefix) || strings.Contains(v, p1.AccessToken) {
				t.Errorf("event detail %s carries a token", k)
			}
		}
	}
	// Replaying it again, into the revoked family, is high, not critical.
	if _, err := s.svc.Refresh(ctx, p1.RefreshToken); !errors.Is(err, ErrRefreshReused) {
		t.Fatalf("second replay = %v, want ErrRefreshReused", err)
	}
	if evs := s.events.Events(); len(evs) != 2 || evs[1].Severity != secevent.High || evs[1].Details["already_revoked"] != "true" {
		t.Errorf("events after a second replay = %+v, want a high token_reuse with already_revoked", evs)
	}
	// The whole family is dead: the legitimate newer refresh token and the
	// live access tokens of the family.
	if _, err := s.svc.Refresh(ctx, p2.RefreshToken); !errors.Is(err, ErrRefreshRevoked) {
		t.Errorf("Refresh with the newest token after reuse = %v, want ErrRefreshRevoked", err)
	}
	for name, tok := range map[string]string{"first": p1.AccessToken, "second": p2.AccessToken} {
		if _, err := s.svc.Authenticate(ctx, tok); !errors.Is(err, ErrRevoked) {
			t.Errorf("Authenticate %s access token after reuse = %v, want ErrRevoked", name, err)
		}
	}
	// Another family is untouched.
	other := s.issue(t)
	if _, err := s.svc.Refresh(ctx, other.RefreshToken); err != nil {
		t.Errorf("Refresh in another family = %v, want success", err)
	}
}

func TestRefreshErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSvc(t)
	p := s.issue(t)
	unknown, _ := newRefreshToken()
	cases := []struct {
		name string
		tok  string
		want error
	}{
		{"empty", "", ErrRefreshMalformed},
		{"no prefix", strings.TrimPrefix(p.RefreshToken, RefreshPrefix), ErrRefreshMalformed},
		{"access token", p.AccessToken, ErrRefreshMalformed},
		{"padding", p.RefreshToken + "=", ErrRefreshMalformed},
		{"upper-case prefix", "SAMO_RT_" + strings.TrimPrefix(p.RefreshToken, RefreshPrefix), ErrRefreshMalformed},
		{"trailing newline", p.RefreshToken[:len(p.RefreshToken)-1] + "\n", ErrRefreshMalformed},
		{"unknown", unknown, ErrRefreshUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.svc.Refresh(ctx, tc.tok); !errors.Is(err, tc.want) {
				t.Errorf("Refresh = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		p, err := s.svc.IssuePair(ctx, "user-2", "key-2", nil)
		if err != nil {
			t.Fatal(err)
		}
		s.clk.Add(DefaultRefreshTTL)
		if _, err := s.svc.Refresh(ctx, p.RefreshToken); !errors.Is(err, ErrRefreshExpired) {
			t.Errorf("Refresh after 30 days = %v, want ErrRefreshExpired", err)
		}
	})
	t.Run("revoked key", func(t *testing.T) {
		p, err := s.svc.IssuePair(ctx, "user-3", "key-3", nil)
		if err != nil {
			t.Fatal(err)
		}
		s.grants.mu.Lock()
		s.grants.revoked["key-3"] = true
		s.grants.mu.Unlock()
		if _, err := s.svc.Refresh(ctx, p.RefreshToken); !errors.Is(err, ErrRefreshDenied) {
			t.Errorf("Refresh with a revoked key = %v, want ErrRefreshDenied", err)
		}
		if _, err := s.svc.Authenticate(ctx, p.AccessToken); !errors.Is(err, ErrRevoked) {
			t.Errorf("Authenticate after refresh denied = %v, want ErrRevoked", err)
		}
	})
}

func TestRefreshPermissionsComeFromGrants(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSvc(t)
	p, err := s.svc.IssuePair(ctx, "user-1", "key-1", []string{"admin"})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := s.svc.Refresh(ctx, p.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.svc.Authenticate(ctx, p2.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Permissions, ","); got != "read_predictions" {
		t.Errorf("permissions after refresh = %q, want the current grants %q", got, "read_predictions")
	}
}

func TestConcurrentRefreshSingleUse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSvc(t)
	p := s.issue(t)
	const n = 8
	type result struct {
		p   Pair
		err error
	}
	results := make(chan result, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := s.svc.Refresh(ctx, p.RefreshToken)
			results <- result{p, err}
		}()
	}
	wg.Wait()
	close(results)
	// Exactly one caller wins the single use. Every other caller is a reuse,
	// which revokes the family; the winner then gets its pair only if it
	// stored the new refresh token before the revocation, else
	// ErrRefreshRevoked. Either way nothing from the family stays usable.
	won, reused, other := 0, 0, 0
	var winPair Pair
	for r := range results {
		switch err := r.err; {
		case err == nil:
			won++
			winPair = r.p
		case errors.Is(err, ErrRefreshRevoked):
			won++
		case errors.Is(err, ErrRefreshReused):
			reused++
		default:
			other++
		}
	}
	if won != 1 || reused != n-1 || other != 0 {
		t.Errorf("concurrent refreshes: %d won, %d reused, %d other; want 1, %d, 0", won, reused, other, n-1)
	}
	for _, tok := range []string{p.AccessToken, winPair.AccessToken} {
		if tok == "" {
			continue
		}
		if _, err := s.svc.Authenticate(ctx, tok); !errors.Is(err, ErrRevoked) {
			t.Errorf("family access token after concurrent reuse = %v, want ErrRevoked", err)
		}
	}
	if winPair.RefreshToken != "" {
		if _, err := s.svc.Refresh(ctx, winPair.RefreshToken); !errors.Is(err, ErrRefreshRevoked) {
			t.Errorf("winner's refresh token after concurrent reuse = %v, want ErrRefreshRevoked", err)
		}
	}
}

// TestRevokeAll: every live family's refresh and access tokens are
// refused afterwards, a family revoked before is not counted again, and a
// new pair issued afterwards works.
func TestRevokeAll(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSvc(t)
	a, b, gone := s.issue(t), s.issue(t), s.issue(t)
	b2, err := s.svc.Refresh(ctx, b.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.svc.Authenticate(ctx, gone.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.svc.Logout(ctx, c); err != nil {
		t.Fatal(err)
	}
	// An access token without a family (Issuer.Issue, `samo token issue`).
	bare, _, err := s.iss.Issue("user-2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.Authenticate(ctx, bare); err != nil {
		t.Fatalf("family-less token before RevokeAll = %v", err)
	}
	s.clk.Add(300 * time.Millisecond)
	n, err := s.svc.RevokeAll(ctx)
	if err != nil || n != 2 {
		t.Fatalf("RevokeAll = %d, %v; want the 2 live families", n, err)
	}
	for name, tok := range map[string]string{"a": a.AccessToken, "b": b.AccessToken, "b rotated": b2.AccessToken, "without a family": bare} {
		if _, err := s.svc.Authenticate(ctx, tok); !errors.Is(err, ErrRevoked) {
			t.Errorf("access token %s after RevokeAll = %v, want ErrRevoked", name, err)
		}
	}
	for name, rt := range map[string]string{"a": a.RefreshToken, "b rotated": b2.RefreshToken} {
		if _, err := s.svc.Refresh(ctx, rt); !errors.Is(err, ErrRefreshRevoked) {
			t.Errorf("refresh token %s after RevokeAll = %v, want ErrRefreshRevoked", name, err)
		}
	}
	if s.events.Count(secevent.TokenReuse) != 0 {
		t.Errorf("RevokeAll raised a token_reuse event")
	}
	// iat has whole seconds: a token issued later in the same second is
	// refused too; from the next second on, tokens work.
	s.clk.Add(600 * time.Millisecond)
	same := s.issue(t)
	if _, err := s.svc.Authenticate(ctx, same.AccessToken); !errors.Is(err, ErrRevoked) {
		t.Errorf("a pair issued in the second of RevokeAll = %v, want ErrRevoked", err)
	}
	s.clk.Add(100 * time.Millisecond)
	after := s.issue(t)
	if _, err := s.svc.Authenticate(ctx, after.AccessToken); err != nil {
		t.Errorf("a pair issued the second after RevokeAll = %v, want success", err)
	}
	if n, err := s.svc.RevokeAll(ctx); err != nil || n != 2 {
		t.Errorf("RevokeAll again = %d, %v; want the two new families", n, err)
	}
}

// TestRevokeAllAcrossReplicas: a second Service on the same deny-list (a
// replica) refuses the tokens issued before a sign-out made on the first
// within cutoffRefresh, and forgets the cut-off once every token it
// covers has expired.
func TestRevokeAllAcrossReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSvc(t)
	other, err := NewService(Deps{Issuer: s.iss, Store: s.store, DenyList: s.store, Grants: s.grants})
	if err != nil {
		t.Fatal(err)
	}
	bare, _, err := s.iss.Issue("user-2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Authenticate(ctx, bare); err != nil { // reads (and caches) no cut-off
		t.Fatal(err)
	}
	if _, err := s.svc.RevokeAll(ctx); err != nil {
		t.Fatal(err)
	}
	s.clk.Add(cutoffRefresh)
	if _, err := other.Authenticate(ctx, bare); !errors.Is(err, ErrRevoked) {
		t.Errorf("the other replica, %v after the sign-out: %v, want ErrRevoked", cutoffRefresh, err)
	}
	if got, err := s.store.IssuedBefore(ctx); err != nil || !got.Equal(t0.Add(time.Second)) {
		t.Errorf("IssuedBefore = %v, %v; want the next whole second, %v", got, err, t0.Add(time.Second))
	}
	// Kept while a covered token may still be accepted (its lifetime plus
	// the leeway), not a second longer.
	s.clk.Add(s.iss.cfg.MaxLifetime + s.iss.cfg.Leeway - time.Second)
	if got, err := s.store.IssuedBefore(ctx); err != nil || got.IsZero() {
		t.Errorf("IssuedBefore a second before the last covered token expires = %v, %v; want the cut-off", got, err)
	}
	s.clk.Add(time.Second)
	if got, err := s.store.IssuedBefore(ctx); err != nil || !got.IsZero() {
		t.Errorf("IssuedBefore once every covered token expired = %v, %v; want zero", got, err)
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSvc(t)
	p := s.issue(t)
	p2, err := s.svc.Refresh(ctx, p.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	other := s.issue(t)
	c, err := s.svc.Authenticate(ctx, p2.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.svc.Logout(ctx, c); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	for name, tok := range map[string]string{"logged-out": p2.AccessToken, "older in family": p.AccessToken} {
		if _, err := s.svc.Authenticate(ctx, tok); !errors.Is(err, ErrRevoked) {
			t.Errorf("Authenticate %s token = %v, want ErrRevoked", name, err)
		}
	}
	if _, err := s.svc.Refresh(ctx, p2.RefreshToken); !errors.Is(err, ErrRefreshRevoked) {
		t.Errorf("Refresh after logout = %v, want ErrRefreshRevoked", err)
	}
	if _, err := s.svc.Authenticate(ctx, other.AccessToken); err != nil {
		t.Errorf("another session after logout = %v, want success", err)
	}
	if s.events.Count(secevent.TokenReuse) != 0 {
		t.Errorf("logout raised a token_reuse event")
	}
	// The deny entry lasts until the token expires, then may go.
	s.clk.Add(time.Hour + time.Minute)
	s.store.Sweep()
	if denied, _ := s.store.Denied(ctx, c.ID); denied {
		t.Errorf("deny entry for %s still present after expiry", c.ID)
	}
	// A token from Issuer.Issue (no family) can be logged out by jti alone.
	tok, ic, err := s.iss.Issue("user-9", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.svc.Logout(ctx, ic); err != nil {
		t.Fatalf("Logout without family: %v", err)
	}
	if _, err := s.svc.Authenticate(ctx, tok); !errors.Is(err, ErrRevoked) {
		t.Errorf("Authenticate after logout without family = %v, want ErrRevoked", err)
	}
	if err := s.svc.Logout(ctx, Claims{}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("Logout(zero claims) = %v, want ErrInvalidInput", err)
	}
}

// failingStore fails every call, to show the service fails closed.
type failingStore struct{}

var errDown = errors.New("backend down")

func (failingStore) CreateRefresh(context.Context, RefreshRecord) error { return errDown }
func (failingStore) UseRefresh(context.Context, []byte, time.Time) (RefreshRecord, error) {
	return RefreshRecord{}, errDown
}
func (failingStore) RevokeFamily(context.Context, string, time.Time) error { return errDown }
func (failingStore) LiveFamilies(context.Context, time.Time) ([]string, error) {
	return nil, errDown
}
func (failingStore) Deny(context.Context, string, time.Time) error                { return errDown }
func (failingStore) Denied(context.Context, string) (bool, error)                 { return false, errDown }
func (failingStore) DenyIssuedBefore(context.Context, time.Time, time.Time) error { return errDown }
func (failingStore) IssuedBefore(context.Context) (time.Time, error)              { return time.Time{}, errDown }

func TestServiceFailsClosed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSvc(t)
	svc, err := NewService(Deps{Issuer: s.iss, Store: failingStore{}, DenyList: failingStore{}, Grants: s.grants})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.IssuePair(ctx, "u", "k", nil); !errors.Is(err, ErrUnavailable) {
		t.Errorf("IssuePair = %v, want ErrUnavailable", err)
	}
	rt, _ := newRefreshToken()
	if _, err := svc.Refresh(ctx, rt); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Refresh = %v, want ErrUnavailable", err)
	}
	tok, c, err := s.iss.Issue("u", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, tok); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Authenticate = %v, want ErrUnavailable", err)
	}
	if err := svc.Logout(ctx, c); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Logout = %v, want ErrUnavailable", err)
	}
	if _, err := svc.RevokeAll(ctx); !errors.Is(err, ErrUnavailable) {
		t.Errorf("RevokeAll = %v, want ErrUnavailable", err)
	}
	if _, err := NewService(Deps{Issuer: s.iss}); !errors.Is(err, ErrConfig) {
		t.Errorf("NewService without store = %v, want ErrConfig", err)
	}
}
