package apikey

import (
	"context"
	"errors"
	"time"
)

// Errors returned by this package. Callers test them with errors.Is; the
// HTTP layer answers 401 for ErrMalformed, ErrNotFound, ErrRevoked,
// ErrExpired and ErrSuspended without saying which one it was.
var (
	// ErrMalformed: the presented string is not a well-formed key (prefix,
	// length, alphabet or checksum); no lookup was made.
	ErrMalformed = errors.New("apikey: malformed key")
	// ErrNotFound: no key with that hash or id.
	ErrNotFound = errors.New("apikey: key not found")
	// ErrRevoked: the key was revoked (final).
	ErrRevoked = errors.New("apikey: key revoked")
	// ErrExpired: the key expired (idle too long, grace period over, pruned
	// by rotation, or past ExpiresAt).
	ErrExpired = errors.New("apikey: key expired")
	// ErrSuspended: the key is suspended (e.g. by an incident playbook).
	ErrSuspended = errors.New("apikey: key suspended")
	// ErrRotated: the key was already rotated; rotate its replacement.
	ErrRotated = errors.New("apikey: key already rotated")
	// ErrConflict: a store found the key changed concurrently (for example a
	// second rotation of the same key); nothing was written.
	ErrConflict = errors.New("apikey: key changed concurrently")
	// ErrInvalid: an argument or the configuration is invalid.
	ErrInvalid = errors.New("apikey: invalid argument")
)

// Status is the stored state of a key.
type Status string

// Key statuses. A key in its rotation grace period is StatusActive with
// GraceUntil and ReplacedBy set. Revoked and expired are final.
const (
	StatusActive    Status = "active"
	StatusRevoked   Status = "revoked"
	StatusExpired   Status = "expired"
	StatusSuspended Status = "suspended"
)

// Valid reports whether s is one of the four statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusActive, StatusRevoked, StatusExpired, StatusSuspended:
		return true
	}
	return false
}

// Key is the stored record of an API key. It never holds the plaintext.
// Hash is excluded from JSON so a Key can be rendered without leaking it.
type Key struct {
	ID         string     `json:"id"`                    // public random id, "key_" + 12 base62
	UserID     string     `json:"user_id"`               // owner
	Name       string     `json:"name"`                  // free label
	Hash       []byte     `json:"-"`                     // SHA-256 of the whole key
	Prefix     string     `json:"prefix"`                // first 8 characters after "samo_", for display
	CreatedAt  time.Time  `json:"created_at"`            // creation (or rotation) time
	LastUsed   *time.Time `json:"last_used,omitempty"`   // last successful authentication, batched
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`  // absolute end of validity, nil = none
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`  // when revoked or suspended
	GraceUntil *time.Time `json:"grace_until,omitempty"` // end of the rotation grace period
	Status     Status     `json:"status"`                // stored status
	ReplacedBy string     `json:"replaced_by,omitempty"` // id of the key that replaced this one
	Lineage    string     `json:"lineage"`               // id of the first key of its rotation chain
	Generation int        `json:"generation"`            // position in the chain: 0 when created, +1 per rotation
}

// Display returns the key's recognisable, non-secret form, e.g.
// "samo_Ab3dEf9x…".
func (k Key) Display() string { return KeyPrefix + k.Prefix + "…" }

// lineage returns the rotation chain id, tolerating records written before
// Lineage existed.
func (k Key) lineage() string {
	if k.Lineage == "" {
		return k.ID
	}
	return k.Lineage
}

// clone returns a deep copy of k, so callers cannot alter cached records.
func (k Key) clone() Key {
	c := k
	c.Hash = append([]byte(nil), k.Hash...)
	c.LastUsed = cloneTime(k.LastUsed)
	c.ExpiresAt = cloneTime(k.ExpiresAt)
	c.RevokedAt = cloneTime(k.RevokedAt)
	c.GraceUntil = cloneTime(k.GraceUntil)
	return c
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// KeyPage selects one page of keys ordered newest first (CreatedAt, then
// ID): those of UserID ("" = every user) strictly after the position
// (BeforeAt, BeforeID) when BeforeID is set, at most Limit.
type KeyPage struct {
	UserID   string
	BeforeAt time.Time
	BeforeID string
	Limit    int
}

// Store persists keys. The store package implements it with SQL; every method
// must be safe for concurrent use. Errors other than the sentinels below are
// treated as infrastructure failures.
type Store interface {
	// CreateKey inserts k. The id and the hash are unique; a duplicate is an
	// error and nothing is written.
	CreateKey(ctx context.Context, k Key) error
	// KeyByHash returns the key whose Hash equals hash byte for byte, or an
	// error wrapping ErrNotFound.
	KeyByHash(ctx context.Context, hash []byte) (Key, error)
	// KeyByID returns the key with that id, or an error wrapping ErrNotFound.
	KeyByID(ctx context.Context, id string) (Key, error)
	// ListKeys returns the keys of userID ("" = every user), oldest first.
	ListKeys(ctx context.Context, userID string) ([]Key, error)
	// ListKeysPage returns one page of keys, newest first (CreatedAt, then
	// ID), as KeyPage describes.
	ListKeysPage(ctx context.Context, p KeyPage) ([]Key, error)
	// UpdateKeyStatus sets the status of key id and records at as RevokedAt
	// (for revoked and suspended). Revoked and expired are final: setting
	// the same status again is a no-op returning nil (the first RevokedAt
	// stays), any other change returns ErrRevoked or ErrExpired. Unknown id:
	// ErrNotFound.
	UpdateKeyStatus(ctx context.Context, id string, status Status, at time.Time) error
	// RotateKey does, in one transaction:
	//  1. checks that oldID exists (else ErrNotFound) and is active with an
	//     empty ReplacedBy (else ErrConflict, writing nothing);
	//  2. inserts newKey (whose Lineage is the old key's lineage);
	//  3. sets the old key's GraceUntil = graceUntil and ReplacedBy = newKey.ID;
	//  4. among the other active keys of newKey.Lineage, sets to expired
	//     (ExpiresAt = newKey.CreatedAt) those whose GraceUntil is not after
	//     newKey.CreatedAt, then all but the `backups` highest Generation of
	//     the rest.
	// With backups == 0 the old key itself expires at once.
	RotateKey(ctx context.Context, oldID string, newKey Key, graceUntil time.Time, backups int) error
	// TouchKeys records last uses in one batch: for each id, LastUsed becomes
	// the later of its stored value and the given time (never moves back).
	// Unknown ids are ignored.
	TouchKeys(ctx context.Context, lastUsed map[string]time.Time) error
}
