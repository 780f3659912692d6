package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/samo-brain/samo/internal/token"
)

var _ token.DenyLog = (*Store)(nil)

// SaveDenial records id as revoked until `until`, keeping the later until
// (token.DenyLog).
func (s *Store) SaveDenial(ctx context.Context, id string, until time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO token_denials (id, until_ns) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET until_ns = CASE WHEN excluded.until_ns > token_denials.until_ns
			THEN excluded.until_ns ELSE token_denials.until_ns END`, id, ns(until))
	if err != nil {
		return fmt.Errorf("store: save token denial: %w", err)
	}
	return nil
}

// SaveCutoff records the sign-everyone-out cut-off; neither t nor until
// moves back (token.DenyLog).
func (s *Store) SaveCutoff(ctx context.Context, t, until time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO token_cutoff (id, before_ns, until_ns) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET
			before_ns = CASE WHEN excluded.before_ns > token_cutoff.before_ns THEN excluded.before_ns ELSE token_cutoff.before_ns END,
			until_ns = CASE WHEN excluded.until_ns > token_cutoff.until_ns THEN excluded.until_ns ELSE token_cutoff.until_ns END`,
		ns(t), ns(until))
	if err != nil {
		return fmt.Errorf("store: save token cut-off: %w", err)
	}
	return nil
}

// LoadDenials returns the denials and the cut-off still live at now
// (token.DenyLog).
func (s *Store) LoadDenials(ctx context.Context, now time.Time) (token.Denials, error) {
	d := token.Denials{IDs: map[string]time.Time{}}
	rows, err := s.query(ctx, `SELECT id, until_ns FROM token_denials WHERE until_ns > ?`, ns(now))
	if err != nil {
		return d, fmt.Errorf("store: load token denials: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var until int64
		if err := rows.Scan(&id, &until); err != nil {
			return d, s.wrap(err)
		}
		d.IDs[id] = fromNS(until)
	}
	if err := rows.Err(); err != nil {
		return d, s.wrap(err)
	}
	before, until, err := s.LoadCutoff(ctx)
	if err != nil {
		return d, err
	}
	if until.After(now) {
		d.Before, d.BeforeUntil = before, until
	}
	return d, nil
}

// LoadCutoff returns the recorded sign-everyone-out cut-off and its until,
// zero times when there is none (token.DenyLog).
func (s *Store) LoadCutoff(ctx context.Context) (t, until time.Time, err error) {
	var before, u int64
	err = s.queryRow(ctx, `SELECT before_ns, until_ns FROM token_cutoff WHERE id = 1`).Scan(&before, &u)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return time.Time{}, time.Time{}, nil
	case err != nil:
		return time.Time{}, time.Time{}, fmt.Errorf("store: load token cut-off: %w", s.wrap(err))
	}
	return fromNS(before), fromNS(u), nil
}

// PurgeDenials deletes the denials, and a cut-off, whose until is before
// `before`: every token they revoked has expired.
func (s *Store) PurgeDenials(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.tx(ctx, func(t *txn) error {
		res, err := t.exec(ctx, `DELETE FROM token_denials WHERE until_ns < ?`, ns(before))
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = t.exec(ctx, `DELETE FROM token_cutoff WHERE until_ns < ?`, ns(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge token denials: %w", err)
	}
	return int(n), nil
}
