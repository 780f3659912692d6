package apikey

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on the labels stored with a key.
const (
	MaxUserIDLength = 128 // characters
	MaxNameLength   = 100 // characters
)

// KeyError reports why a known key was refused or could not be changed. It
// wraps one of the sentinel errors (errors.Is works) and carries the key's
// public id and owner for logs and security events; it never holds key
// material.
type KeyError struct {
	KeyID  string
	UserID string
	Err    error
}

// Error returns the reason followed by the key id.
func (e *KeyError) Error() string { return e.Err.Error() + " (" + e.KeyID + ")" }

// Unwrap returns the reason.
func (e *KeyError) Unwrap() error { return e.Err }

// Service creates, authenticates, rotates and revokes API keys over a Store.
// It is safe for concurrent use.
type Service struct {
	cfg    Config
	cfgErr error
	store  Store
	now    func() time.Time
	rand   io.Reader
	cache  *cache
	usage  *usage
}

// NewService returns a Service using st for storage and now as its clock
// (nil means time.Now).
// Zero Config fields take their defaults. If cfg is invalid (see
// Config.Validate; the config package validates it first), every key
// operation fails with that error instead of running with a weak setting.
func NewService(cfg Config, st Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	err := cfg.Validate()
	cfg = cfg.withDefaults()
	return &Service{
		cfg:    cfg,
		cfgErr: err,
		store:  st,
		now:    now,
		rand:   rand.Reader,
		cache:  newCache(cfg.CacheTTL, cfg.CacheSize),
		usage:  newUsage(),
	}
}

// Create makes a new key for userID with label name, stores its hash and
// returns the plaintext, which is never available again.
func (s *Service) Create(ctx context.Context, userID, name string) (plaintext string, k Key, err error) {
	if s.cfgErr != nil {
		return "", Key{}, s.cfgErr
	}
	if err := checkLabel("user id", userID, MaxUserIDLength, false); err != nil {
		return "", Key{}, err
	}
	if err := checkLabel("key name", name, MaxNameLength, true); err != nil {
		return "", Key{}, err
	}
	plaintext, k, err = s.build(userID, name, "", s.now())
	if err != nil {
		return "", Key{}, err
	}
	if err := s.store.CreateKey(ctx, k); err != nil {
		return "", Key{}, fmt.Errorf("apikey: storing new key: %w", err)
	}
	return plaintext, k, nil
}

// build generates a key and its record; lineage "" starts a new chain.
func (s *Service) build(userID, name, lineage string, now time.Time) (string, Key, error) {
	plaintext, err := generate(s.rand, s.cfg.Length)
	if err != nil {
		return "", Key{}, err
	}
	id, err := newID(s.rand)
	if err != nil {
		return "", Key{}, err
	}
	if lineage == "" {
		lineage = id
	}
	k := Key{
		ID:        id,
		UserID:    userID,
		Name:      name,
		Hash:      Hash(plaintext),
		Prefix:    displayPrefix(plaintext),
		CreatedAt: now,
		Status:    StatusActive,
		Lineage:   lineage,
	}
	return plaintext, k, nil
}

// Authenticate returns the key record for a presented key, or an error:
// ErrMalformed (no lookup made), ErrNotFound, or a *KeyError wrapping
// ErrRevoked, ErrSuspended or ErrExpired. Lookups are cached for
// Config.CacheTTL; successful uses are batched for Flush.
func (s *Service) Authenticate(ctx context.Context, presented string) (Key, error) {
	if err := Parse(presented); err != nil {
		return Key{}, err
	}
	if s.cfgErr != nil {
		return Key{}, s.cfgErr
	}
	h := hashArray(presented)
	now := s.now()
	k, ok, gen := s.cache.get(h, now)
	if !ok {
		var err error
		hb := h // only this copy escapes (into the store call), on misses only
		k, err = s.store.KeyByHash(ctx, hb[:])
		if errors.Is(err, ErrNotFound) {
			return Key{}, ErrNotFound
		}
		if err != nil {
			return Key{}, fmt.Errorf("apikey: looking up key: %w", err)
		}
		// Defence in depth: a store must match the hash exactly.
		if subtle.ConstantTimeCompare(k.Hash, h[:]) != 1 {
			return Key{}, ErrNotFound
		}
		k = k.clone()
		s.cache.put(h, k, now, gen)
	}
	if err := s.check(k, now); err != nil {
		return Key{}, err
	}
	s.usage.record(k.ID, now)
	return k.clone(), nil
}

// check decides whether k may be used at now.
func (s *Service) check(k Key, now time.Time) error {
	var reason error
	switch k.Status {
	case StatusActive:
		expired := k.ExpiresAt != nil && !now.Before(*k.ExpiresAt)
		graceOver := k.GraceUntil != nil && !now.Before(*k.GraceUntil)
		if expired || graceOver || s.idle(k, now) {
			reason = ErrExpired
		}
	case StatusRevoked:
		reason = ErrRevoked
	case StatusSuspended:
		reason = ErrSuspended
	case StatusExpired:
		reason = ErrExpired
	default: // fail closed on anything a store could hold by mistake
		reason = fmt.Errorf("%w: unknown status %q", ErrRevoked, k.Status)
	}
	if reason != nil {
		return &KeyError{KeyID: k.ID, UserID: k.UserID, Err: reason}
	}
	return nil
}

// idle reports whether k has gone unused for longer than IdleExpiry, counting
// uses this process has not written yet.
func (s *Service) idle(k Key, now time.Time) bool {
	if s.cfg.IdleExpiry <= 0 {
		return false
	}
	return now.Sub(s.lastActivity(k)) > s.cfg.IdleExpiry
}

// lastActivity is the latest of creation, stored last use and batched use.
func (s *Service) lastActivity(k Key) time.Time {
	last := k.CreatedAt
	if k.LastUsed != nil && k.LastUsed.After(last) {
		last = *k.LastUsed
	}
	if t, ok := s.usage.last(k.ID); ok && t.After(last) {
		last = t
	}
	return last
}

// Revoke revokes key id for good. Once Revoke returns, this Service refuses
// the key; other processes do within their CacheTTL (or at once when they
// receive Invalidate). Revoking a revoked key is a no-op.
func (s *Service) Revoke(ctx context.Context, id string) error {
	return s.setStatus(ctx, id, StatusRevoked)
}

// Suspend suspends key id (for example from an incident playbook), with the
// same immediacy as Revoke. Revoked and expired keys stay as they are
// (ErrRevoked, ErrExpired).
func (s *Service) Suspend(ctx context.Context, id string) error {
	return s.setStatus(ctx, id, StatusSuspended)
}

func (s *Service) setStatus(ctx context.Context, id string, st Status) error {
	if s.cfgErr != nil {
		return s.cfgErr
	}
	err := s.store.UpdateKeyStatus(ctx, id, st, s.now())
	// Invalidate after the write (and also when it failed: it may have been
	// applied), so no lookup made before the write is served afterwards.
	s.cache.invalidate(id)
	if err != nil {
		return fmt.Errorf("apikey: setting key %s %s: %w", id, st, err)
	}
	s.changed(ctx, id, "")
	return nil
}

// changed calls the OnChange hook, logging its failure.
func (s *Service) changed(ctx context.Context, id, lineage string) {
	if s.cfg.OnChange == nil {
		return
	}
	if err := s.cfg.OnChange(ctx, id, lineage); err != nil {
		s.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "api key change notice failed; other processes apply it within the cache TTL",
			slog.String("key_id", id), slog.Any("error", err))
	}
}

// Rotate replaces key id with a new key of the same owner and name and
// returns the new plaintext. The old key stays valid for grace (0 means
// Config.DefaultGrace; at most MaxGrace), and the rotation chain keeps at
// most Config.BackupCount old keys valid. Only a usable key that has not been
// rotated yet can be rotated (ErrRotated, ErrRevoked, ErrSuspended,
// ErrExpired otherwise); to end the old key at once, Revoke it.
func (s *Service) Rotate(ctx context.Context, id string, grace time.Duration) (plaintext string, k Key, err error) {
	if s.cfgErr != nil {
		return "", Key{}, s.cfgErr
	}
	if grace < 0 || grace > MaxGrace {
		return "", Key{}, fmt.Errorf("%w: grace %s outside [0, %s]", ErrInvalid, grace, MaxGrace)
	}
	if grace == 0 {
		grace = s.cfg.DefaultGrace
	}
	old, err := s.store.KeyByID(ctx, id)
	if err != nil {
		return "", Key{}, fmt.Errorf("apikey: reading key %s: %w", id, err)
	}
	now := s.now()
	if old.ReplacedBy != "" {
		return "", Key{}, &KeyError{KeyID: old.ID, UserID: old.UserID, Err: ErrRotated}
	}
	if err := s.check(old, now); err != nil {
		return "", Key{}, err
	}
	plaintext, k, err = s.build(old.UserID, old.Name, old.lineage(), now)
	if err != nil {
		return "", Key{}, err
	}
	k.Generation = old.Generation + 1
	err = s.store.RotateKey(ctx, old.ID, k, now.Add(grace), s.cfg.BackupCount)
	s.cache.invalidateLineage(old.lineage())
	if err != nil {
		return "", Key{}, fmt.Errorf("apikey: rotating key %s: %w", id, err)
	}
	s.changed(ctx, old.ID, old.lineage())
	return plaintext, k, nil
}

// List returns the keys of userID ("" = all users), oldest first, with
// LastUsed including uses not yet flushed and Status showing the effective
// state: an active key that is past its grace period, idle expiry or
// ExpiresAt is listed as expired.
func (s *Service) List(ctx context.Context, userID string) ([]Key, error) {
	if s.cfgErr != nil {
		return nil, s.cfgErr
	}
	return s.listed(s.store.ListKeys(ctx, userID))
}

// ListPage returns one page of keys (see KeyPage), newest first, with the
// effective status and last use as List shows them.
func (s *Service) ListPage(ctx context.Context, p KeyPage) ([]Key, error) {
	if s.cfgErr != nil {
		return nil, s.cfgErr
	}
	return s.listed(s.store.ListKeysPage(ctx, p))
}

// listed gives keys read from the store their effective status and last use.
func (s *Service) listed(keys []Key, err error) ([]Key, error) {
	if err != nil {
		return nil, fmt.Errorf("apikey: listing keys: %w", err)
	}
	now := s.now()
	for i := range keys {
		keys[i] = s.effective(keys[i], now)
	}
	return keys, nil
}

// Get returns key id with its effective status, as List does.
func (s *Service) Get(ctx context.Context, id string) (Key, error) {
	if s.cfgErr != nil {
		return Key{}, s.cfgErr
	}
	k, err := s.store.KeyByID(ctx, id)
	if err != nil {
		return Key{}, fmt.Errorf("apikey: reading key %s: %w", id, err)
	}
	return s.effective(k, s.now()), nil
}

func (s *Service) effective(k Key, now time.Time) Key {
	if t, ok := s.usage.last(k.ID); ok && (k.LastUsed == nil || t.After(*k.LastUsed)) {
		k.LastUsed = &t
	}
	if k.Status == StatusActive && errors.Is(s.check(k, now), ErrExpired) {
		k.Status = StatusExpired
	}
	return k
}

// Invalidate drops key id from this Service's cache, for revocation notices
// from other replicas (pub/sub). Lookups in flight are not cached.
func (s *Service) Invalidate(id string) { s.cache.invalidate(id) }

// InvalidateLineage drops every cached key of the rotation chain lineage
// (the id of its first key), for rotation notices from other replicas.
func (s *Service) InvalidateLineage(lineage string) { s.cache.invalidateLineage(lineage) }

// Purge empties the cache, e.g. after a pub/sub reconnection when notices
// may have been missed.
func (s *Service) Purge() { s.cache.purge() }

// checkLabel validates a short stored label: valid UTF-8, no control or
// format characters (bidi overrides), at most maxLen characters.
func checkLabel(field, v string, maxLen int, allowEmpty bool) error {
	if v == "" && !allowEmpty {
		return fmt.Errorf("%w: empty %s", ErrInvalid, field)
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, field)
	}
	if utf8.RuneCountInString(v) > maxLen {
		return fmt.Errorf("%w: %s longer than %d", ErrInvalid, field, maxLen)
	}
	for _, r := range v {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return fmt.Errorf("%w: %s contains a control or format character", ErrInvalid, field)
		}
	}
	return nil
}
