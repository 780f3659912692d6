package kv

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samo-brain/samo/internal/ratelimit"
)

// limiterScript is one rate-limit decision: the sliding-window log of
// package ratelimit (see its doc), kept in a sorted set of request times in
// microseconds, run atomically by Redis.
//
// KEYS[1] the log (sorted set, member "<time>:<seq>", score time)
// KEYS[2] meta (hash: seq = member counter, warned = time of the last 80 % warning)
// ARGV[1] now in µs, or "" for the Redis server's clock
// ARGV[2] window in µs   ARGV[3] limit   ARGV[4] "1" to count, "0" to peek
//
// Returns {allowed, remaining, reset_after_µs, retry_after_µs, warn}.
// Times are integers below 2^53, exact in Lua's doubles.
const limiterScript = `
local now = tonumber(ARGV[1])
if not now then
  if redis.replicate_commands then redis.replicate_commands() end
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local w = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local consume = ARGV[4] == '1'
local log, meta = KEYS[1], KEYS[2]

redis.call('ZREMRANGEBYSCORE', log, '-inf', now - w)
local used = redis.call('ZCARD', log)
local function at(i)
  local r = redis.call('ZRANGE', log, i, i, 'WITHSCORES')
  return tonumber(r[2])
end
local function clamp(x)
  if x < 0 then return 0 end
  if x > w then return w end
  return x
end
if used > 0 then
  local last = at(used - 1)
  if now < last then now = last end -- a clock that stepped back stands still
end
if used >= limit then
  local ra = clamp(at(used - limit) + w - now)
  return {0, 0, ra, ra, 0}
end
if not consume then
  local reset = w
  if used > 0 then reset = clamp(at(0) + w - now) end
  return {1, limit - used, reset, 0, 0}
end
local seq = redis.call('HINCRBY', meta, 'seq', 1)
redis.call('ZADD', log, now, string.format('%.0f:%d', now, seq))
local ttl = math.ceil(w / 1000) + 1000
redis.call('PEXPIRE', log, ttl)
local reset = clamp(at(0) + w - now)
local warn = 0
if used * 5 <= limit * 4 and (used + 1) * 5 > limit * 4 then
  local last = tonumber(redis.call('HGET', meta, 'warned'))
  if not last or now - last >= w then
    warn = 1
    redis.call('HSET', meta, 'warned', string.format('%.0f', now))
  end
end
redis.call('PEXPIRE', meta, ttl)
return {1, limit - used - 1, reset, 0, warn}
`

// Limiter is a ratelimit.Limiter shared by every replica: each Allow or
// Peek is one Lua script call (one round trip), so decisions on one key are
// serialized by Redis and exact however many replicas race.
type Limiter struct {
	c      *Client
	now    func() time.Time
	script *redis.Script
}

var (
	_ ratelimit.Limiter = (*Limiter)(nil)
	_ ratelimit.Decider = (*Limiter)(nil)
)

// Limiter returns a rate limiter over c. now is the clock; nil means the
// Redis server's clock (TIME), which every replica shares, so skewed
// replica clocks cannot stretch or shrink a window. Tests inject a clock.
func (c *Client) Limiter(now func() time.Time) *Limiter {
	return &Limiter{c: c, now: now, script: redis.NewScript(limiterScript)}
}

// Allow implements ratelimit.Limiter.
func (l *Limiter) Allow(ctx context.Context, key string, p ratelimit.Policy) (ratelimit.Decision, error) {
	return l.decide(ctx, key, p, "1")
}

// Peek implements ratelimit.Limiter.
func (l *Limiter) Peek(ctx context.Context, key string, p ratelimit.Policy) (ratelimit.Decision, error) {
	return l.decide(ctx, key, p, "0")
}

func (l *Limiter) decide(ctx context.Context, key string, p ratelimit.Policy, consume string) (ratelimit.Decision, error) {
	ds, err := l.Decide(ctx, []ratelimit.Check{{Key: key, Policy: p, Consume: consume == "1"}})
	if err != nil {
		return ratelimit.Decision{}, err
	}
	return ds[0], nil
}

// Decide implements ratelimit.Decider: the checks' scripts go to Redis in
// one pipeline (one round trip), each as Allow or Peek would run it.
func (l *Limiter) Decide(ctx context.Context, checks []ratelimit.Check) ([]ratelimit.Decision, error) {
	for _, c := range checks {
		if err := c.Policy.Validate(); err != nil {
			return nil, err
		}
		if c.Key == "" || len(c.Key) > ratelimit.MaxKeyLen {
			return nil, ratelimit.ErrInvalidKey
		}
	}
	now := ""
	if l.now != nil {
		now = strconv.FormatInt(l.now().UnixMicro(), 10)
	}
	ctx, cancel := l.c.deadline(ctx)
	defer cancel()
	// The braces make both keys one cluster hash slot; Open forbids braces
	// in the prefix, so the first '{' is always this one.
	keys := func(c ratelimit.Check) []string {
		base := l.c.prefix + "rl:{" + c.Policy.Name + ":" + c.Key + "}"
		return []string{base + ":log", base + ":meta"}
	}
	args := func(c ratelimit.Check) []any {
		consume := "0"
		if c.Consume {
			consume = "1"
		}
		return []any{now, c.Policy.Window.Microseconds(), c.Policy.Limit, consume}
	}
	var cmds []*redis.Cmd
	var err error
	if len(checks) == 1 {
		// One script: Run sends EVALSHA, or EVAL when Redis lost it.
		cmd := l.script.Run(ctx, l.c.rdb, keys(checks[0]), args(checks[0])...)
		cmds, err = []*redis.Cmd{cmd}, cmd.Err()
	} else {
		run := func() ([]*redis.Cmd, error) {
			pipe := l.c.rdb.Pipeline()
			cmds := make([]*redis.Cmd, len(checks))
			for i, c := range checks {
				cmds[i] = l.script.EvalSha(ctx, pipe, keys(c), args(c)...)
			}
			_, err := pipe.Exec(ctx)
			return cmds, err
		}
		cmds, err = run()
		if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
			// Redis lost the script (a restart or SCRIPT FLUSH): every
			// command of the pipeline failed the same way, none ran. Load
			// it and send the pipeline again.
			if err := l.script.Load(ctx, l.c.rdb).Err(); err != nil {
				return nil, l.c.wrap("rate limit", err)
			}
			cmds, err = run()
		}
	}
	if err != nil {
		return nil, l.c.wrap("rate limit", err)
	}
	out := make([]ratelimit.Decision, len(checks))
	for i, cmd := range cmds {
		res, err := cmd.Int64Slice()
		if err != nil {
			return nil, l.c.wrap("rate limit", err)
		}
		if len(res) != 5 {
			return nil, fmt.Errorf("kv: rate limit: script returned %d values, want 5", len(res))
		}
		out[i] = ratelimit.Decision{
			Allowed:    res[0] == 1,
			Limit:      checks[i].Policy.Limit,
			Remaining:  int(res[1]),
			ResetAfter: time.Duration(res[2]) * time.Microsecond,
			RetryAfter: time.Duration(res[3]) * time.Microsecond,
			Warn:       res[4] == 1,
		}
	}
	return out, nil
}
