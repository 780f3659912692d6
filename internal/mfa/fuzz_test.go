package mfa

import (
	"context"
	"encoding/base32"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/seal"
)

// The fuzz targets below feed what a browser sends (the enrolment form's
// token, typed codes, the sign-in challenge cookie) to the code that reads
// it. They run in package mfa to reach match, wellFormed and
// validChallengeID, so they use fuzzStore (package store imports mfa).

// fuzzNow is mid-step, so ±1 step is exactly one Period away.
var fuzzNow = time.Date(2026, 6, 1, 12, 0, 15, 0, time.UTC)

// fuzzStore is an in-memory Store that counts the challenge lookups it
// answers, so a target can check that a malformed id never reaches it.
type fuzzStore struct {
	mu      sync.Mutex
	totp    map[string]Enrolment
	ch      map[string]Challenge
	lookups int
}

func newFuzzStore() *fuzzStore {
	return &fuzzStore{totp: map[string]Enrolment{}, ch: map[string]Challenge{}}
}

func (s *fuzzStore) TOTP(_ context.Context, userID string) (Enrolment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.totp[userID]
	if !ok {
		return Enrolment{}, ErrNotEnrolled
	}
	return e, nil
}

func (s *fuzzStore) PutTOTP(_ context.Context, e Enrolment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e.Failures, e.LockedUntil = 0, time.Time{}
	s.totp[e.UserID] = e
	return nil
}

func (s *fuzzStore) ReserveTOTP(_ context.Context, userID string, now time.Time, lock func(int) time.Time) (Enrolment, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.totp[userID]
	if !ok {
		return Enrolment{}, false, ErrNotEnrolled
	}
	if e.LockedUntil.After(now) {
		return e, false, nil
	}
	e.Failures++
	e.LockedUntil = lock(e.Failures)
	s.totp[userID] = e
	return e, true, nil
}

func (s *fuzzStore) AdvanceTOTP(_ context.Context, userID string, sealed []byte, step int64) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.totp[userID]
	if !ok || string(e.Sealed) != string(sealed) || e.LastStep >= step {
		return false, nil
	}
	e.LastStep, e.Failures, e.LockedUntil = step, 0, time.Time{}
	s.totp[userID] = e
	return true, nil
}

func (s *fuzzStore) DeleteTOTP(_ context.Context, userID string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.totp[userID]
	delete(s.totp, userID)
	return ok, nil
}

func (s *fuzzStore) CreateChallenge(_ context.Context, hash []byte, c Challenge, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ch[string(hash)] = c
	return nil
}

func (s *fuzzStore) Challenge(_ context.Context, hash []byte) (Challenge, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lookups++
	c, ok := s.ch[string(hash)]
	if !ok {
		return Challenge{}, ErrNoChallenge
	}
	return c, nil
}

func (s *fuzzStore) FailChallenge(_ context.Context, hash []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.ch[string(hash)]
	if !ok {
		return 0, ErrNoChallenge
	}
	c.Failures++
	s.ch[string(hash)] = c
	return c.Failures, nil
}

func (s *fuzzStore) DeleteChallenge(_ context.Context, hash []byte) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.ch[string(hash)]
	delete(s.ch, string(hash))
	return ok, nil
}

func fuzzService(f *testing.F, st Store) *Service {
	f.Helper()
	ring, err := seal.New(seal.AES256GCM, time.Now)
	if err != nil {
		f.Fatal(err)
	}
	return New(st, ring, func() time.Time { return fuzzNow })
}

// windowCodes returns the codes of the steps around now that match accepts
// for raw, computed by the library rather than by match.
func windowCodes(tb testing.TB, raw []byte, now time.Time) map[string]bool {
	tb.Helper()
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
	out := map[string]bool{}
	for d := -Skew; d <= Skew; d++ {
		c, err := Code(secret, now.Add(time.Duration(d)*Period))
		if err != nil {
			tb.Fatal(err)
		}
		out[c] = true
	}
	return out
}

// refWellFormed is an independent statement of a code's shape: exactly
// Digits characters, each an ASCII digit.
func refWellFormed(code string) bool {
	return len(code) == Digits && strings.Trim(code, "0123456789") == ""
}

// normalize is how a typed code is read: spaces inside and around it are
// ignored.
func normalize(code string) string {
	return strings.ReplaceAll(strings.TrimSpace(code), " ", "")
}

// FuzzCode: for any typed code, wellFormed agrees with the reference, and
// match accepts only a well-formed code that is one of the window's codes,
// returning that code's step.
func FuzzCode(f *testing.F) {
	raw := []byte("0123456789abcdefghij") // SecretBytes
	good := windowCodes(f, raw, fuzzNow)
	for c := range good {
		f.Add(c)
		f.Add(" " + c[:3] + " " + c[3:] + " ")
	}
	for _, s := range []string{"", "000000", "12345", "1234567", "12345a", "١٢٣٤٥٦", "+12345", "-12345", "0x1234", "123\x00456", "\t123456\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		if got, want := wellFormed(code), refWellFormed(code); got != want {
			t.Fatalf("wellFormed(%q) = %v, reference %v", code, got, want)
		}
		step, ok := match(raw, code, fuzzNow)
		n := normalize(code)
		if want := refWellFormed(n) && good[n]; ok != want {
			t.Fatalf("match(%q) = %v, want %v", code, ok, want)
		}
		if !ok {
			return
		}
		if d := step - Step(fuzzNow); d < -Skew || d > Skew {
			t.Fatalf("match(%q) gave step %d, %d steps from now", code, step, d)
		}
		if c, err := Code(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw), time.Unix(step*int64(Period/time.Second), 0)); err != nil || c != n {
			t.Fatalf("match(%q) gave step %d whose code is %q", code, step, c)
		}
	})
}

// FuzzEnrolmentToken: an enrolment token the form posts back opens only
// when it holds the sealed secret Begin made for this user and has not
// expired: Reveal of any
// other token is ErrEnrolmentExpired, and Confirm stores a secret only
// from an opening token with a valid code of it, never for another user.
func FuzzEnrolmentToken(f *testing.F) {
	const user, other = "u_ada", "u_bob"
	seedStore := newFuzzStore()
	svc := fuzzService(f, seedStore)
	p, err := svc.Begin(user, "ada")
	if err != nil {
		f.Fatal(err)
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(p.Secret)
	if err != nil {
		f.Fatal(err)
	}
	// A token Begin made for this user that has expired by fuzzNow.
	old, err := New(seedStore, svc.seal, func() time.Time { return fuzzNow.Add(-EnrolmentTTL) }).Begin(user, "ada")
	if err != nil {
		f.Fatal(err)
	}
	good := windowCodes(f, raw, fuzzNow)
	var aCode string
	for c := range good {
		aCode = c
	}
	for _, s := range []struct{ token, code string }{
		{p.Token, aCode},
		{p.Token, "000000"},
		{old.Token, aCode},
		{p.Token[:len(p.Token)-1], aCode},
		{p.Token + "A", aCode},
		{strings.ToUpper(p.Token), aCode},
		{"", aCode},
		{"====", ""},
		{strings.Repeat("A", 600), aCode},
	} {
		f.Add(s.token, s.code)
	}
	f.Fuzz(func(t *testing.T, token, code string) {
		svc.store = newFuzzStore() // each input starts with nobody enrolled
		ctx := context.Background()
		rp, rerr := svc.Reveal(user, "ada", token)
		if rerr != nil && !errors.Is(rerr, ErrEnrolmentExpired) {
			t.Fatalf("Reveal(%q) = %v, want ErrEnrolmentExpired", token, rerr)
		}
		if rerr == nil && rp.Secret != p.Secret {
			t.Fatalf("Reveal(%q) opened a secret Begin never made", token)
		}
		if _, err := svc.Reveal(other, "bob", token); err == nil {
			t.Fatalf("Reveal(%q) opened ada's enrolment for bob", token)
		}
		err := svc.Confirm(ctx, user, token, "", code)
		switch {
		case rerr != nil:
			if !errors.Is(err, ErrEnrolmentExpired) {
				t.Fatalf("Confirm(%q) of a token that does not open = %v", token, err)
			}
		case refWellFormed(normalize(code)) && good[normalize(code)]:
			if err != nil {
				t.Fatalf("Confirm with a valid code = %v", err)
			}
		default:
			if !errors.Is(err, ErrInvalidCode) {
				t.Fatalf("Confirm(code %q) = %v, want ErrInvalidCode", code, err)
			}
		}
		if enrolled, _ := svc.Enrolled(ctx, user); enrolled != (err == nil) {
			t.Fatalf("Confirm = %v but enrolled = %v", err, enrolled)
		}
		if err := svc.Confirm(ctx, other, token, "", code); !errors.Is(err, ErrEnrolmentExpired) {
			t.Fatalf("Confirm(%q) for another user = %v, want ErrEnrolmentExpired", token, err)
		}
	})
}

// FuzzChallengeID: a sign-in challenge cookie reaches the store only when
// it has the exact shape of an id (43 base64url characters); anything else
// is ErrNoChallenge without a lookup, and only the issued id finds its
// challenge.
func FuzzChallengeID(f *testing.F) {
	st := newFuzzStore()
	svc := fuzzService(f, st)
	id, err := svc.StartChallenge(context.Background(), "u_ada", "k_1")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{id, "", id[:42], id + "A", strings.Repeat("/", 43), strings.Repeat("+", 43), id[:42] + "=", strings.Repeat("A", 43), "\x00" + id[1:]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		valid := validChallengeID(s)
		if valid && (len(s) != 43 || strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "") {
			t.Fatalf("validChallengeID accepted %q", s)
		}
		st.mu.Lock()
		before := st.lookups
		st.mu.Unlock()
		c, err := svc.Challenge(context.Background(), s)
		st.mu.Lock()
		looked := st.lookups != before
		st.mu.Unlock()
		if !valid && looked {
			t.Fatalf("Challenge(%q) reached the store with a malformed id", s)
		}
		if s == id {
			if err != nil || c.UserID != "u_ada" {
				t.Fatalf("Challenge(issued id) = %+v, %v", c, err)
			}
			return
		}
		if !errors.Is(err, ErrNoChallenge) {
			t.Fatalf("Challenge(%q) = %+v, %v; want ErrNoChallenge", s, c, err)
		}
	})
}
