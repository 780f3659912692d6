package mfa_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/mfa"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/seal"
	"github.com/samo-brain/samo/internal/store"
	"github.com/samo-brain/samo/internal/users"
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

type fixture struct {
	svc   *mfa.Service
	st    *store.Store
	ring  *seal.Keyring
	clk   *clock
	user  users.User
	other users.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "", t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ring, err := seal.New(seal.AES256GCM, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	// Mid-step, so ±1 step is exactly one Period away.
	clk := &clock{t: time.Date(2026, 6, 1, 12, 0, 15, 0, time.UTC)}
	u, _, err := users.Ensure(ctx, st, "ada", rbac.RoleAdmin, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	o, _, err := users.Ensure(ctx, st, "bob", rbac.RoleAnalyst, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: mfa.New(st, ring, clk.Now), st: st, ring: ring, clk: clk, user: u, other: o}
}

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := mfa.Code(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrol enrols f.user and returns the base32 secret; the confirming code
// is of the previous step, so the current step is still unused.
func (f *fixture) enrol(t *testing.T) string {
	t.Helper()
	p, err := f.svc.Begin(f.user.ID, f.user.Name)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Confirm(context.Background(), f.user.ID, p.Token, "", code(t, p.Secret, f.clk.Now().Add(-mfa.Period))); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	return p.Secret
}

// TestEnrolment: a new secret is 160 bits in an otpauth URI (SHA1, 6
// digits, 30 s); nothing is stored until a valid code confirms it; the
// stored secret is sealed, never plaintext; a token is bound to its user
// and expires.
func TestEnrolment(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p, err := f.svc.Begin(f.user.ID, f.user.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Secret) != 32 { // 20 bytes in base32 without padding
		t.Errorf("secret %q has %d characters, want 32 (160 bits)", p.Secret, len(p.Secret))
	}
	for _, want := range []string{"otpauth://totp/SAMO:ada?", "secret=" + p.Secret, "issuer=SAMO", "algorithm=SHA1", "digits=6", "period=30"} {
		if !strings.Contains(p.URI, want) {
			t.Errorf("URI %q lacks %q", p.URI, want)
		}
	}
	if strings.Contains(p.Token, p.Secret) {
		t.Error("the enrolment token carries the secret in the clear")
	}
	now := f.clk.Now()
	good := code(t, p.Secret, now)
	wrong := "000000"
	if wrong == good {
		wrong = "111111"
	}
	for _, c := range []struct{ name, code string }{{"wrong", wrong}, {"two steps old", code(t, p.Secret, now.Add(-2*mfa.Period))}, {"letters", "abcdef"}, {"empty", ""}} {
		if err := f.svc.Confirm(ctx, f.user.ID, p.Token, "", c.code); !errors.Is(err, mfa.ErrInvalidCode) {
			t.Errorf("Confirm with a %s code: %v, want ErrInvalidCode", c.name, err)
		}
		if ok, err := f.svc.Enrolled(ctx, f.user.ID); ok || err != nil {
			t.Fatalf("after a %s code: enrolled %v, %v; want nothing stored", c.name, ok, err)
		}
	}
	if err := f.svc.Confirm(ctx, f.other.ID, p.Token, "", good); !errors.Is(err, mfa.ErrEnrolmentExpired) {
		t.Errorf("another user's token: %v, want ErrEnrolmentExpired", err)
	}
	if err := f.svc.Confirm(ctx, f.user.ID, p.Token[:len(p.Token)-2]+"AA", "", good); !errors.Is(err, mfa.ErrEnrolmentExpired) {
		t.Errorf("altered token: %v, want ErrEnrolmentExpired", err)
	}
	if err := f.svc.Confirm(ctx, f.user.ID, p.Token, "", good); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	e, err := f.st.TOTP(ctx, f.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := f.ring.Open(e.Sealed, mfa.AAD(f.user.ID))
	if err != nil || len(raw) != mfa.SecretBytes {
		t.Fatalf("stored secret does not open as 20 bytes: %v", err)
	}
	if bytes.Contains(e.Sealed, raw) || bytes.Contains(e.Sealed, []byte(p.Secret)) {
		t.Error("the stored secret is plaintext")
	}
	if kid, _ := seal.KeyID(e.Sealed); kid != e.KeyID || kid != f.ring.Active().ID {
		t.Errorf("key id %q, sealed under %q, active %q", e.KeyID, kid, f.ring.Active().ID)
	}
	// The confirming code cannot be used again (it would sign in).
	if err := f.svc.Verify(ctx, f.user.ID, good); !errors.Is(err, mfa.ErrReplayed) {
		t.Errorf("the confirming code at sign-in: %v, want ErrReplayed", err)
	}
	// A token expires.
	p2, _ := f.svc.Begin(f.other.ID, f.other.Name)
	f.clk.Add(mfa.EnrolmentTTL)
	if err := f.svc.Confirm(ctx, f.other.ID, p2.Token, "", code(t, p2.Secret, f.clk.Now())); !errors.Is(err, mfa.ErrEnrolmentExpired) {
		t.Errorf("expired token: %v, want ErrEnrolmentExpired", err)
	}
	if _, err := f.svc.Reveal(f.other.ID, f.other.Name, p2.Token); !errors.Is(err, mfa.ErrEnrolmentExpired) {
		t.Errorf("Reveal of an expired token: %v", err)
	}
}

// TestVerifyWindowAndReplay: the current step and one either side are
// accepted, two away refused; a code is accepted once.
func TestVerifyWindowAndReplay(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		offset time.Duration
		ok     bool
	}{
		{"current step", 0, true},
		{"one step behind", -mfa.Period, true},
		{"one step ahead", mfa.Period, true},
		{"two steps behind", -2 * mfa.Period, false},
		{"two steps ahead", 2 * mfa.Period, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			secret := f.enrol(t)
			f.clk.Add(10 * mfa.Period) // well past the confirming step
			cd := code(t, secret, f.clk.Now().Add(c.offset))
			err := f.svc.Verify(ctx, f.user.ID, cd)
			if c.ok != (err == nil) {
				t.Fatalf("Verify = %v, want ok %v", err, c.ok)
			}
			if !c.ok && !errors.Is(err, mfa.ErrInvalidCode) {
				t.Fatalf("Verify = %v, want ErrInvalidCode", err)
			}
			if c.ok {
				if err := f.svc.Verify(ctx, f.user.ID, cd); !errors.Is(err, mfa.ErrReplayed) {
					t.Errorf("the same code again: %v, want ErrReplayed", err)
				}
			}
		})
	}
	// After a code of the step ahead, the current step's code is refused:
	// steps only move forward.
	f := newFixture(t)
	secret := f.enrol(t)
	f.clk.Add(10 * mfa.Period)
	if err := f.svc.Verify(ctx, f.user.ID, code(t, secret, f.clk.Now().Add(mfa.Period))); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Verify(ctx, f.user.ID, code(t, secret, f.clk.Now())); !errors.Is(err, mfa.ErrReplayed) {
		t.Errorf("an earlier step after a later one: %v, want ErrReplayed", err)
	}
	if err := f.svc.Verify(ctx, f.other.ID, "123456"); !errors.Is(err, mfa.ErrNotEnrolled) {
		t.Errorf("Verify for a user without a second factor: %v", err)
	}
}

// TestReenrolAndDisableNeedCurrentCode: replacing the secret or turning
// the factor off takes a valid current code; Reset takes none.
func TestReenrolAndDisableNeedCurrentCode(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	old := f.enrol(t)
	f.clk.Add(10 * mfa.Period)
	p, _ := f.svc.Begin(f.user.ID, f.user.Name)
	newCode := code(t, p.Secret, f.clk.Now())
	if err := f.svc.Confirm(ctx, f.user.ID, p.Token, "", newCode); !errors.Is(err, mfa.ErrEnrolled) {
		t.Errorf("re-enrol without the current code: %v, want ErrEnrolled", err)
	}
	if err := f.svc.Confirm(ctx, f.user.ID, p.Token, "000000", newCode); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Errorf("re-enrol with a wrong current code: %v, want ErrInvalidCode", err)
	}
	e, _ := f.st.TOTP(ctx, f.user.ID)
	if err := f.svc.Confirm(ctx, f.user.ID, p.Token, code(t, old, f.clk.Now()), newCode); err != nil {
		t.Fatalf("re-enrol: %v", err)
	}
	if e2, _ := f.st.TOTP(ctx, f.user.ID); bytes.Equal(e.Sealed, e2.Sealed) {
		t.Error("re-enrolment kept the old secret")
	}
	f.clk.Add(mfa.Period)
	if err := f.svc.Verify(ctx, f.user.ID, code(t, old, f.clk.Now())); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Errorf("old secret after re-enrolment: %v, want ErrInvalidCode", err)
	}
	f.clk.Add(mfa.Period)
	if err := f.svc.Disable(ctx, f.user.ID, "999999"); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Errorf("Disable with a wrong code: %v", err)
	}
	if ok, _ := f.svc.Enrolled(ctx, f.user.ID); !ok {
		t.Fatal("a wrong code turned the factor off")
	}
	if err := f.svc.Disable(ctx, f.user.ID, code(t, p.Secret, f.clk.Now())); err != nil {
		t.Fatalf("Disable: %v", err)
	}
	if ok, _ := f.svc.Enrolled(ctx, f.user.ID); ok {
		t.Fatal("still enrolled after Disable")
	}
	f.enrol(t)
	if ok, err := f.svc.Reset(ctx, f.user.ID); !ok || err != nil {
		t.Errorf("Reset = %v, %v", ok, err)
	}
	if ok, _ := f.svc.Enrolled(ctx, f.user.ID); ok {
		t.Error("still enrolled after Reset")
	}
}

// TestChallenge: a challenge lives ChallengeTTL, ends after MaxFailures
// wrong codes and is used once.
func TestChallenge(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id, err := f.svc.StartChallenge(ctx, f.user.ID, "key_1")
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.svc.Challenge(ctx, id)
	if err != nil || c.UserID != f.user.ID || c.KeyID != "key_1" {
		t.Fatalf("Challenge = %+v, %v", c, err)
	}
	for _, bad := range []string{"", "short", strings.Repeat("!", 43)} {
		if _, err := f.svc.Challenge(ctx, bad); !errors.Is(err, mfa.ErrNoChallenge) {
			t.Errorf("Challenge(%q) = %v", bad, err)
		}
	}
	for i := 1; i <= mfa.MaxFailures; i++ {
		left, err := f.svc.FailChallenge(ctx, id)
		if err != nil || left != mfa.MaxFailures-i {
			t.Fatalf("failure %d: %d left, %v; want %d", i, left, err, mfa.MaxFailures-i)
		}
	}
	if _, err := f.svc.Challenge(ctx, id); !errors.Is(err, mfa.ErrNoChallenge) {
		t.Errorf("after %d failures: %v, want ErrNoChallenge", mfa.MaxFailures, err)
	}
	// Expiry.
	id, _ = f.svc.StartChallenge(ctx, f.user.ID, "key_1")
	f.clk.Add(mfa.ChallengeTTL - time.Second)
	if _, err := f.svc.Challenge(ctx, id); err != nil {
		t.Fatalf("a challenge 1 s before its end: %v", err)
	}
	f.clk.Add(time.Second)
	if _, err := f.svc.Challenge(ctx, id); !errors.Is(err, mfa.ErrNoChallenge) {
		t.Errorf("a challenge at its end: %v, want ErrNoChallenge", err)
	}
	// Used once.
	id, _ = f.svc.StartChallenge(ctx, f.user.ID, "key_1")
	if err := f.svc.EndChallenge(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.EndChallenge(ctx, id); !errors.Is(err, mfa.ErrNoChallenge) {
		t.Errorf("ending a challenge twice: %v, want ErrNoChallenge", err)
	}
	if _, err := f.svc.Challenge(ctx, id); !errors.Is(err, mfa.ErrNoChallenge) {
		t.Errorf("a used challenge: %v", err)
	}
}
