package kv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Revocation notices: when a replica (or the CLI) revokes, suspends or
// rotates an API key it publishes a Notice; every replica's subscriber drops
// that key (and its rotation chain) from its authentication cache at once.
// Disabling or enabling a user publishes a user Notice on the same channel,
// and subscribers drop that user from their caches.
// Redis pub/sub delivers at most once, so a subscriber that was disconnected
// calls its resync function (apikey.Service.Purge) on every (re)subscription,
// and the key cache's own TTL (1 s) bounds staleness even if notices are
// lost. Notices only invalidate caches: a forged one can cost a cache miss,
// never grant access.

// ErrBadNotice reports a notice payload that does not parse.
var ErrBadNotice = errors.New("kv: malformed revocation notice")

// noticeVersion starts every payload.
const noticeVersion = "v1"

// maxNoticeID bounds the ids in a notice.
const maxNoticeID = 64

// Notice says that an API key changed state, or (UserID set) that a user
// was disabled or enabled.
type Notice struct {
	// KeyID is the key revoked, suspended or rotated.
	KeyID string
	// Lineage, when set, is the rotation chain whose cached keys must all
	// be dropped (a rotation can expire older keys of the chain).
	Lineage string
	// UserID, when set, is a user disabled or enabled; KeyID and Lineage
	// are then empty. Subscribers drop the user from their caches.
	UserID string
}

// userNoticeVersion starts a user notice's payload.
const userNoticeVersion = "u1"

// String encodes n as a payload: "v1 <key id>[ <lineage>]", or
// "u1 <user id>" for a user notice.
func (n Notice) String() string {
	switch {
	case n.UserID != "":
		return userNoticeVersion + " " + n.UserID
	case n.Lineage == "":
		return noticeVersion + " " + n.KeyID
	}
	return noticeVersion + " " + n.KeyID + " " + n.Lineage
}

// ParseNotice decodes a payload strictly: the version, then one or two ids
// (a user notice: exactly one) of 1-64 characters of A-Z a-z 0-9 _ - .,
// separated by single spaces.
func ParseNotice(s string) (Notice, error) {
	f := strings.Split(s, " ")
	if len(f) < 2 || len(f) > 3 || (f[0] != noticeVersion && f[0] != userNoticeVersion) {
		return Notice{}, ErrBadNotice
	}
	for _, id := range f[1:] {
		if !validID(id, maxNoticeID) {
			return Notice{}, ErrBadNotice
		}
	}
	if f[0] == userNoticeVersion {
		if len(f) != 2 {
			return Notice{}, ErrBadNotice
		}
		return Notice{UserID: f[1]}, nil
	}
	n := Notice{KeyID: f[1]}
	if len(f) == 3 {
		n.Lineage = f[2]
	}
	return n, nil
}

// validID reports whether s is 1-maxLen characters of A-Z a-z 0-9 _ - .
func validID(s string, maxLen int) bool {
	if len(s) == 0 || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-', c == '.':
		default:
			return false
		}
	}
	return true
}

func (c *Client) revocationChannel() string { return c.prefix + "keys:revoked" }

// PublishRevoked announces n to every subscribed replica.
func (c *Client) PublishRevoked(ctx context.Context, n Notice) error {
	switch {
	case n.UserID != "":
		if !validID(n.UserID, maxNoticeID) || n.KeyID != "" || n.Lineage != "" {
			return ErrInvalidInput
		}
	case !validID(n.KeyID, maxNoticeID) || (n.Lineage != "" && !validID(n.Lineage, maxNoticeID)):
		return ErrInvalidInput
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	return c.wrap("publish revocation", c.rdb.Publish(ctx, c.revocationChannel(), n.String()).Err())
}

// PublishRevoked opens a connection to rawURL, publishes n and closes it:
// for short-lived processes (the CLI) that change keys without a Client.
func PublishRevoked(ctx context.Context, rawURL string, opt Options, n Notice) error {
	c, err := Open(rawURL, opt)
	if err != nil {
		return err
	}
	return errors.Join(c.PublishRevoked(ctx, n), c.Close())
}

// Subscriber handles revocation notices.
type Subscriber struct {
	// Notice is called for every well-formed notice.
	Notice func(Notice)
	// Resync is called after every (re)subscription, including the first:
	// notices published while not subscribed were missed.
	Resync func()
	// Error, when set, receives connection failures and malformed notices.
	Error func(error)
}

// Subscriber timings.
const (
	// subscribeIdle is how long the subscriber waits for traffic before it
	// pings to check the connection.
	subscribeIdle = 15 * time.Second
	// subscribeBackoffMax caps the wait between reconnection attempts.
	subscribeBackoffMax = 5 * time.Second
)

// SubscribeRevoked receives revocation notices until ctx ends (then it
// returns nil), reconnecting with backoff after any failure.
func (c *Client) SubscribeRevoked(ctx context.Context, s Subscriber) error {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := c.subscribeOnce(ctx, s, func() { backoff = 100 * time.Millisecond })
		if ctx.Err() != nil {
			break
		}
		if s.Error != nil {
			s.Error(c.wrap("revocation subscription", err))
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, subscribeBackoffMax)
	}
	return nil
}

// subscribeOnce runs one subscription until its connection fails.
func (c *Client) subscribeOnce(ctx context.Context, s Subscriber, healthy func()) error {
	ps := c.rdb.Subscribe(ctx, c.revocationChannel())
	// A blocked read does not watch ctx; closing the subscription ends it.
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
	defer func() {
		if stop() {
			_ = ps.Close()
		}
	}()
	pinged := false
	for {
		m, err := ps.ReceiveTimeout(ctx, subscribeIdle)
		if err != nil {
			var ne net.Error
			if ctx.Err() == nil && !pinged && errors.As(err, &ne) && ne.Timeout() {
				// Quiet channel: check the connection; a pong (or any
				// message) must arrive within the next idle period.
				if err := ps.Ping(ctx); err != nil {
					return err
				}
				pinged = true
				continue
			}
			return err
		}
		pinged = false
		switch m := m.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				healthy()
				if s.Resync != nil {
					s.Resync()
				}
			}
		case *redis.Message:
			n, err := ParseNotice(m.Payload)
			if err != nil {
				if s.Error != nil {
					s.Error(fmt.Errorf("%w (%d bytes)", err, len(m.Payload)))
				}
				continue
			}
			if s.Notice != nil {
				s.Notice(n)
			}
		}
	}
}
