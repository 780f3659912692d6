package token

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// revoker revokes refresh families and access tokens: Service's
// revocations and RevokeAll's. keep is how long a revoked access token
// could still be accepted (Config.MaxLifetime + Config.Leeway), so how
// long the deny-list must remember it.
type revoker struct {
	store RefreshStore
	deny  DenyList
	keep  time.Duration
}

// family revokes the family's refresh tokens and, through the deny-list,
// every access token issued in it that may still be live.
func (r revoker) family(ctx context.Context, family string, now time.Time) error {
	err := errors.Join(
		r.store.RevokeFamily(ctx, family, now),
		r.deny.Deny(ctx, familyDenyPrefix+family, now.Add(r.keep)),
	)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// issuedBefore revokes every access token issued before the next whole
// second after now, and returns that cut-off.
func (r revoker) issuedBefore(ctx context.Context, now time.Time) (time.Time, error) {
	// iat has whole seconds, so the cut-off is the next whole second: a
	// token issued earlier in this second cannot slip through (one issued
	// later in it is refused too, and its holder gets another).
	cutoff := now.Truncate(time.Second).Add(time.Second)
	if err := r.deny.DenyIssuedBefore(ctx, cutoff, cutoff.Add(r.keep)); err != nil {
		return time.Time{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return cutoff, nil
}

// liveFamilies revokes every family live at now and returns how many it
// revoked.
func (r revoker) liveFamilies(ctx context.Context, now time.Time) (int, error) {
	families, err := r.store.LiveFamilies(ctx, now)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	for i, f := range families {
		if err := r.family(ctx, f, now); err != nil {
			return i, err
		}
	}
	return len(families), nil
}

// RevokeAll is Service.RevokeAll for a process that neither issues nor
// verifies tokens (`samo sessions end-all` on the host): it needs no
// signing key, only the refresh store and the deny-list the servers
// share, and the servers' token configuration c, of which it uses
// MaxLifetime and Leeway (how long the revocations must be kept: a
// shorter c than the servers' would let old tokens back in). Services on
// deny refuse the access tokens issued before now's next whole second
// within 1 s. On error some families may be revoked already; running it
// again finishes the job.
func RevokeAll(ctx context.Context, c Config, st RefreshStore, deny DenyList, now time.Time) (int, error) {
	c, err := c.withDefaults()
	if err != nil {
		return 0, err
	}
	if st == nil || deny == nil {
		return 0, fmt.Errorf("%w: revoking needs a refresh store and a deny-list", ErrConfig)
	}
	r := revoker{store: st, deny: deny, keep: c.MaxLifetime + c.Leeway}
	now = now.UTC()
	if _, err := r.issuedBefore(ctx, now); err != nil {
		return 0, err
	}
	return r.liveFamilies(ctx, now)
}
