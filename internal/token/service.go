package token

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/samo-brain/samo/internal/randid"
	"github.com/samo-brain/samo/internal/secevent"
)

// RefreshPrefix starts every refresh token, so a leaked one is recognisable
// to secret scanners and never mistaken for an access token or API key.
const RefreshPrefix = "samo_rt_"

// refreshRandomBytes is the entropy of a refresh token: 256 bits, written
// as 43 base64url characters after RefreshPrefix.
const (
	refreshRandomBytes = 32
	refreshTokenLen    = len(RefreshPrefix) + 43
)

// familyDenyPrefix namespaces refresh families in the DenyList. jti values
// are base64url, so they never contain ':'.
const familyDenyPrefix = "fam:"

// RefreshRecord is the stored state of one refresh token. The token itself
// is never stored, only Hash = SHA-256(token).
type RefreshRecord struct {
	Hash      []byte    // SHA-256 of the whole token string; the primary key
	FamilyID  string    // shared by every token rotated from one IssuePair
	UserID    string    // the user the family belongs to
	KeyID     string    // the API key the family was obtained with
	IssuedAt  time.Time // when this token was issued
	ExpiresAt time.Time // when this token stops being usable
	// FamilyIssuedAt is when the family started (its IssuePair), copied
	// to every token rotated from it: the family ends at FamilyIssuedAt +
	// Config.RefreshFamilyMaxAge. A zero value counts as a family that has
	// ended.
	FamilyIssuedAt time.Time
	UsedAt         *time.Time // set by UseRefresh on first use
	RevokedAt      *time.Time // set by RevokeFamily
}

// RefreshStore keeps refresh-token records. The store package implements
// it with SQL; MemoryStore is the single-process implementation. All
// methods must be safe for concurrent use and atomic per call.
type RefreshStore interface {
	// CreateRefresh stores r. It returns ErrRefreshRevoked when r's family
	// has been revoked (so a rotation racing with a revocation cannot
	// create a live token in a dead family).
	CreateRefresh(ctx context.Context, r RefreshRecord) error
	// UseRefresh atomically marks the token with this hash used at `at`
	// and returns its record. If it was already used it returns the record
	// and ErrRefreshReused; an unknown hash gives ErrRefreshUnknown. It
	// does not check expiry or revocation: the Service does.
	UseRefresh(ctx context.Context, hash []byte, at time.Time) (RefreshRecord, error)
	// RevokeFamily marks every token of the family revoked at `at`,
	// including tokens created in it later.
	RevokeFamily(ctx context.Context, familyID string, at time.Time) error
	// LiveFamilies returns the families holding a token that is neither
	// revoked nor expired at now, each once, in no particular order.
	LiveFamilies(ctx context.Context, now time.Time) ([]string, error)
}

// DenyList remembers revoked access tokens until they expire. The Service
// stores jti values and "fam:"+familyID entries in it, and the time before
// which every access token is revoked ("sign everyone out").
type DenyList interface {
	// Deny records id as revoked until `until` (after which it may be forgotten).
	Deny(ctx context.Context, id string, until time.Time) error
	// Denied reports whether id is revoked.
	Denied(ctx context.Context, id string) (bool, error)
	// DenyIssuedBefore revokes every access token issued before t, until
	// `until` (when the last of them has expired). It never moves an
	// earlier record's t back nor shortens its until.
	DenyIssuedBefore(ctx context.Context, t, until time.Time) error
	// IssuedBefore returns the t of DenyIssuedBefore while its until has
	// not passed, or the zero time.
	IssuedBefore(ctx context.Context) (time.Time, error)
}

// Grants says what a user may still do with an API key. The Service asks it
// on every refresh, so a revoked or suspended key, a deleted user or a
// changed role takes effect at the next rotation.
type Grants interface {
	// Permissions returns the current permissions of userID authenticated
	// by API key keyID, or an error when they may no longer get tokens.
	Permissions(ctx context.Context, userID, keyID string) ([]string, error)
}

// Pair is an access token and a refresh token, as returned to clients by
// POST /v1/auth/token and /v1/auth/refresh (OAuth 2.0 style, RFC 6749 §5.1).
type Pair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"` // always "Bearer"
	ExpiresIn    int    `json:"expires_in"` // access-token lifetime in seconds
}

// Deps are the dependencies of a Service. Issuer, Store, DenyList and
// Grants are required; Events defaults to secevent.Discard.
type Deps struct {
	Issuer   *Issuer
	Store    RefreshStore
	DenyList DenyList
	Grants   Grants
	Events   secevent.Recorder
}

// Service issues token pairs, rotates refresh tokens with reuse detection,
// logs out and authenticates bearer tokens. It uses the Issuer's clock.
type Service struct {
	iss    *Issuer
	store  RefreshStore
	deny   DenyList
	grants Grants
	events secevent.Recorder
	cutoff cutoffCache
}

// cutoffRefresh is how long a Service reuses the deny-list's IssuedBefore:
// a sign-out made on another replica reaches this one within it.
const cutoffRefresh = time.Second

// cutoffCache holds the last IssuedBefore read from the deny-list.
type cutoffCache struct {
	mu     sync.Mutex
	t      time.Time // tokens issued before t are revoked
	readAt time.Time // when t was read; zero: never
}

// NewService returns a Service over d.
func NewService(d Deps) (*Service, error) {
	if d.Issuer == nil || d.Store == nil || d.DenyList == nil || d.Grants == nil {
		return nil, fmt.Errorf("%w: service needs an issuer, a refresh store, a deny-list and grants", ErrConfig)
	}
	if d.Issuer.headerSeg == "" {
		return nil, fmt.Errorf("%w: service needs a signing key", ErrNoSigningKey)
	}
	if d.Events == nil {
		d.Events = secevent.Discard{}
	}
	return &Service{iss: d.Issuer, store: d.Store, deny: d.DenyList, grants: d.Grants, events: d.Events}, nil
}

// IssuePair starts a new refresh family for userID, authenticated by API key
// keyID, and returns an access token with perms and the first refresh token.
// The family's clock starts now: it ends Config.RefreshFamilyMaxAge later.
func (s *Service) IssuePair(ctx context.Context, userID, keyID string, perms []string) (Pair, error) {
	if !validClaimString(keyID, maxNameBytes) {
		return Pair{}, fmt.Errorf("%w: API key id must be 1-%d bytes of printable UTF-8", ErrInvalidInput, maxNameBytes)
	}
	return s.newPair(ctx, randomID(), s.iss.now().UTC(), userID, keyID, perms)
}

// newPair issues a pair in family, which started at familyStart. Neither
// token outlives the family's end: the refresh token expires at
// min(now + RefreshTTL, end) and the access token's exp is at most end.
func (s *Service) newPair(ctx context.Context, family string, familyStart time.Time, userID, keyID string, perms []string) (Pair, error) {
	end := s.familyEnd(familyStart)
	access, claims, err := s.iss.issue(userID, perms, family, keyID, end)
	if err != nil {
		return Pair{}, err
	}
	refresh, hash := newRefreshToken()
	now := s.iss.now().UTC()
	rec := RefreshRecord{
		Hash: hash, FamilyID: family, UserID: userID, KeyID: keyID,
		IssuedAt: now, ExpiresAt: minTime(now.Add(s.iss.cfg.RefreshTTL), end), FamilyIssuedAt: familyStart,
	}
	if err := s.store.CreateRefresh(ctx, rec); err != nil {
		if errors.Is(err, ErrRefreshRevoked) {
			return Pair{}, err
		}
		return Pair{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return Pair{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer", ExpiresIn: int(claims.ExpiresAt.Sub(claims.IssuedAt) / time.Second)}, nil
}

// familyEnd is the instant a family that started at start ends.
func (s *Service) familyEnd(start time.Time) time.Time {
	return start.Add(s.iss.cfg.RefreshFamilyMaxAge)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// newRefreshToken returns a fresh refresh token and its SHA-256 hash.
func newRefreshToken() (string, []byte) {
	tok := randid.New(RefreshPrefix, refreshRandomBytes)
	return tok, HashRefresh(tok)
}

// HashRefresh returns the SHA-256 hash under which refresh token tok is stored.
func HashRefresh(tok string) []byte {
	sum := sha256.Sum256([]byte(tok))
	return sum[:]
}

// validRefreshFormat reports whether tok has the exact shape of a refresh
// token: the prefix and 43 strict base64url characters (256 bits).
func validRefreshFormat(tok string) bool {
	if len(tok) != refreshTokenLen || !strings.HasPrefix(tok, RefreshPrefix) {
		return false
	}
	_, err := decodeSegment(tok[len(RefreshPrefix):])
	return err == nil
}

// Refresh uses refreshToken once and returns a new pair in the same family,
// with permissions asked afresh from Grants. A malformed token is rejected
// without a store lookup. Presenting a token that was already used revokes
// the whole family (its refresh tokens and its live access tokens), records
// a secevent.TokenReuse (critical the first time, see reused) and returns
// ErrRefreshReused. A token presented after its own expiry or after its
// family's end (Config.RefreshFamilyMaxAge after IssuePair) is spent and
// gives ErrRefreshExpired; the client then exchanges its API key again.
// Other errors: ErrRefreshUnknown, ErrRefreshRevoked, ErrRefreshDenied,
// ErrUnavailable.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (Pair, error) {
	if !validRefreshFormat(refreshToken) {
		return Pair{}, ErrRefreshMalformed
	}
	now := s.iss.now().UTC()
	rec, err := s.store.UseRefresh(ctx, HashRefresh(refreshToken), now)
	if errors.Is(err, ErrRefreshReused) {
		return Pair{}, s.reused(ctx, rec, now)
	}
	if errors.Is(err, ErrRefreshUnknown) {
		return Pair{}, ErrRefreshUnknown
	}
	if err != nil {
		return Pair{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if rec.RevokedAt != nil {
		return Pair{}, ErrRefreshRevoked
	}
	// The family's end is checked apart from the token's own expiry: tokens
	// written before family lifetimes existed, or under a longer
	// RefreshFamilyMaxAge, have an ExpiresAt past it. The family is not
	// revoked: none of its tokens can be rotated any more, and its access
	// tokens expire by the family's end.
	if !now.Before(rec.ExpiresAt) || !now.Before(s.familyEnd(rec.FamilyIssuedAt)) {
		return Pair{}, ErrRefreshExpired
	}
	perms, err := s.grants.Permissions(ctx, rec.UserID, rec.KeyID)
	if err != nil {
		// The presented token is spent; close the family so nothing else
		// from it lives on, then refuse.
		if rerr := s.revokeFamily(ctx, rec.FamilyID, now); rerr != nil {
			return Pair{}, rerr
		}
		return Pair{}, fmt.Errorf("%w: %w", ErrRefreshDenied, err)
	}
	return s.newPair(ctx, rec.FamilyID, rec.FamilyIssuedAt, rec.UserID, rec.KeyID, perms)
}

// reused handles a second presentation of a refresh token: revoke the
// family, record the event, and return ErrRefreshReused (or ErrUnavailable
// when the revocation could not be stored).
//
// The first reuse in a live family is critical: two parties hold the
// family's tokens, so one of them stole it, and the incident playbook
// suspends the key. The presenter's address goes to details["presenter_ip"]
// rather than ClientIP, because the presenter may be the victim (the thief
// can have rotated first), and a critical event's ClientIP is blocked.
// Presenting a token of a family already revoked is high.
func (s *Service) reused(ctx context.Context, rec RefreshRecord, now time.Time) error {
	details := map[string]string{"family_id": rec.FamilyID, "already_revoked": fmt.Sprint(rec.RevokedAt != nil)}
	sev := secevent.High
	if rec.RevokedAt == nil {
		sev = secevent.Critical
	}
	ev := secevent.New(ctx, secevent.TokenReuse, sev, now, details)
	if sev == secevent.Critical && ev.ClientIP != "" {
		details["presenter_ip"], ev.ClientIP = ev.ClientIP, ""
	}
	ev.UserID, ev.KeyID = rec.UserID, rec.KeyID
	s.events.Record(ctx, ev)
	if err := s.revokeFamily(ctx, rec.FamilyID, now); err != nil {
		return err
	}
	return ErrRefreshReused
}

// revoker is the Service's revoker: its store and deny-list, keeping
// revocations for the longest a token may be accepted.
func (s *Service) revoker() revoker {
	return revoker{store: s.store, deny: s.deny, keep: s.iss.cfg.MaxLifetime + s.iss.cfg.Leeway}
}

// revokeFamily revokes the family's refresh tokens and, through the
// deny-list, every access token issued in it that may still be live.
func (s *Service) revokeFamily(ctx context.Context, family string, now time.Time) error {
	return s.revoker().family(ctx, family, now)
}

// RevokeAll revokes every access token issued before the next whole
// second (family or not: Issuer.Issue's too) and every live refresh
// family (the "sign everyone out" of incident response), and returns how
// many families it revoked. Other Services on the same DenyList refuse the
// old access tokens within cutoffRefresh (1 s). API keys are not affected:
// revoke or rotate them for that. On error some families may be revoked
// already; running it again finishes the job.
func (s *Service) RevokeAll(ctx context.Context) (int, error) {
	now := s.iss.now().UTC()
	r := s.revoker()
	cutoff, err := r.issuedBefore(ctx, now)
	if err != nil {
		return 0, err
	}
	s.cutoff.mu.Lock()
	if cutoff.After(s.cutoff.t) {
		s.cutoff.t = cutoff
	}
	s.cutoff.mu.Unlock()
	return r.liveFamilies(ctx, now)
}

// Logout revokes the access token with these (verified) claims until it
// expires, and the refresh family it belongs to, so neither the token, its
// refresh token, nor any other access token of the family works again.
func (s *Service) Logout(ctx context.Context, access Claims) error {
	if !isBase64URLString(access.ID, maxIDBytes) {
		return fmt.Errorf("%w: claims have no valid jti", ErrInvalidInput)
	}
	now := s.iss.now().UTC()
	until := access.ExpiresAt.Add(s.iss.cfg.Leeway)
	if err := s.deny.Deny(ctx, access.ID, until); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if access.FamilyID == "" {
		return nil
	}
	return s.revokeFamily(ctx, access.FamilyID, now)
}

// Authenticate verifies bearer (the token alone, without "Bearer ") at the
// current time and checks that neither its jti nor its family is revoked
// (ErrRevoked). A deny-list failure is ErrUnavailable: it fails closed.
// Whether the API key in Claims.APIKeyID is still active is for the caller
// to check against its key store.
func (s *Service) Authenticate(ctx context.Context, bearer string) (Claims, error) {
	now := s.iss.now()
	c, err := s.iss.Verify(bearer, now)
	if err != nil {
		return Claims{}, err
	}
	cutoff, err := s.issuedBefore(ctx, now)
	if err != nil {
		return Claims{}, err
	}
	if c.IssuedAt.Before(cutoff) {
		return Claims{}, ErrRevoked
	}
	ids := [2]string{c.ID, ""}
	if c.FamilyID != "" {
		ids[1] = familyDenyPrefix + c.FamilyID
	}
	for _, id := range ids {
		if id == "" {
			continue
		}
		denied, err := s.deny.Denied(ctx, id)
		if err != nil {
			return Claims{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		if denied {
			return Claims{}, ErrRevoked
		}
	}
	return c, nil
}

// issuedBefore returns the deny-list's cut-off, read at most once per
// cutoffRefresh. A deny-list failure is ErrUnavailable: it fails closed.
func (s *Service) issuedBefore(ctx context.Context, now time.Time) (time.Time, error) {
	c := &s.cutoff
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.readAt.IsZero() && now.Sub(c.readAt) < cutoffRefresh && !now.Before(c.readAt) {
		return c.t, nil
	}
	t, err := s.deny.IssuedBefore(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if t.After(c.t) {
		c.t = t
	}
	c.readAt = now
	return c.t, nil
}
