package dashboard

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"sync"
	"time"

	"github.com/samo-brain/samo/internal/randid"
	"github.com/samo-brain/samo/internal/rbac"
)

// Session defaults.
const (
	// DefaultIdleTimeout ends a session nobody used for this long.
	DefaultIdleTimeout = 15 * time.Minute
	// DefaultAbsoluteTimeout ends every session this long after sign-in.
	DefaultAbsoluteTimeout = 8 * time.Hour
	// DefaultMaxSessions bounds the sessions kept in memory.
	DefaultMaxSessions = 10_000
	// maxSessionsPerKey bounds the sessions one API key can hold; signing
	// in again past it ends that key's least recently used session.
	maxSessionsPerKey = 16
	// sessionIDBytes is the entropy of a session id (256 bits).
	sessionIDBytes = 32
)

// ErrTooManySessions is returned when the session table is full.
var ErrTooManySessions = errors.New("dashboard: too many sessions")

// SessionConfig tunes the server-side sessions.
type SessionConfig struct {
	Idle     time.Duration // default DefaultIdleTimeout
	Absolute time.Duration // default DefaultAbsoluteTimeout
	Max      int           // default DefaultMaxSessions
}

func (c SessionConfig) withDefaults() SessionConfig {
	if c.Idle <= 0 {
		c.Idle = DefaultIdleTimeout
	}
	if c.Absolute <= 0 {
		c.Absolute = DefaultAbsoluteTimeout
	}
	if c.Max <= 0 {
		c.Max = DefaultMaxSessions
	}
	return c
}

// session is what the server keeps for a signed-in browser. The browser
// holds only the random id; the table is keyed by the id's SHA-256, so a
// lookup never compares secrets byte by byte and a dump of the table holds
// no usable cookie.
type session struct {
	UserID   string
	UserName string
	Role     rbac.Role
	KeyID    string
	Created  time.Time
	LastSeen time.Time
	// Flash is a one-time notice shown on the next page (never a secret).
	Flash     string
	FlashKind string // "ok" or "error"
}

type sessionKey [sha256.Size]byte

// sessions is the in-memory session table. It is safe for concurrent use.
type sessions struct {
	cfg SessionConfig
	now func() time.Time

	mu sync.Mutex
	m  map[sessionKey]*session
}

func newSessions(cfg SessionConfig, now func() time.Time) *sessions {
	return &sessions{cfg: cfg.withDefaults(), now: now, m: make(map[sessionKey]*session)}
}

func keyOf(id string) sessionKey { return sha256.Sum256([]byte(id)) }

// newSessionID returns 256 random bits, base64url without padding.
func newSessionID() string { return randid.New("", sessionIDBytes) }

// validSessionID reports whether s has the exact shape of a session id, so
// garbage cookies are refused before hashing.
func validSessionID(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(sessionIDBytes) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// create stores a new session for the principal and returns its id. It
// first drops expired sessions when the table is full, ends the key's least
// recently used session past maxSessionsPerKey, and refuses with
// ErrTooManySessions when the table is still full.
func (s *sessions) create(userID, userName string, role rbac.Role, keyID string) (string, error) {
	id := newSessionID()
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= s.cfg.Max {
		s.sweepLocked(now)
	}
	var oldest sessionKey
	var oldestSeen time.Time
	n := 0
	for k, v := range s.m {
		if v.KeyID != keyID {
			continue
		}
		n++
		if oldestSeen.IsZero() || v.LastSeen.Before(oldestSeen) {
			oldest, oldestSeen = k, v.LastSeen
		}
	}
	if n >= maxSessionsPerKey {
		delete(s.m, oldest)
	}
	if len(s.m) >= s.cfg.Max {
		return "", ErrTooManySessions
	}
	s.m[keyOf(id)] = &session{UserID: userID, UserName: userName, Role: role, KeyID: keyID, Created: now, LastSeen: now}
	return id, nil
}

// get returns a copy of the live session for id and marks it used. An
// expired session is deleted and reported as absent.
func (s *sessions) get(id string) (session, bool) {
	if !validSessionID(id) {
		return session{}, false
	}
	k := keyOf(id)
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[k]
	if !ok {
		return session{}, false
	}
	if s.expired(v, now) {
		delete(s.m, k)
		return session{}, false
	}
	v.LastSeen = now
	return *v, true
}

// update applies fn to the live session for id.
func (s *sessions) update(id string, fn func(*session)) {
	if !validSessionID(id) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.m[keyOf(id)]; ok {
		fn(v)
	}
}

// takeFlash returns and clears the session's one-time notice.
func (s *sessions) takeFlash(id string) (msg, kind string) {
	s.update(id, func(v *session) {
		msg, kind = v.Flash, v.FlashKind
		v.Flash, v.FlashKind = "", ""
	})
	return msg, kind
}

// delete ends the session for id.
func (s *sessions) delete(id string) {
	if !validSessionID(id) {
		return
	}
	s.mu.Lock()
	delete(s.m, keyOf(id))
	s.mu.Unlock()
}

// deleteKey ends every session signed in with keyID.
func (s *sessions) deleteKey(keyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m {
		if v.KeyID == keyID {
			delete(s.m, k)
		}
	}
}

func (s *sessions) expired(v *session, now time.Time) bool {
	return now.Sub(v.LastSeen) >= s.cfg.Idle || now.Sub(v.Created) >= s.cfg.Absolute
}

func (s *sessions) sweepLocked(now time.Time) {
	for k, v := range s.m {
		if s.expired(v, now) {
			delete(s.m, k)
		}
	}
}

// len returns the number of stored sessions, expired or not.
func (s *sessions) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
