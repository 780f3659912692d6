package app

import (
	"context"
	"errors"
	"time"

	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/session"
	"github.com/samo-brain/samo/internal/store"
	"github.com/samo-brain/samo/internal/token"
	"github.com/samo-brain/samo/internal/users"
)

// What a process on the host without the server's memory (the CLI) can do
// to sessions. Every replica re-reads the user on each dashboard request
// and the token cut-off once a second, from the database or Redis, so
// what the CLI writes there reaches running servers without a restart:
//
//   - dashboard sessions: the users' session cut-off (users.SessionCutoff)
//     ends them at their next request wherever they are kept; with
//     REDIS_URL they are also deleted from Redis at once, and counted;
//   - access tokens: the deny-list cut-off, in Redis with REDIS_URL, else
//     in the database, which a running server reads within a second
//     (token.NewDurableDenyList);
//   - refresh tokens: their families are revoked in the database.

// SessionsEnded says what ending dashboard sessions from the host did.
type SessionsEnded struct {
	// Cutoff: every session signed in before it is refused at its next
	// request, on every replica.
	Cutoff time.Time
	// Counted is true when the sessions are shared in Redis: Count of
	// them were deleted at once. Without Redis they are in the running
	// servers' memory, which only the cut-off reaches: Count is 0.
	Counted bool
	Count   int
}

// EndUserSessions ends every dashboard session of user userID from the
// host (samo users totp-reset): the user's cut-off moves to the next
// millisecond after now, and with REDIS_URL the sessions of each of the
// user's keys are deleted from Redis.
func EndUserSessions(ctx context.Context, cfg *config.Config, st *store.Store, userID string, now time.Time) (SessionsEnded, error) {
	res := SessionsEnded{Cutoff: users.CutoffAfter(now)}
	if err := st.EndSessionsBefore(ctx, userID, res.Cutoff); err != nil {
		return res, err
	}
	c, err := openRedis(cfg)
	if err != nil || c == nil {
		return res, err
	}
	defer c.Close()
	keys, err := st.ListKeys(ctx, userID)
	if err != nil {
		return res, err
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	res.Counted = true
	res.Count, err = session.EndKeys(ctx, c.Sessions(session.Config{}, nil), ids, session.Key{})
	return res, err
}

// EndAllResult says what EndAllSessions did.
type EndAllResult struct {
	// Families is how many refresh-token families were revoked.
	Families int
	// TokensIssuedBefore: every access token issued before it is refused.
	TokensIssuedBefore time.Time
	// SharedDenyList is true with REDIS_URL (every replica refuses the
	// tokens at once); without, the cut-off is in the database and each
	// running server reads it within a second.
	SharedDenyList bool
	// SessionsCutoff: every dashboard session signed in before it is
	// refused at its next request, on every replica.
	SessionsCutoff time.Time
	// SessionsDeleted is true with REDIS_URL: the shared sessions were
	// also deleted at once.
	SessionsDeleted bool
}

// EndAllSessions is DELETE /v1/admin/sessions for a process on the host
// (samo sessions end-all): every refresh family revoked, every access
// token issued so far refused through the deny-list cut-off, every
// dashboard session ended. Each part is tried even when another fails; on
// error running it again finishes the job. It needs no JWT key, only
// what config.ProfileSessions reads: the store, REDIS_URL and
// JWT_MAX_EXPIRY_HOURS (the cut-off is kept as long as the servers'
// longest token lives).
func EndAllSessions(ctx context.Context, cfg *config.Config, st *store.Store, now func() time.Time) (EndAllResult, error) {
	var res EndAllResult
	c, err := openRedis(cfg)
	if err != nil {
		return res, err
	}
	if c != nil {
		defer c.Close()
	}
	deny, err := denyList(ctx, c, st, now)
	if err != nil {
		return res, err
	}
	res.SharedDenyList = c != nil
	n, terr := token.RevokeAll(ctx, tokenConfig(cfg), st, deny, now())
	res.Families = n
	if t, err := deny.IssuedBefore(ctx); err == nil {
		res.TokensIssuedBefore = t
	}
	res.SessionsCutoff = users.CutoffAfter(now())
	serr := st.EndAllSessionsBefore(ctx, res.SessionsCutoff)
	if c != nil {
		if err := c.Sessions(session.Config{}, nil).DeleteAll(ctx); err != nil {
			serr = errors.Join(serr, err)
		} else {
			res.SessionsDeleted = true
		}
	}
	return res, errors.Join(terr, serr)
}
