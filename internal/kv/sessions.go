package kv

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/session"
)

// sessionGetScript returns a live session's fields and marks it used, or
// deletes it once expired. KEYS[1] the session; ARGV now, idle and
// absolute timeouts (ms).
const sessionGetScript = `
local v = redis.call('HMGET', KEYS[1], 'u', 'n', 'r', 'k', 'c', 's')
if not v[1] then return false end
local now, idle, abs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local c, s = tonumber(v[5]), tonumber(v[6])
if not c or not s or now - s >= idle or now - c >= abs then
  redis.call('DEL', KEYS[1])
  return false
end
redis.call('HSET', KEYS[1], 's', ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.min(idle, abs - (now - c)) + 1000)
return v
`

// sessionSetFlashScript stores a notice in a session that exists.
// KEYS[1] the session; ARGV message and kind.
const sessionSetFlashScript = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'f', ARGV[1], 'fk', ARGV[2])
end
return 0
`

// sessionTakeFlashScript returns and clears a session's notice. KEYS[1]
// the session.
const sessionTakeFlashScript = `
local v = redis.call('HMGET', KEYS[1], 'f', 'fk')
if v[1] then redis.call('HDEL', KEYS[1], 'f', 'fk') end
return v
`

// maxSessionKeyID bounds the API key ids sessions are indexed under.
const maxSessionKeyID = 128

// Sessions is a session.Store shared by every replica, so a browser signed
// in on one replica is signed in on all of them. A session is a hash under
// the SHA-256 of its id (never the id) holding the user, role, key id,
// sign-in and last-use times (ms) and the one-time notice; each API key
// has a set of its sessions' hashes, for MaxPerKey and DeleteKey. Expiry
// is decided on the replica's clock like Memory's, and every session key
// also expires in Redis a second after it would end, so nothing outlives
// its timeouts. Get, SetFlash and TakeFlash are one script each (one round
// trip, atomic); Create and the deletes take a few commands, so two
// sign-ins of one key racing on two replicas may leave it one session over
// MaxPerKey until its next sign-in, and a sign-in racing DeleteKey may keep
// its session (which the dashboard refuses anyway: it re-checks the key on
// every request).
type Sessions struct {
	c              *Client
	cfg            session.Config
	now            func() time.Time
	get, set, take *redis.Script
}

var _ session.Store = (*Sessions)(nil)

// Sessions returns a session store over c with cfg's timeouts (Max does
// not apply: see Sessions); now is the clock (nil: time.Now).
func (c *Client) Sessions(cfg session.Config, now func() time.Time) *Sessions {
	if now == nil {
		now = time.Now
	}
	return &Sessions{c: c, cfg: cfg.WithDefaults(), now: now, get: redis.NewScript(sessionGetScript),
		set: redis.NewScript(sessionSetFlashScript), take: redis.NewScript(sessionTakeFlashScript)}
}

// sessionKey names the hash of the session under k; hashKey the same from
// the hexadecimal k that a key's index holds.
func (s *Sessions) sessionKey(k session.Key) string { return s.hashKey(k.String()) }
func (s *Sessions) hashKey(h string) string         { return s.c.key("sess", h) }

func (s *Sessions) keyIndex(keyID string) (string, error) {
	if keyID == "" || len(keyID) > maxSessionKeyID {
		return "", ErrInvalidInput
	}
	return s.c.key("sesskey", keyID), nil
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// Create implements session.Store: it drops the key's ended sessions from
// its set and, past MaxPerKey live ones, its least recently used, then
// stores the new one.
func (s *Sessions) Create(ctx context.Context, k session.Key, v session.Session) error {
	index, err := s.keyIndex(v.KeyID)
	if err != nil {
		return err
	}
	if !v.Role.Valid() {
		return fmt.Errorf("%w: role %q", ErrInvalidInput, v.Role)
	}
	ctx, cancel := s.c.deadline(ctx)
	defer cancel()
	members, err := s.c.rdb.SMembers(ctx, index).Result()
	if err != nil {
		return s.c.wrap("session create", err)
	}
	if err := s.makeRoom(ctx, index, members); err != nil {
		return err
	}
	h := k.String()
	ttl := min(s.cfg.Idle, s.cfg.Absolute) + time.Second
	_, err = s.c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.hashKey(h), "u", v.UserID, "n", v.UserName, "r", string(v.Role), "k", v.KeyID, "c", ms(v.Created), "s", ms(v.LastSeen))
		p.PExpire(ctx, s.hashKey(h), ttl)
		p.SAdd(ctx, index, h)
		p.PExpire(ctx, index, s.cfg.Absolute+time.Second)
		return nil
	})
	return s.c.wrap("session create", err)
}

// makeRoom removes from a key's index the sessions that ended and, while
// MaxPerKey or more are live, deletes the least recently used.
func (s *Sessions) makeRoom(ctx context.Context, index string, members []string) error {
	if len(members) == 0 {
		return nil
	}
	p := s.c.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(members))
	for i, m := range members {
		cmds[i] = p.HMGet(ctx, s.hashKey(m), "c", "s")
	}
	if _, err := p.Exec(ctx); err != nil {
		return s.c.wrap("session create", err)
	}
	type live struct {
		member string
		seen   int64
	}
	var alive []live
	var drop []string
	now := s.now()
	for i, cmd := range cmds {
		v := cmd.Val() // HMGET answers one value per field asked
		c, okC := parseMillis(v[0])
		seen, okS := parseMillis(v[1])
		if !okC || !okS || s.cfg.Expired(session.Session{Created: time.UnixMilli(c), LastSeen: time.UnixMilli(seen)}, now) {
			drop = append(drop, members[i])
			continue
		}
		alive = append(alive, live{members[i], seen})
	}
	slices.SortFunc(alive, func(a, b live) int { return cmp.Compare(a.seen, b.seen) })
	for len(alive) >= session.MaxPerKey {
		drop = append(drop, alive[0].member)
		alive = alive[1:]
	}
	if len(drop) == 0 {
		return nil
	}
	keys := make([]string, len(drop))
	for i, m := range drop {
		keys[i] = s.hashKey(m)
	}
	_, err := s.c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, keys...)
		p.SRem(ctx, index, drop)
		return nil
	})
	return s.c.wrap("session create", err)
}

// parseMillis reads a value of an HMGET reply as milliseconds.
func parseMillis(v any) (int64, bool) {
	str, ok := v.(string)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(str, 10, 64)
	return n, err == nil
}

// Get implements session.Store. A stored session that does not parse
// (which SAMO never writes) is an error, not a session.
func (s *Sessions) Get(ctx context.Context, k session.Key) (session.Session, bool, error) {
	now := s.now()
	ctx, cancel := s.c.deadline(ctx)
	defer cancel()
	res, err := s.get.Run(ctx, s.c.rdb, []string{s.sessionKey(k)}, now.UnixMilli(), s.cfg.Idle.Milliseconds(), s.cfg.Absolute.Milliseconds()).Slice()
	if errors.Is(err, redis.Nil) {
		return session.Session{}, false, nil
	}
	if err != nil {
		return session.Session{}, false, s.c.wrap("session get", err)
	}
	v, ok := decodeSession(res)
	if !ok {
		return session.Session{}, false, errors.New("kv: session get: malformed session")
	}
	v.LastSeen = now
	return v, true, nil
}

// sessionFields are a session hash's fields, in the order decodeSession
// reads them (and sessionGetScript returns them): user id, user name,
// role, key id, created and last seen (ms).
var sessionFields = []string{"u", "n", "r", "k", "c", "s"}

// decodeSession reads the values of sessionFields; ok is false for what
// SAMO never writes.
func decodeSession(v []any) (session.Session, bool) {
	if len(v) != len(sessionFields) {
		return session.Session{}, false
	}
	f := make([]string, 4)
	for i := range f {
		f[i], _ = v[i].(string)
	}
	c, okC := parseMillis(v[4])
	seen, okS := parseMillis(v[5])
	role := rbac.Role(f[2])
	if !okC || !okS || !role.Valid() || f[0] == "" || f[3] == "" {
		return session.Session{}, false
	}
	return session.Session{UserID: f[0], UserName: f[1], Role: role, KeyID: f[3], Created: time.UnixMilli(c), LastSeen: time.UnixMilli(seen)}, true
}

// SetFlash implements session.Store.
func (s *Sessions) SetFlash(ctx context.Context, k session.Key, msg, kind string) error {
	ctx, cancel := s.c.deadline(ctx)
	defer cancel()
	return s.c.wrap("session flash", s.set.Run(ctx, s.c.rdb, []string{s.sessionKey(k)}, msg, kind).Err())
}

// TakeFlash implements session.Store.
func (s *Sessions) TakeFlash(ctx context.Context, k session.Key) (msg, kind string, err error) {
	ctx, cancel := s.c.deadline(ctx)
	defer cancel()
	res, err := s.take.Run(ctx, s.c.rdb, []string{s.sessionKey(k)}).Slice()
	if err != nil {
		return "", "", s.c.wrap("session flash", err)
	}
	if len(res) == 2 {
		msg, _ = res[0].(string)
		kind, _ = res[1].(string)
	}
	return msg, kind, nil
}

// Delete implements session.Store. The session's hash leaves its key's
// index, which the next Create of that key prunes (makeRoom).
func (s *Sessions) Delete(ctx context.Context, k session.Key) error {
	ctx, cancel := s.c.deadline(ctx)
	defer cancel()
	return s.c.wrap("session delete", s.c.rdb.Del(ctx, s.sessionKey(k)).Err())
}

// DeleteAll implements session.Store: it deletes every session and key
// index under the client's prefix, scanning for them (an admin action, not
// a request path).
func (s *Sessions) DeleteAll(ctx context.Context) error {
	ctx, cancel := s.c.deadline(ctx)
	defer cancel()
	var keys []string
	for _, pattern := range []string{s.c.key("sess", "*"), s.c.key("sesskey", "*")} {
		iter := s.c.rdb.Scan(ctx, 0, pattern, 500).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			return s.c.wrap("session delete", err)
		}
	}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		if err := s.c.rdb.Del(ctx, keys[:n]...).Err(); err != nil {
			return s.c.wrap("session delete", err)
		}
		keys = keys[n:]
	}
	return nil
}

// ListKey implements session.Store: the members of the key's index whose
// session is still live (one pipelined HMGET each). A stored session that
// does not parse is an error, as in Get.
func (s *Sessions) ListKey(ctx context.Context, keyID string) ([]session.Listed, error) {
	index, err := s.keyIndex(keyID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.c.deadline(ctx)
	defer cancel()
	members, err := s.c.rdb.SMembers(ctx, index).Result()
	if err != nil || len(members) == 0 {
		return nil, s.c.wrap("session list", err)
	}
	p := s.c.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(members))
	for i, m := range members {
		cmds[i] = p.HMGet(ctx, s.hashKey(m), sessionFields...)
	}
	if _, err := p.Exec(ctx); err != nil {
		return nil, s.c.wrap("session list", err)
	}
	now := s.now()
	var out []session.Listed
	for i, cmd := range cmds {
		v := cmd.Val()
		if v[0] == nil { // ended; the next Create prunes the index
			continue
		}
		k, okK := session.ParseKey(members[i])
		sess, ok := decodeSession(v)
		if !okK || !ok || sess.KeyID != keyID {
			return nil, errors.New("kv: session list: malformed session")
		}
		if !s.cfg.Expired(sess, now) {
			out = append(out, session.Listed{Key: k, Session: sess})
		}
	}
	session.SortListed(out)
	return out, nil
}

// DeleteKey implements session.Store.
func (s *Sessions) DeleteKey(ctx context.Context, keyID string) error {
	index, err := s.keyIndex(keyID)
	if err != nil {
		return err
	}
	ctx, cancel := s.c.deadline(ctx)
	defer cancel()
	members, err := s.c.rdb.SMembers(ctx, index).Result()
	if err != nil {
		return s.c.wrap("session delete", err)
	}
	keys := []string{index}
	for _, m := range members {
		keys = append(keys, s.hashKey(m))
	}
	return s.c.wrap("session delete", s.c.rdb.Del(ctx, keys...).Err())
}
