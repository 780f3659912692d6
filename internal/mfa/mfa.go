// Package mfa is the dashboard's second factor: a time-based one-time
// password (TOTP, RFC 6238) per user, enrolled, verified, turned off and
// reset through Service, and the short-lived sign-in challenges that stand
// between a valid API key and a dashboard session for a user who has one.
//
//	svc := mfa.New(st, keyring, time.Now)
//	p, _ := svc.Begin(u.ID, u.Name)            // show p.Secret and p.URI; post p.Token back
//	err := svc.Confirm(ctx, u.ID, p.Token, "", code) // stores the secret only now
//	err = svc.Verify(ctx, u.ID, code)          // ErrInvalidCode: wrong, expired or replayed
//	var lk *mfa.Locked
//	if errors.As(err, &lk) {                   // errors.Is(err, mfa.ErrLocked)
//		// refuse; say "try again after lk.Until" (zero: ask an admin)
//	}
//
// Codes are what every authenticator app makes: HMAC-SHA1, 6 digits, 30 s
// steps, from a 160-bit secret (github.com/pquerna/otp). A code of the
// current step or one step either side is accepted, compared in constant
// time (hotp.ValidateCustom uses crypto/subtle), each of the three steps
// checked whatever the others gave. The store keeps the last accepted step
// per user and accepts a code only for a later one, with a compare-and-set
// in SQL: a code accepted once is refused the second time, even within its
// window and even when two replicas receive it together (RFC 6238 §5.2).
//
// The secret is sealed with the keyring (seal.Keyring.Seal, bound to the
// user id by its associated data, AAD) and stored only once the user has
// typed a valid code from it. Until then it travels in the enrolment form
// itself, sealed together with its expiry (10 minutes) and bound to the
// user, so nothing is stored for an enrolment that is never finished and a
// user cannot choose a secret of their own. After enrolment the secret is
// never shown again. Replacing the secret or turning the factor off needs a
// current code; Reset (an admin action) needs none. Confirm given a
// current code for a user with no factor any more (a Reset landed after
// the caller looked) returns ErrNotEnrolled and enrols nothing: the caller
// asks again as for a first enrolment.
//
// Wrong codes are limited per user, whatever challenge, page or address
// they come from: every attempt at a code of the stored secret (Verify,
// Confirm's current code, Disable) is counted in the store before the code
// is checked, so parallel guesses on several replicas cannot check more
// than MaxUserFailures codes between two locks. Every MaxUserFailures-th
// consecutive failure locks the factor, first for LockPeriod, doubling
// with each further lock up to MaxLockPeriod; at MaxConsecutiveFailures
// it stays locked until an admin's Reset. While locked, Verify returns a
// *Locked without opening the secret or looking at the code; when a wrong
// code sets the lock, the *Locked also matches that code's error (its
// Code field), so the caller can report the new lock once. An accepted
// code clears the count; Reset and a new enrolment start at zero. Status
// tells a page whether the factor is locked without counting anything.
//
// Challenges: the browser holds 256 random bits in a cookie, the store
// keeps their SHA-256 with the user and API key. A challenge lives
// ChallengeTTL, ends after MaxFailures wrong codes and is consumed by the
// code that opens the session.
package mfa

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/samo-brain/samo/internal/seal"
)

// Parameters of the codes and their lifetimes.
const (
	// Issuer names SAMO in authenticator apps.
	Issuer = "SAMO"
	// Period is the length of a time step.
	Period = 30 * time.Second
	// Digits is the length of a code.
	Digits = 6
	// SecretBytes is the size of a secret (160 bits, RFC 4226 §4).
	SecretBytes = 20
	// Skew is how many steps either side of the current one are accepted.
	Skew = 1
	// EnrolmentTTL bounds the time between showing a new secret and
	// confirming it.
	EnrolmentTTL = 10 * time.Minute
	// ChallengeTTL bounds the time between a valid API key and its code.
	ChallengeTTL = 5 * time.Minute
	// MaxFailures ends a challenge after this many wrong codes.
	MaxFailures = 5
)

// Sentinel errors. Any other error means the store or the keyring could not
// answer: callers fail closed.
var (
	// ErrInvalidCode: the code is malformed, wrong, outside the window or
	// already used. Callers say only that the code is not valid.
	ErrInvalidCode = errors.New("mfa: invalid code")
	// ErrReplayed is the ErrInvalidCode of a code whose step was already
	// accepted (errors.Is(ErrReplayed, ErrInvalidCode) holds).
	ErrReplayed = fmt.Errorf("%w: already used", ErrInvalidCode)
	// ErrNotEnrolled: the user has no second factor; from Confirm, given
	// a current code, the factor it was to replace is gone (reset since
	// the caller looked), and nothing was enrolled.
	ErrNotEnrolled = errors.New("mfa: no second factor enrolled")
	// ErrEnrolled: Confirm without the current code for a user who has one.
	ErrEnrolled = errors.New("mfa: a second factor is enrolled; give its current code")
	// ErrEnrolmentExpired: the enrolment form is too old, or not this
	// user's, or was altered.
	ErrEnrolmentExpired = errors.New("mfa: enrolment expired")
	// ErrNoChallenge: the sign-in challenge is unknown, expired, used or
	// ended by too many wrong codes.
	ErrNoChallenge = errors.New("mfa: no such sign-in challenge")
)

// Enrolment is a user's stored second factor.
type Enrolment struct {
	UserID     string
	Sealed     []byte // seal.Keyring.Seal of the raw secret, AAD(UserID)
	KeyID      string // the data key that sealed it (seal.KeyID)
	LastStep   int64  // the last accepted time step
	EnrolledAt time.Time
	// Failures counts the code attempts since the last accepted code.
	Failures int
	// LockedUntil: no code is checked before it (zero: not locked).
	LockedUntil time.Time
}

// Challenge is a sign-in waiting for its code.
type Challenge struct {
	UserID   string
	KeyID    string // the API key that passed the first step
	Created  time.Time
	Failures int
}

// Store persists enrolments and challenges (store.Store).
type Store interface {
	// TOTP returns the user's enrolment, or ErrNotEnrolled.
	TOTP(ctx context.Context, userID string) (Enrolment, error)
	// PutTOTP stores e, replacing the user's previous enrolment, with no
	// failures and no lock.
	PutTOTP(ctx context.Context, e Enrolment) error
	// ReserveTOTP counts one code attempt for the user, in one
	// transaction that no other attempt interleaves with, and returns the
	// enrolment. If its lock runs past now, nothing changes and counted
	// is false. Otherwise Failures grows by one, LockedUntil becomes
	// lock(Failures) (the zero time: none), both are stored, and counted
	// is true. ErrNotEnrolled when the user has no second factor.
	ReserveTOTP(ctx context.Context, userID string, now time.Time, lock func(failures int) time.Time) (e Enrolment, counted bool, err error)
	// AdvanceTOTP sets the last accepted step to step if it is lower and
	// the stored secret is still sealed, and clears the failures and the
	// lock in the same write; it reports whether it did.
	AdvanceTOTP(ctx context.Context, userID string, sealed []byte, step int64) (bool, error)
	// DeleteTOTP removes the user's enrolment, reporting whether there was one.
	DeleteTOTP(ctx context.Context, userID string) (bool, error)
	// CreateChallenge stores c under hash and deletes every challenge
	// created before purgeBefore.
	CreateChallenge(ctx context.Context, hash []byte, c Challenge, purgeBefore time.Time) error
	// Challenge returns the challenge under hash, or ErrNoChallenge.
	Challenge(ctx context.Context, hash []byte) (Challenge, error)
	// FailChallenge adds one failure and returns the new count, or
	// ErrNoChallenge.
	FailChallenge(ctx context.Context, hash []byte) (int, error)
	// DeleteChallenge removes the challenge, reporting whether it existed.
	DeleteChallenge(ctx context.Context, hash []byte) (bool, error)
}

// Sealer seals secrets at rest (seal.Keyring).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// AAD binds a sealed secret to its user's row.
func AAD(userID string) []byte { return seal.AAD("user_totp", "secret", userID) }

// enrolmentAAD binds an enrolment form's sealed secret to its user.
func enrolmentAAD(userID string) []byte { return seal.AAD("totp_enrolment", "form", userID) }

// Service enrols and verifies second factors.
type Service struct {
	store Store
	seal  Sealer
	now   func() time.Time
}

// New returns a Service; now is the clock (time.Now).
func New(st Store, s Sealer, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, seal: s, now: now}
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func validateOpts() totp.ValidateOpts {
	return totp.ValidateOpts{Period: uint(Period / time.Second), Skew: Skew, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
}

// Pending is a new secret shown for enrolment.
type Pending struct {
	Secret string // base32, as authenticator apps take it
	URI    string // otpauth://totp/SAMO:name?…
	Token  string // the sealed secret and expiry, posted back by the form
}

// Begin makes a new secret for the user, stores nothing, and returns it
// with the token that Confirm takes back.
func (s *Service) Begin(userID, account string) (Pending, error) {
	raw := make([]byte, SecretBytes)
	if _, err := rand.Read(raw); err != nil {
		return Pending{}, err
	}
	exp := make([]byte, 8)
	binary.BigEndian.PutUint64(exp, uint64(s.now().Add(EnrolmentTTL).Unix())) // #nosec G115 -- times after 1970
	sealed, err := s.seal.Seal(append(raw, exp...), enrolmentAAD(userID))
	if err != nil {
		return Pending{}, fmt.Errorf("mfa: seal enrolment: %w", err)
	}
	return pending(raw, account, base64.RawURLEncoding.EncodeToString(sealed))
}

// Reveal reopens an enrolment token of the user, to show its secret again
// after a mistyped code.
func (s *Service) Reveal(userID, account, token string) (Pending, error) {
	raw, err := s.openToken(userID, token)
	if err != nil {
		return Pending{}, err
	}
	return pending(raw, account, token)
}

func pending(raw []byte, account, token string) (Pending, error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: Issuer, AccountName: account, Period: uint(Period / time.Second),
		SecretSize: SecretBytes, Secret: raw, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Pending{}, fmt.Errorf("mfa: %w", err)
	}
	return Pending{Secret: k.Secret(), URI: k.URL(), Token: token}, nil
}

func (s *Service) openToken(userID, token string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(token) > 512 {
		return nil, ErrEnrolmentExpired
	}
	pt, err := s.seal.Open(b, enrolmentAAD(userID))
	if err != nil || len(pt) != SecretBytes+8 {
		return nil, ErrEnrolmentExpired
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(pt[SecretBytes:])), 0) // #nosec G115 -- written by Begin
	if !s.now().Before(exp) {
		return nil, ErrEnrolmentExpired
	}
	return pt[:SecretBytes], nil
}

// Enrolled reports whether the user has a second factor.
func (s *Service) Enrolled(ctx context.Context, userID string) (bool, error) {
	_, err := s.store.TOTP(ctx, userID)
	if errors.Is(err, ErrNotEnrolled) {
		return false, nil
	}
	return err == nil, err
}

// Confirm stores the secret of token once code is a valid code from it.
// A user who is enrolled already must also give a current code of the
// secret being replaced (current): ErrEnrolled without one. A current
// code means the caller expects a factor to replace: when the user has
// none (an admin reset it since the caller looked), Confirm fails closed
// with ErrNotEnrolled and enrols nothing, since the caller re-authenticated
// the user only by that code. Ask again as for a first enrolment (the
// dashboard takes the API key again), then call Confirm without current.
//
// The stored enrolment is read once: without a current code, only to
// learn whether there is one (Enrolled); with one, by Verify, whose
// ReserveTOTP counts the attempt and reads the enrolment in one
// transaction.
func (s *Service) Confirm(ctx context.Context, userID, token, current, code string) error {
	raw, err := s.openToken(userID, token)
	if err != nil {
		return err
	}
	if err := s.checkCurrent(ctx, userID, current); err != nil {
		return err
	}
	step, ok := match(raw, code, s.now())
	if !ok {
		return ErrInvalidCode
	}
	sealed, err := s.seal.Seal(raw, AAD(userID))
	if err != nil {
		return fmt.Errorf("mfa: seal secret: %w", err)
	}
	kid, err := seal.KeyID(sealed)
	if err != nil {
		return err
	}
	// The confirming code's step counts as used: it cannot sign in.
	return s.store.PutTOTP(ctx, Enrolment{UserID: userID, Sealed: sealed, KeyID: kid, LastStep: step, EnrolledAt: s.now().UTC()})
}

// checkCurrent is Confirm's check of the factor being replaced: nil when
// current is empty and the user has none, or current is a valid code of
// the one they have. (If statements, not a switch: coverage, and so
// mutation testing, sees each condition of an if.)
func (s *Service) checkCurrent(ctx context.Context, userID, current string) error {
	if current == "" {
		enrolled, err := s.Enrolled(ctx, userID)
		if err != nil {
			return err
		}
		if enrolled {
			return ErrEnrolled
		}
		return nil
	}
	// The current code is a guess of the stored secret: counted. The new
	// secret's code is not. ErrNotEnrolled (the factor was reset) is
	// returned too: the code re-authenticated nothing.
	return s.Verify(ctx, userID, current)
}

// Verify accepts code for the user once: ErrInvalidCode (ErrReplayed for
// a code already used), a *Locked (ErrLocked) when wrong codes locked the
// factor, ErrNotEnrolled, or an error of the store or the keyring. The
// attempt is counted before the code is checked; an accepted code clears
// the count.
func (s *Service) Verify(ctx context.Context, userID, code string) error {
	e, err := s.reserve(ctx, userID)
	if err != nil {
		return err
	}
	err = s.verify(ctx, e, code)
	if errors.Is(err, ErrInvalidCode) && !e.LockedUntil.IsZero() {
		return locked(e, err) // this wrong code set the lock
	}
	return err
}

func (s *Service) verify(ctx context.Context, e Enrolment, code string) error {
	raw, err := s.seal.Open(e.Sealed, AAD(e.UserID))
	if err != nil {
		return fmt.Errorf("mfa: open secret: %w", err)
	}
	step, ok := match(raw, code, s.now())
	if !ok {
		return ErrInvalidCode
	}
	if step <= e.LastStep {
		return ErrReplayed
	}
	advanced, err := s.store.AdvanceTOTP(ctx, e.UserID, e.Sealed, step)
	if err != nil {
		return err
	}
	if !advanced {
		return ErrReplayed // another request took this step (or a later one) first
	}
	return nil
}

// Disable removes the user's second factor after a valid current code.
func (s *Service) Disable(ctx context.Context, userID, code string) error {
	if err := s.Verify(ctx, userID, code); err != nil {
		return err
	}
	_, err := s.store.DeleteTOTP(ctx, userID)
	return err
}

// Reset removes the user's second factor without a code (an admin
// action) and reports whether there was one.
func (s *Service) Reset(ctx context.Context, userID string) (bool, error) {
	return s.store.DeleteTOTP(ctx, userID)
}

// Step returns the time step of t.
func Step(t time.Time) int64 { return t.Unix() / int64(Period/time.Second) }

// match returns the step of now-Skew … now+Skew whose code is code. Every
// step is checked, each in constant time, whatever the others gave.
func match(raw []byte, code string, now time.Time) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if !wellFormed(code) {
		return 0, false
	}
	secret := b32.EncodeToString(raw)
	opts := validateOpts()
	hopts := hotp.ValidateOpts{Digits: opts.Digits, Algorithm: opts.Algorithm}
	cur := Step(now)
	var found int64
	ok := false
	for d := int64(-Skew); d <= Skew; d++ {
		st := cur + d
		if st < 0 {
			continue
		}
		if good, err := hotp.ValidateCustom(code, uint64(st), secret, hopts); err == nil && good { // #nosec G115 -- st ≥ 0
			found, ok = st, true
		}
	}
	return found, ok
}

// wellFormed reports whether code is Digits ASCII digits.
func wellFormed(code string) bool {
	if len(code) != Digits {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// Code returns the code of the secret's step at t (tests and tools).
func Code(secretBase32 string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secretBase32, t, validateOpts())
}
