package token

import (
	"context"
	"testing"
	"time"
)

// BenchmarkVerifyHS256 measures Verify of a typical access token (target:
// ≤ 10 µs/op, DESIGN §8 and issue 4).
func BenchmarkVerifyHS256(b *testing.B) {
	f := newFixture(b)
	tok, _, err := f.hs.issue("user-1", []string{"read_predictions", "write_predictions"}, "AAAAAAAAAAAAAAAAAAAAAA", "key-1", time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(tok)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.hs.Verify(tok, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyRejectForged measures the cost of rejecting a token with
// a bad signature (the signature check runs last).
func BenchmarkVerifyRejectForged(b *testing.B) {
	f := newFixture(b)
	tok := jwtHS(f.hsHeader(), obj(baseClaims()), testSecret("attacker"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.hs.Verify(tok, t0); err == nil {
			b.Fatal("forged token accepted")
		}
	}
}

func BenchmarkVerifyAsymmetric(b *testing.B) {
	f := newFixture(b)
	for _, i := range []*Issuer{f.edIss, f.esIss, f.rsIss, f.psIss} {
		tok := mustIssue(b, i)
		b.Run(i.Config().Algorithm, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := i.Verify(tok, t0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkIssueHS256(b *testing.B) {
	f := newFixture(b)
	perms := []string{"read_predictions", "write_predictions"}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := f.hs.Issue("user-1", perms); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticateHS256 is Verify plus two in-memory deny-list lookups.
func BenchmarkAuthenticateHS256(b *testing.B) {
	f := newFixture(b)
	m := NewMemoryStoreWith(MemoryOptions{Now: fixedClock(t0)})
	svc, err := NewService(Deps{Issuer: f.hs, Store: m, DenyList: m, Grants: grantsFunc(nil)})
	if err != nil {
		b.Fatal(err)
	}
	p, err := svc.IssuePair(context.Background(), "user-1", "key-1", []string{"read_predictions"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Authenticate(ctx, p.AccessToken); err != nil {
			b.Fatal(err)
		}
	}
}

// grantsFunc adapts a permission list to Grants.
type grantsFunc []string

func (g grantsFunc) Permissions(context.Context, string, string) ([]string, error) { return g, nil }
