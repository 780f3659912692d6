package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/kv"
	"github.com/samo-brain/samo/internal/session"
	"github.com/samo-brain/samo/internal/token"
	"github.com/samo-brain/samo/internal/users"
)

// UserStore is what UserSwitch needs from storage.
type UserStore interface {
	users.Store
	users.Disabler
}

// UserSwitch disables and enables users. A disabled user's keys, tokens,
// refresh tokens and dashboard sessions are refused; enabling restores the
// keys that were valid (nothing about the keys is changed by either). The
// change is written to the store, dropped from this process's caches and
// announced to every replica on the revocation channel (kv.Notice with
// UserID), so each applies it at once; a replica that misses the notice
// applies it within the one-second user cache TTL.
type UserSwitch struct {
	Store UserStore
	// Local drops the user from this process's caches (nil: none).
	Local func(userID string)
	// Notify announces the change to other replicas (nil: none).
	Notify func(ctx context.Context, userID string) error
	Now    func() time.Time
	Log    *slog.Logger
}

// NewUserSwitch returns the UserSwitch of a process without an
// authentication cache (the CLI): it notifies replicas through REDIS_URL
// when configured.
func NewUserSwitch(cfg *config.Config, st UserStore, log *slog.Logger) *UserSwitch {
	return &UserSwitch{Store: st, Notify: userNotifier(cfg), Now: time.Now, Log: log}
}

// SetDisabled disables (disabled true) or enables user id and returns the
// user as stored afterwards. Disabling a disabled user keeps its first
// DisabledAt. users.ErrNotFound for an unknown id.
func (s *UserSwitch) SetDisabled(ctx context.Context, id string, disabled bool) (users.User, error) {
	var at *time.Time
	if disabled {
		t := s.Now().UTC()
		at = &t
	}
	if err := s.Store.SetUserDisabled(ctx, id, at); err != nil {
		return users.User{}, err
	}
	if s.Local != nil {
		s.Local(id)
	}
	if s.Notify != nil {
		if err := s.Notify(ctx, id); err != nil && s.Log != nil {
			s.Log.LogAttrs(ctx, slog.LevelWarn, "user change notice failed; other replicas apply it within one second",
				slog.String("user_id", id), slog.Any("error", err))
		}
	}
	return s.Store.UserByID(ctx, id)
}

// userNotifier returns UserSwitch.Notify for cfg: with REDIS_URL, a user
// notice on the revocation channel; without, nil.
func userNotifier(cfg *config.Config) func(ctx context.Context, userID string) error {
	url := string(cfg.RedisURL.Reveal())
	if url == "" {
		return nil
	}
	opt, optErr := redisOptions(cfg)
	return func(ctx context.Context, userID string) error {
		if optErr != nil {
			return optErr
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), noticeTimeout)
		defer cancel()
		return kv.PublishRevoked(ctx, url, opt, kv.Notice{UserID: userID})
	}
}

// sessionEnder is api.SessionAdmin: it revokes every access token issued
// so far and every refresh family (token.Service.RevokeAll) and ends every
// dashboard session (every user's session cut-off, which reaches sessions
// in other replicas' memory, and the session store), each even when the
// others fail.
type sessionEnder struct {
	tokens   *token.Service // nil: token endpoints off, no family to revoke
	sessions session.Store
	cutoff   users.SessionCutoff
	now      func() time.Time
}

// EndAll implements api.SessionAdmin.
func (e sessionEnder) EndAll(ctx context.Context) (int, error) {
	n, err := 0, error(nil)
	if e.tokens != nil {
		n, err = e.tokens.RevokeAll(ctx)
	}
	return n, errors.Join(err, e.cutoff.EndAllSessionsBefore(ctx, users.CutoffAfter(e.now())), e.sessions.DeleteAll(ctx))
}
