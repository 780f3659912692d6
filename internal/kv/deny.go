package kv

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samo-brain/samo/internal/token"
)

// denyScript records a revocation until a TTL, never shortening one already
// recorded. KEYS[1] the entry; ARGV[1] TTL in ms.
const denyScript = `
local ttl = tonumber(ARGV[1])
local cur = redis.call('PTTL', KEYS[1])
if cur == -1 then return 0 end
if cur == -2 or cur < ttl then
  redis.call('SET', KEYS[1], '1', 'PX', ttl)
  return 1
end
return 0
`

// denyBeforeScript records the cut-off of DenyIssuedBefore, never moving it
// back nor shortening its TTL. KEYS[1] the entry; ARGV[1] the cut-off in
// Unix milliseconds; ARGV[2] TTL in ms.
const denyBeforeScript = `
local t = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local left = redis.call('PTTL', KEYS[1])
if cur > t then t = cur end
if left > ttl then ttl = left end
redis.call('SET', KEYS[1], tostring(t), 'PX', ttl)
return 1
`

// maxDenyID bounds deny-list ids (jti values are 22 characters; family
// entries "fam:" plus an id).
const maxDenyID = 256

// DenyList is a token.DenyList shared by every replica: revoked access-token
// ids (jti) and refresh families, each a key that Redis expires when the
// tokens it denies would have expired anyway.
type DenyList struct {
	c            *Client
	now          func() time.Time
	script       *redis.Script
	beforeScript *redis.Script
}

var _ token.DenyList = (*DenyList)(nil)

// DenyList returns a deny-list over c; now (time.Now when nil) turns the
// caller's expiry times into Redis TTLs.
func (c *Client) DenyList(now func() time.Time) *DenyList {
	if now == nil {
		now = time.Now
	}
	return &DenyList{c: c, now: now, script: redis.NewScript(denyScript), beforeScript: redis.NewScript(denyBeforeScript)}
}

// Deny implements token.DenyList. An entry whose until has passed is not
// stored.
func (d *DenyList) Deny(ctx context.Context, id string, until time.Time) error {
	if id == "" || len(id) > maxDenyID {
		return ErrInvalidInput
	}
	ttl := until.Sub(d.now())
	if ttl <= 0 {
		return nil
	}
	ms := (ttl + time.Millisecond - 1).Milliseconds() // round up: never forget early
	ctx, cancel := d.c.deadline(ctx)
	defer cancel()
	return d.c.wrap("deny", d.script.Run(ctx, d.c.rdb, []string{d.c.key("deny", id)}, ms).Err())
}

// Denied implements token.DenyList. It fails (ErrUnavailable) rather than
// answer "not denied" when Redis cannot be asked.
func (d *DenyList) Denied(ctx context.Context, id string) (bool, error) {
	if id == "" || len(id) > maxDenyID {
		return false, ErrInvalidInput
	}
	ctx, cancel := d.c.deadline(ctx)
	defer cancel()
	n, err := d.c.rdb.Exists(ctx, d.c.key("deny", id)).Result()
	if err != nil {
		return false, d.c.wrap("denied", err)
	}
	return n == 1, nil
}

// DenyIssuedBefore implements token.DenyList: one key holding the cut-off
// in Unix milliseconds (rounded up), expiring at until.
func (d *DenyList) DenyIssuedBefore(ctx context.Context, t, until time.Time) error {
	ttl := until.Sub(d.now())
	if ttl <= 0 {
		return nil
	}
	ms := (ttl + time.Millisecond - 1).Milliseconds()
	cut := (t.UnixNano() + int64(time.Millisecond) - 1) / int64(time.Millisecond)
	ctx, cancel := d.c.deadline(ctx)
	defer cancel()
	return d.c.wrap("deny before", d.beforeScript.Run(ctx, d.c.rdb, []string{d.c.key("deny-before")}, cut, ms).Err())
}

// IssuedBefore implements token.DenyList. It fails (ErrUnavailable) rather
// than answer "no cut-off" when Redis cannot be asked, and refuses a value
// it did not write.
func (d *DenyList) IssuedBefore(ctx context.Context) (time.Time, error) {
	ctx, cancel := d.c.deadline(ctx)
	defer cancel()
	v, err := d.c.rdb.Get(ctx, d.c.key("deny-before")).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, d.c.wrap("issued before", err)
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}, fmt.Errorf("%w: malformed sign-out cut-off", ErrUnavailable)
	}
	return time.UnixMilli(ms).UTC(), nil
}
