// Package session keeps the web dashboard's server-side sessions behind one
// small interface, Store, with two implementations that pass the same
// conformance suite (sessiontest): Memory, for one replica, and
// kv.Sessions, shared by every replica through Redis, so a browser signed
// in on one replica stays signed in on the others.
//
// The browser holds only the session id: 256 random bits (NewID),
// base64url. A Store never sees it: the caller hashes it (KeyOf) and the
// store keeps the session under the SHA-256, so a lookup compares no secret
// and a dump of the store holds no usable cookie. Check an id's shape with
// ValidID before hashing it.
//
//	id := session.NewID()
//	err := store.Create(ctx, session.KeyOf(id), session.Session{UserID: u, ...})
//	s, ok, err := store.Get(ctx, session.KeyOf(cookie)) // marks the session used
//	ls, err := store.ListKey(ctx, keyID)                  // a key's live sessions, for "your sessions"
//	n, err := session.EndKeys(ctx, store, userKeyIDs, current) // a user's other sessions
//
// A session ends after Config.Idle without use, Config.Absolute after it was
// created, on Delete, or with every session of its API key on DeleteKey.
// Each API key holds at most MaxPerKey sessions: creating one more ends the
// key's least recently used. Memory also bounds the whole table
// (Config.Max, ErrFull); on Redis every session expires by itself, so the
// sessions there are bounded by MaxPerKey times the keys that may sign in.
// Errors other than ErrFull mean the store could not answer; callers fail
// closed.
package session

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"time"

	"github.com/samo-brain/samo/internal/randid"
	"github.com/samo-brain/samo/internal/rbac"
)

// Defaults and bounds.
const (
	// DefaultIdle ends a session nobody used for this long.
	DefaultIdle = 15 * time.Minute
	// DefaultAbsolute ends every session this long after sign-in.
	DefaultAbsolute = 8 * time.Hour
	// DefaultMax bounds the sessions Memory keeps.
	DefaultMax = 10_000
	// MaxPerKey bounds the sessions one API key holds.
	MaxPerKey = 16
	// IDBytes is the entropy of a session id (256 bits).
	IDBytes = 32
)

// ErrFull is returned by Memory.Create when the table is full of live
// sessions.
var ErrFull = errors.New("session: too many sessions")

// Config holds the session timeouts; zero fields take the defaults.
type Config struct {
	Idle     time.Duration // default DefaultIdle
	Absolute time.Duration // default DefaultAbsolute
	Max      int           // Memory only; default DefaultMax
}

// WithDefaults returns c with zero fields set to the defaults.
func (c Config) WithDefaults() Config {
	if c.Idle <= 0 {
		c.Idle = DefaultIdle
	}
	if c.Absolute <= 0 {
		c.Absolute = DefaultAbsolute
	}
	if c.Max <= 0 {
		c.Max = DefaultMax
	}
	return c
}

// Expired reports whether s has ended by now under c's timeouts.
func (c Config) Expired(s Session, now time.Time) bool {
	return now.Sub(s.LastSeen) >= c.Idle || now.Sub(s.Created) >= c.Absolute
}

// Session is what the server keeps for a signed-in browser.
type Session struct {
	UserID   string
	UserName string
	Role     rbac.Role
	KeyID    string // the API key signed in with
	Created  time.Time
	LastSeen time.Time
}

// Listed is a session with the key a Store keeps it under (ListKey).
type Listed struct {
	Key Key
	Session
}

// SortListed orders sessions the most recently used first (then by key,
// so the order is stable).
func SortListed(ls []Listed) {
	slices.SortFunc(ls, func(a, b Listed) int {
		if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
			return c
		}
		return bytes.Compare(a.Key[:], b.Key[:])
	})
}

// Key is the SHA-256 of a session id, under which a Store keeps it.
type Key [sha256.Size]byte

// String returns k in hexadecimal, the form stores and pages name it by.
func (k Key) String() string { return hex.EncodeToString(k[:]) }

// ParseKey reads the hexadecimal form of a key (Key.String).
func ParseKey(s string) (k Key, ok bool) {
	if len(s) != hex.EncodedLen(len(k)) {
		return k, false
	}
	_, err := hex.Decode(k[:], []byte(s))
	return k, err == nil
}

// KeyOf returns the key of session id.
func KeyOf(id string) Key { return sha256.Sum256([]byte(id)) }

// NewID returns a new session id: 256 random bits, base64url without
// padding (43 characters).
func NewID() string { return randid.New("", IDBytes) }

// ValidID reports whether s has the exact shape of a session id, so
// garbage cookies are refused before hashing.
func ValidID(s string) bool { return randid.Valid(s, IDBytes) }

// Store keeps sessions. It is safe for concurrent use.
type Store interface {
	// Create stores s under k. Created and LastSeen are set by the
	// caller. Past MaxPerKey sessions of s.KeyID, the key's least recently
	// used session ends.
	Create(ctx context.Context, k Key, s Session) error
	// Get returns the live session under k and marks it used (LastSeen =
	// now). ok is false when there is none; an expired one is deleted.
	Get(ctx context.Context, k Key) (s Session, ok bool, err error)
	// SetFlash stores a one-time notice for the session's next page; it
	// does nothing when the session is gone.
	SetFlash(ctx context.Context, k Key, msg, kind string) error
	// TakeFlash returns and clears the session's notice ("" when none).
	TakeFlash(ctx context.Context, k Key) (msg, kind string, err error)
	// Delete ends the session under k (no error when there is none).
	Delete(ctx context.Context, k Key) error
	// ListKey returns the live sessions signed in with API key keyID, the
	// most recently used first, without marking them used.
	ListKey(ctx context.Context, keyID string) ([]Listed, error)
	// DeleteKey ends every session signed in with API key keyID.
	DeleteKey(ctx context.Context, keyID string) error
	// DeleteAll ends every session.
	DeleteAll(ctx context.Context) error
}

// EndKeys ends the sessions signed in with any of keyIDs except keep (the
// zero Key keeps none) and returns how many it ended: all the sessions of
// a user, given the user's keys. Sessions are kept per API key, so this
// works the same on every Store. On error some may be ended already;
// running it again finishes.
func EndKeys(ctx context.Context, st Store, keyIDs []string, keep Key) (int, error) {
	n := 0
	for _, id := range keyIDs {
		ls, err := st.ListKey(ctx, id)
		if err != nil {
			return n, err
		}
		for _, l := range ls {
			if l.Key == keep {
				continue
			}
			if err := st.Delete(ctx, l.Key); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
