package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/samo-brain/samo/internal/mfa"
)

var _ mfa.Store = (*Store)(nil)

// TOTP returns the user's second factor, or mfa.ErrNotEnrolled.
func (s *Store) TOTP(ctx context.Context, userID string) (mfa.Enrolment, error) {
	e := mfa.Enrolment{UserID: userID}
	var at int64
	err := s.wrap(s.w.QueryRowContext(ctx, s.rebind(`SELECT secret_sealed, secret_key_id, last_step, enrolled_at FROM user_totp WHERE user_id = ?`), userID).
		Scan(&e.Sealed, &e.KeyID, &e.LastStep, &at))
	if errors.Is(err, ErrNotFound) {
		return mfa.Enrolment{}, mfa.ErrNotEnrolled
	}
	if err != nil {
		return mfa.Enrolment{}, fmt.Errorf("store: totp: %w", err)
	}
	e.EnrolledAt = fromNS(at)
	return e, nil
}

// PutTOTP stores the user's second factor, replacing any previous one.
func (s *Store) PutTOTP(ctx context.Context, e mfa.Enrolment) error {
	_, err := s.exec(ctx, `INSERT INTO user_totp (user_id, secret_sealed, secret_key_id, last_step, enrolled_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET secret_sealed = excluded.secret_sealed, secret_key_id = excluded.secret_key_id,
		last_step = excluded.last_step, enrolled_at = excluded.enrolled_at`,
		e.UserID, e.Sealed, e.KeyID, e.LastStep, ns(e.EnrolledAt))
	if err != nil {
		return fmt.Errorf("store: put totp: %w", err)
	}
	return nil
}

// AdvanceTOTP moves the user's last accepted step to step, only if it is
// below step and the stored secret is still sealed (compare-and-set: of two
// requests with the same code, on any replicas, one wins).
func (s *Store) AdvanceTOTP(ctx context.Context, userID string, sealed []byte, step int64) (bool, error) {
	res, err := s.exec(ctx, `UPDATE user_totp SET last_step = ? WHERE user_id = ? AND last_step < ? AND secret_sealed = ?`,
		step, userID, step, sealed)
	if err != nil {
		return false, fmt.Errorf("store: advance totp: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.wrap(err)
	}
	return n == 1, nil
}

// DeleteTOTP removes the user's second factor and reports whether there
// was one.
func (s *Store) DeleteTOTP(ctx context.Context, userID string) (bool, error) {
	return s.deleteOne(ctx, `DELETE FROM user_totp WHERE user_id = ?`, userID)
}

// CreateChallenge stores a sign-in challenge under hash and deletes those
// created before purgeBefore.
func (s *Store) CreateChallenge(ctx context.Context, hash []byte, c mfa.Challenge, purgeBefore time.Time) error {
	err := s.tx(ctx, func(t *txn) error {
		if _, err := t.exec(ctx, `DELETE FROM totp_challenges WHERE created_at < ?`, ns(purgeBefore)); err != nil {
			return err
		}
		_, err := t.exec(ctx, `INSERT INTO totp_challenges (hash, user_id, key_id, created_at, failures) VALUES (?, ?, ?, ?, 0)`,
			hash, c.UserID, c.KeyID, ns(c.Created))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: create challenge: %w", s.wrap(err))
	}
	return nil
}

// Challenge returns the challenge under hash, or mfa.ErrNoChallenge. It
// reads the primary: the challenge was written a moment ago.
func (s *Store) Challenge(ctx context.Context, hash []byte) (mfa.Challenge, error) {
	var c mfa.Challenge
	var at int64
	err := s.wrap(s.w.QueryRowContext(ctx, s.rebind(`SELECT user_id, key_id, created_at, failures FROM totp_challenges WHERE hash = ?`), hash).
		Scan(&c.UserID, &c.KeyID, &at, &c.Failures))
	if errors.Is(err, ErrNotFound) {
		return mfa.Challenge{}, mfa.ErrNoChallenge
	}
	if err != nil {
		return mfa.Challenge{}, fmt.Errorf("store: challenge: %w", err)
	}
	c.Created = fromNS(at)
	return c, nil
}

// FailChallenge adds one failure to the challenge atomically and returns
// the new count, or mfa.ErrNoChallenge.
func (s *Store) FailChallenge(ctx context.Context, hash []byte) (int, error) {
	var n int
	err := s.wrap(s.w.QueryRowContext(ctx, s.rebind(`UPDATE totp_challenges SET failures = failures + 1 WHERE hash = ? RETURNING failures`), hash).Scan(&n))
	if errors.Is(err, ErrNotFound) {
		return 0, mfa.ErrNoChallenge
	}
	if err != nil {
		return 0, fmt.Errorf("store: fail challenge: %w", err)
	}
	return n, nil
}

// DeleteChallenge removes the challenge and reports whether it existed:
// of two requests ending the same challenge, exactly one sees true.
func (s *Store) DeleteChallenge(ctx context.Context, hash []byte) (bool, error) {
	return s.deleteOne(ctx, `DELETE FROM totp_challenges WHERE hash = ?`, hash)
}

func (s *Store) deleteOne(ctx context.Context, q string, arg any) (bool, error) {
	res, err := s.exec(ctx, q, arg)
	if err != nil {
		return false, fmt.Errorf("store: delete: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.wrap(err)
	}
	return n > 0, nil
}
