package kv

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samo-brain/samo/internal/ids"
)

// Block store layout. Every key carries the hash tag {<prefix>ids}, so one
// script may touch several of them on a Redis Cluster too:
//
//	{p ids}:idx        sorted set: member = address, score = Until (unix seconds, for listing and pruning)
//	{p ids}:b:<addr>   hash: us, un (Until seconds, nanoseconds), cs, cn (Created), o (offence), r (reason), by
//	{p ids}:o:<addr>   hash: n (offences), fs, fn (when they are forgotten)
//	{p ids}:gen        counter: bumped on every add, replace and remove
//
// Times are compared exactly as (seconds, nanoseconds) pairs, each exact in
// Lua's doubles. Keys also get Redis TTLs (the block's or memory's length
// plus a margin), so nothing outlives its use even if never read again.

// blockPrelude holds the helpers every block script uses.
const blockPrelude = `
local function before(as, an, bs, bn)
  return as < bs or (as == bs and an < bn)
end
local function active(blk, ns, nn)
  local us = tonumber(redis.call('HGET', blk, 'us'))
  if not us then return false end
  local un = tonumber(redis.call('HGET', blk, 'un'))
  return before(ns, nn, us, un)
end
-- make room for one more entry in the index: drop expired entries, then
-- the soonest to expire.
local function room(idx, pre, max, ns)
  if redis.call('ZCARD', idx) < max then return end
  local old = redis.call('ZRANGEBYSCORE', idx, '-inf', '(' .. (ns - 1), 'LIMIT', 0, 1000)
  for _, a in ipairs(old) do
    redis.call('DEL', pre .. 'b:' .. a)
    redis.call('ZREM', idx, a)
  end
  while redis.call('ZCARD', idx) >= max do
    local v = redis.call('ZPOPMIN', idx)
    if #v == 0 then break end
    redis.call('DEL', pre .. 'b:' .. v[1])
  end
end
local function put(idx, blk, addr, us, un, cs, cn, o, r, by, ttl)
  redis.call('DEL', blk)
  redis.call('HSET', blk, 'us', us, 'un', un, 'cs', cs, 'cn', cn, 'o', o, 'r', r, 'by', by)
  redis.call('PEXPIRE', blk, ttl)
  redis.call('ZADD', idx, us + un / 1e9, addr)
end
`

// escalateScript is BlockStore.Escalate.
//
// KEYS: idx, b:<addr>, o:<addr>, gen. ARGV: prefix-with-tag, addr, now s, now
// ns, forget s, forget ns, offence-memory TTL ms, reason, by, max entries,
// then per offence number k = 1..n: until s, until ns, block TTL ms.
// Returns {added, us, un, cs, cn, offence, reason, by}.
const escalateScript = blockPrelude + `
local idx, blk, off, gen = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local pre, addr = ARGV[1], ARGV[2]
local ns, nn = tonumber(ARGV[3]), tonumber(ARGV[4])
if active(blk, ns, nn) then
  local b = redis.call('HMGET', blk, 'us', 'un', 'cs', 'cn', 'o', 'r', 'by')
  return {0, b[1], b[2], b[3], b[4], b[5], b[6], b[7]}
end
local n = 0
local o = redis.call('HMGET', off, 'n', 'fs', 'fn')
if o[1] and not before(ns, nn, tonumber(o[2]), tonumber(o[3])) then
  o[1] = false
end
if o[1] then n = tonumber(o[1]) end
n = n + 1
redis.call('HSET', off, 'n', n, 'fs', ARGV[5], 'fn', ARGV[6])
redis.call('PEXPIRE', off, ARGV[7])
local steps = (#ARGV - 10) / 3
local k = math.min(n, steps)
local base = 10 + (k - 1) * 3
local us, un, ttl = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), ARGV[base + 3]
if redis.call('EXISTS', blk) == 0 then room(idx, pre, tonumber(ARGV[10]), ns) end
put(idx, blk, addr, us, un, ns, nn, n, ARGV[8], ARGV[9], ttl)
redis.call('INCR', gen)
return {1, us, un, ns, nn, n, ARGV[8], ARGV[9]}
`

// blockScript is BlockStore.Block. KEYS: idx, b:<addr>, gen. ARGV: prefix,
// addr, until s, until ns, created s, created ns, offence, reason, by, TTL
// ms, max entries.
const blockScript = blockPrelude + `
local idx, blk, gen = KEYS[1], KEYS[2], KEYS[3]
if redis.call('EXISTS', blk) == 0 then room(idx, ARGV[1], tonumber(ARGV[11]), tonumber(ARGV[5])) end
put(idx, blk, ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
redis.call('INCR', gen)
return 1
`

// unblockScript is BlockStore.Unblock. KEYS: idx, b:<addr>, o:<addr>, gen.
// ARGV: addr. Returns 1 when a block was present.
const unblockScript = `
local had = redis.call('DEL', KEYS[2])
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[1], ARGV[1])
if had == 1 then redis.call('INCR', KEYS[4]) end
return had
`

// listScript returns the blocks indexed as ending at or after now's second,
// as flat {addr, us, un, cs, cn, o, r, by, ...}; the caller applies the
// exact expiry test. KEYS: idx. ARGV: prefix, now s.
const listScript = `
local out = {}
local addrs = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], '+inf')
for _, a in ipairs(addrs) do
  local b = redis.call('HMGET', ARGV[1] .. 'b:' .. a, 'us', 'un', 'cs', 'cn', 'o', 'r', 'by')
  if b[1] then
    table.insert(out, a)
    for i = 1, 7 do table.insert(out, b[i]) end
  end
end
return out
`

// blockTTLMargin is added to every Redis TTL so that a replica whose clock
// runs a little behind still finds the record.
const blockTTLMargin = time.Minute

// BlockStore is an ids.BlockStore shared by every replica: each method is
// one Lua script call or one command, so Escalate's "already blocked? count,
// pick the TTL, store" is atomic across replicas. Expiry is decided by the
// caller's now, exactly as the in-memory store does.
type BlockStore struct {
	c                              *Client
	max                            int
	pre                            string // prefix with hash tag, e.g. "samo:{samo:ids}:"
	escalate, block, unblock, list *redis.Script
	idx, gen                       string
}

var _ ids.BlockStore = (*BlockStore)(nil)

// BlockStore returns a block store over c holding at most maxEntries blocks
// (ids.DefaultMaxEntries when <= 0): when full it drops expired blocks, then
// those that would expire soonest.
func (c *Client) BlockStore(maxEntries int) *BlockStore {
	if maxEntries <= 0 {
		maxEntries = ids.DefaultMaxEntries
	}
	pre := c.prefix + "{" + c.prefix + "ids}:"
	return &BlockStore{
		c: c, max: maxEntries, pre: pre, idx: pre + "idx", gen: pre + "gen",
		escalate: redis.NewScript(escalateScript), block: redis.NewScript(blockScript),
		unblock: redis.NewScript(unblockScript), list: redis.NewScript(listScript),
	}
}

func secNano(t time.Time) (int64, int64) { return t.Unix(), int64(t.Nanosecond()) }

// maxRecordTTL caps Redis TTLs (blocks are at most ids.MaxBlock long; a
// zero Created must not overflow the arithmetic).
const maxRecordTTL = 400 * 24 * time.Hour

// ttlMS is a Redis TTL in milliseconds for a record needed for d.
func ttlMS(d time.Duration) int64 {
	return (min(max(d, 0), maxRecordTTL) + blockTTLMargin).Milliseconds()
}

// Escalate implements ids.BlockStore.
func (s *BlockStore) Escalate(ctx context.Context, e ids.Escalation) (ids.Block, bool, error) {
	if !e.IP.IsValid() || len(e.TTLs) == 0 {
		return ids.Block{}, false, ids.ErrInvalidBlock
	}
	addr := e.IP.String()
	nowS, nowN := secNano(e.Now)
	fS, fN := secNano(e.Now.Add(e.Memory))
	args := []any{s.pre, addr, nowS, nowN, fS, fN, ttlMS(e.Memory), e.Reason, e.By, s.max}
	for k := 1; k <= len(e.TTLs); k++ {
		uS, uN := secNano(e.Now.Add(e.TTL(k)))
		args = append(args, uS, uN, ttlMS(e.TTL(k)))
	}
	ctx, cancel := s.c.deadline(ctx)
	defer cancel()
	res, err := s.escalate.Run(ctx, s.c.rdb, []string{s.idx, s.pre + "b:" + addr, s.pre + "o:" + addr, s.gen}, args...).Slice()
	if err != nil {
		return ids.Block{}, false, s.c.wrap("escalate block", err)
	}
	if len(res) != 8 {
		return ids.Block{}, false, fmt.Errorf("kv: escalate block: script returned %d values", len(res))
	}
	b, err := decodeBlock(addr, res[1:])
	if err != nil {
		return ids.Block{}, false, err
	}
	added, _ := res[0].(int64)
	return b, added == 1, nil
}

// Block implements ids.BlockStore.
func (s *BlockStore) Block(ctx context.Context, b ids.Block) error {
	if !b.IP.IsValid() {
		return ids.ErrInvalidBlock
	}
	addr := b.IP.String()
	uS, uN := secNano(b.Until)
	cS, cN := secNano(b.Created)
	ctx, cancel := s.c.deadline(ctx)
	defer cancel()
	err := s.block.Run(ctx, s.c.rdb, []string{s.idx, s.pre + "b:" + addr, s.gen},
		s.pre, addr, uS, uN, cS, cN, b.Offence, b.Reason, b.By, ttlMS(b.Until.Sub(b.Created)), s.max).Err()
	return s.c.wrap("block", err)
}

// Unblock implements ids.BlockStore.
func (s *BlockStore) Unblock(ctx context.Context, ip netip.Addr) (bool, error) {
	if !ip.IsValid() {
		return false, nil
	}
	addr := ip.String()
	ctx, cancel := s.c.deadline(ctx)
	defer cancel()
	n, err := s.unblock.Run(ctx, s.c.rdb, []string{s.idx, s.pre + "b:" + addr, s.pre + "o:" + addr, s.gen}, addr).Int64()
	if err != nil {
		return false, s.c.wrap("unblock", err)
	}
	return n == 1, nil
}

// Blocked implements ids.BlockStore.
func (s *BlockStore) Blocked(ctx context.Context, ip netip.Addr, now time.Time) (ids.Block, bool, error) {
	if !ip.IsValid() {
		return ids.Block{}, false, nil
	}
	addr := ip.String()
	ctx, cancel := s.c.deadline(ctx)
	defer cancel()
	vals, err := s.c.rdb.HMGet(ctx, s.pre+"b:"+addr, "us", "un", "cs", "cn", "o", "r", "by").Result()
	if err != nil {
		return ids.Block{}, false, s.c.wrap("blocked", err)
	}
	if vals[0] == nil {
		return ids.Block{}, false, nil
	}
	b, err := decodeBlock(addr, vals)
	if err != nil || !b.Active(now) {
		return ids.Block{}, false, err
	}
	return b, true, nil
}

// List implements ids.BlockStore.
func (s *BlockStore) List(ctx context.Context, now time.Time) ([]ids.Block, error) {
	ctx, cancel := s.c.deadline(ctx)
	defer cancel()
	res, err := s.list.Run(ctx, s.c.rdb, []string{s.idx}, s.pre, now.Unix()).Slice()
	if err != nil {
		return nil, s.c.wrap("list blocks", err)
	}
	if len(res)%8 != 0 {
		return nil, fmt.Errorf("kv: list blocks: script returned %d values", len(res))
	}
	out := make([]ids.Block, 0, len(res)/8)
	for i := 0; i < len(res); i += 8 {
		addr, _ := res[i].(string)
		b, err := decodeBlock(addr, res[i+1:i+8])
		if err != nil {
			return nil, err
		}
		if b.Active(now) {
			out = append(out, b)
		}
	}
	return out, nil
}

// Generation implements ids.BlockStore.
func (s *BlockStore) Generation(ctx context.Context) (uint64, error) {
	ctx, cancel := s.c.deadline(ctx)
	defer cancel()
	g, err := s.c.rdb.Get(ctx, s.gen).Uint64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, s.c.wrap("block generation", err)
	}
	return g, nil
}

// errCorruptBlock reports a stored block that does not decode.
var errCorruptBlock = errors.New("kv: corrupt stored block")

// decodeBlock parses {us, un, cs, cn, o, r, by} as returned by HMGET or a
// script (strings or integers).
func decodeBlock(addr string, v []any) (ids.Block, error) {
	if len(v) != 7 {
		return ids.Block{}, errCorruptBlock
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return ids.Block{}, fmt.Errorf("%w: address %q", errCorruptBlock, addr)
	}
	var n [5]int64
	for i := range n {
		switch x := v[i].(type) {
		case int64:
			n[i] = x
		case string:
			if n[i], err = strconv.ParseInt(x, 10, 64); err != nil {
				return ids.Block{}, fmt.Errorf("%w: field %d", errCorruptBlock, i)
			}
		default:
			return ids.Block{}, fmt.Errorf("%w: field %d", errCorruptBlock, i)
		}
	}
	reason, ok1 := v[5].(string)
	by, ok2 := v[6].(string)
	if !ok1 || !ok2 {
		return ids.Block{}, fmt.Errorf("%w: reason or actor", errCorruptBlock)
	}
	return ids.Block{
		IP: ip, Until: time.Unix(n[0], n[1]).UTC(), Created: time.Unix(n[2], n[3]).UTC(),
		Offence: int(n[4]), Reason: reason, By: by,
	}, nil
}
