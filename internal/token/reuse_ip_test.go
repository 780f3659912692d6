package token

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/secevent/seceventtest"
)

// A critical token_reuse event (first replay into a live family) carries the
// presenter's address only in details["presenter_ip"], not as ClientIP,
// which would get the presenter (maybe the victim) blocked; the high event
// of a replay into a revoked family keeps ClientIP.
func TestReuseEventPresenterAddress(t *testing.T) {
	t.Parallel()
	s := newSvc(t)
	ip := netip.MustParseAddr("198.51.100.23")
	ctx := reqctx.With(context.Background(), &reqctx.Info{ClientIP: ip})
	p1 := s.issue(t)
	if _, err := s.svc.Refresh(ctx, p1.RefreshToken); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.svc.Refresh(ctx, p1.RefreshToken); !errors.Is(err, ErrRefreshReused) {
			t.Fatalf("replay = %v, want ErrRefreshReused", err)
		}
	}
	evs := s.events.Events()
	if len(evs) != 2 {
		t.Fatalf("events %+v, want two token_reuse", evs)
	}
	if e := evs[0]; e.Severity != secevent.Critical || e.ClientIP != "" || e.Details["presenter_ip"] != ip.String() {
		t.Errorf("critical reuse event: ClientIP %q, presenter_ip %q; want empty and %s", e.ClientIP, e.Details["presenter_ip"], ip)
	}
	if e := evs[1]; e.Severity != secevent.High || e.ClientIP != ip.String() || e.Details["presenter_ip"] != "" {
		t.Errorf("high reuse event: ClientIP %q, presenter_ip %q; want %s and empty", e.ClientIP, e.Details["presenter_ip"], ip)
	}
}

// A forbidden header parameter is named in the error; any other unknown one
// is reported as unknown.
func TestHeaderParameterErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pay := obj(baseClaims())
	for _, c := range []struct{ param, want string }{
		{"jku", "forbidden header parameter jku"},
		{"x5c", "forbidden header parameter x5c"},
		{"foo", "unknown header parameter"},
	} {
		tok := jwtHS(`{"alg":"HS256","kid":"`+f.hsKID+`","`+c.param+`":"x"}`, pay, f.cur)
		if _, err := f.hs.Verify(tok, t0); !errors.Is(err, ErrHeader) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("header with %s: Verify = %v, want ErrHeader saying %q", c.param, err, c.want)
		}
	}
}

// A revoked family's deny entry outlives every access token of the family:
// one issued just before the revocation, with the longest lifetime, is
// still refused a moment before it expires.
func TestFamilyRevocationOutlivesItsTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &clock{t: t0}
	ks, err := NewHMACKeySet(testSecret("current"))
	if err != nil {
		t.Fatal(err)
	}
	iss, err := NewIssuer(Config{TTL: 2 * time.Hour, MaxLifetime: 2 * time.Hour}, ks, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	st := NewMemoryStoreWith(MemoryOptions{Now: clk.Now})
	svc, err := NewService(Deps{Issuer: iss, Store: st, DenyList: st, Grants: &fakeGrants{}, Events: &seceventtest.Collector{}})
	if err != nil {
		t.Fatal(err)
	}
	older, err := svc.IssuePair(ctx, "user-1", "key-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	newer, err := svc.Refresh(ctx, older.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.Authenticate(ctx, newer.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Logout(ctx, c); err != nil {
		t.Fatal(err)
	}
	clk.Add(2*time.Hour - 10*time.Second) // the older token expires in 10 s
	if _, err := svc.Authenticate(ctx, older.AccessToken); !errors.Is(err, ErrRevoked) {
		t.Errorf("an access token of a revoked family, 10 s before it expires: %v, want ErrRevoked", err)
	}
}
