package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/samo-brain/samo/internal/mfa"
)

var _ mfa.Store = (*Store)(nil)

// TOTP returns the user's second factor, or mfa.ErrNotEnrolled.
func (s *Store) TOTP(ctx context.Context, userID string) (mfa.Enrolment, error) {
	e, err := scanTOTP(s.w.QueryRowContext(ctx, s.rebind(`SELECT `+totpColumns+` FROM user_totp WHERE user_id = ?`), userID), userID)
	if err != nil {
		return mfa.Enrolment{}, s.totpErr("totp", err)
	}
	return e, nil
}

// totpColumns are what scanTOTP reads.
const totpColumns = `secret_sealed, secret_key_id, last_step, enrolled_at, failures, locked_until`

func scanTOTP(row *sql.Row, userID string) (mfa.Enrolment, error) {
	e := mfa.Enrolment{UserID: userID}
	var at, until int64
	if err := row.Scan(&e.Sealed, &e.KeyID, &e.LastStep, &at, &e.Failures, &until); err != nil {
		return mfa.Enrolment{}, err
	}
	e.EnrolledAt, e.LockedUntil = fromNS(at), fromNS(until)
	return e, nil
}

// totpErr turns a missing row into mfa.ErrNotEnrolled.
func (s *Store) totpErr(op string, err error) error {
	err = s.wrap(err)
	if errors.Is(err, ErrNotFound) {
		return mfa.ErrNotEnrolled
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// PutTOTP stores the user's second factor, replacing any previous one,
// with no failures and no lock.
func (s *Store) PutTOTP(ctx context.Context, e mfa.Enrolment) error {
	_, err := s.exec(ctx, `INSERT INTO user_totp (user_id, secret_sealed, secret_key_id, last_step, enrolled_at, failures, locked_until) VALUES (?, ?, ?, ?, ?, 0, 0)
		ON CONFLICT (user_id) DO UPDATE SET secret_sealed = excluded.secret_sealed, secret_key_id = excluded.secret_key_id,
		last_step = excluded.last_step, enrolled_at = excluded.enrolled_at, failures = 0, locked_until = 0`,
		e.UserID, e.Sealed, e.KeyID, e.LastStep, ns(e.EnrolledAt))
	if err != nil {
		return fmt.Errorf("store: put totp: %w", err)
	}
	return nil
}

// ReserveTOTP counts one code attempt for the user before its code is
// checked (mfa.Store): in one transaction it reads the enrolment (FOR
// UPDATE on PostgreSQL; SQLite's single writer runs BEGIN IMMEDIATE), and
// unless its lock runs past now, adds one failure and stores the lock
// that lock gives for the new count. Of any number of parallel attempts,
// on any replicas, each sees the count of the ones before it.
func (s *Store) ReserveTOTP(ctx context.Context, userID string, now time.Time, lock func(failures int) time.Time) (mfa.Enrolment, bool, error) {
	var e mfa.Enrolment
	counted := false
	q := `SELECT ` + totpColumns + ` FROM user_totp WHERE user_id = ?`
	if s.dialect == Postgres {
		q += ` FOR UPDATE`
	}
	err := s.tx(ctx, func(t *txn) error {
		var err error
		counted = false
		if e, err = scanTOTP(t.queryRow(ctx, q, userID), userID); err != nil {
			return err
		}
		if ns(e.LockedUntil) > ns(now) {
			return nil // locked: nothing counted
		}
		e.Failures++
		e.LockedUntil = lock(e.Failures)
		if _, err := t.exec(ctx, `UPDATE user_totp SET failures = ?, locked_until = ? WHERE user_id = ?`, e.Failures, ns(e.LockedUntil), userID); err != nil {
			return err
		}
		counted = true
		return nil
	})
	if err != nil {
		return mfa.Enrolment{}, false, s.totpErr("reserve totp", err)
	}
	return e, counted, nil
}

// AdvanceTOTP moves the user's last accepted step to step, only if it is
// below step and the stored secret is still sealed (compare-and-set: of two
// requests with the same code, on any replicas, one wins), and clears the
// failures and the lock in the same write.
func (s *Store) AdvanceTOTP(ctx context.Context, userID string, sealed []byte, step int64) (bool, error) {
	res, err := s.exec(ctx, `UPDATE user_totp SET last_step = ?, failures = 0, locked_until = 0 WHERE user_id = ? AND last_step < ? AND secret_sealed = ?`,
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
