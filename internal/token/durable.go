package token

import (
	"context"
	"fmt"
	"time"
)

// DenyLog keeps a deny-list's entries on disk, for a DenyList held in one
// process's memory (no Redis): NewDurableDenyList reads them back at start,
// so a token revoked before a restart stays revoked after it. The store
// package implements it with SQL.
type DenyLog interface {
	// SaveDenial records id as revoked until `until`, keeping the later
	// until when id is already recorded.
	SaveDenial(ctx context.Context, id string, until time.Time) error
	// SaveCutoff records DenyIssuedBefore(t, until) under DenyList's rule:
	// neither t nor until ever moves back.
	SaveCutoff(ctx context.Context, t, until time.Time) error
	// LoadDenials returns the entries, and the cut-off, whose until is after
	// now.
	LoadDenials(ctx context.Context, now time.Time) (Denials, error)
	// LoadCutoff returns the recorded cut-off and its until (zero times
	// when none was ever recorded).
	LoadCutoff(ctx context.Context) (t, until time.Time, err error)
}

// Denials is what a DenyLog holds.
type Denials struct {
	IDs map[string]time.Time // id → until
	// Before is the DenyIssuedBefore cut-off, zero when none is live;
	// BeforeUntil is its until.
	Before, BeforeUntil time.Time
}

// durableDenyList answers from memory and writes through to a DenyLog.
type durableDenyList struct {
	mem DenyList
	log DenyLog
}

// NewDurableDenyList loads log's live entries (at now) into mem and returns
// a DenyList that answers from mem, so checking a token costs no I/O, and
// writes every revocation to log as well. A revocation takes effect in
// memory first: when the log cannot be written the call fails (the logout
// or sign-out answers an error and can be retried) but the token is
// already refused until the process stops.
func NewDurableDenyList(ctx context.Context, mem DenyList, log DenyLog, now time.Time) (DenyList, error) {
	d, err := log.LoadDenials(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("token: load the deny-list: %w", err)
	}
	for id, until := range d.IDs {
		if err := mem.Deny(ctx, id, until); err != nil {
			return nil, fmt.Errorf("token: load the deny-list: %w", err)
		}
	}
	if !d.Before.IsZero() {
		if err := mem.DenyIssuedBefore(ctx, d.Before, d.BeforeUntil); err != nil {
			return nil, fmt.Errorf("token: load the deny-list: %w", err)
		}
	}
	return &durableDenyList{mem: mem, log: log}, nil
}

// Deny implements DenyList.
func (d *durableDenyList) Deny(ctx context.Context, id string, until time.Time) error {
	if err := d.mem.Deny(ctx, id, until); err != nil {
		return err
	}
	return d.log.SaveDenial(ctx, id, until)
}

// Denied implements DenyList, from memory.
func (d *durableDenyList) Denied(ctx context.Context, id string) (bool, error) {
	return d.mem.Denied(ctx, id)
}

// DenyIssuedBefore implements DenyList.
func (d *durableDenyList) DenyIssuedBefore(ctx context.Context, t, until time.Time) error {
	if err := d.mem.DenyIssuedBefore(ctx, t, until); err != nil {
		return err
	}
	return d.log.SaveCutoff(ctx, t, until)
}

// IssuedBefore implements DenyList. It reads the cut-off from the log
// too, so a sign-everyone-out written by another process on the same
// database (samo sessions end-all) reaches this one without a restart. A
// Service asks at most once per cutoffRefresh (1 s), so this is one small
// query a second; when the log cannot be read it fails closed.
func (d *durableDenyList) IssuedBefore(ctx context.Context) (time.Time, error) {
	t, until, err := d.log.LoadCutoff(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("token: read the deny-list cut-off: %w", err)
	}
	if !t.IsZero() {
		if err := d.mem.DenyIssuedBefore(ctx, t, until); err != nil {
			return time.Time{}, err
		}
	}
	return d.mem.IssuedBefore(ctx)
}
