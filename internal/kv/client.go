package kv

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Sentinel errors.
var (
	// ErrUnavailable wraps every failure to reach Redis or to get an answer
	// in time (connection refused or reset, timeout, pool exhausted, a
	// server that is loading, read-only, out of memory or busy). Callers
	// match it with errors.Is to fail closed with 503, or (rate limiting
	// only, with REDIS_FAIL_OPEN) fall back to local state.
	ErrUnavailable = errors.New("kv: redis unavailable")
	// ErrConfig reports an unusable REDIS_URL or option.
	ErrConfig = errors.New("kv: invalid configuration")
	// ErrInvalidInput reports an argument no Redis call was made for
	// (an empty or over-long id or name).
	ErrInvalidInput = errors.New("kv: invalid input")
)

// Defaults applied by Open to zero Options fields.
const (
	// DefaultPrefix starts every key and channel SAMO writes.
	DefaultPrefix = "samo:"
	// DefaultTimeout bounds every call: dialing, waiting for a pooled
	// connection, and each command's round trip.
	DefaultTimeout = time.Second
	// DefaultPoolSize is the connection pool size.
	DefaultPoolSize = 32
	// maxPrefixLen bounds Options.Prefix.
	maxPrefixLen = 64
)

// Options tune Open.
type Options struct {
	// Prefix starts every key and channel name (DefaultPrefix when empty):
	// several deployments, or tests, can share one Redis. At most 64 bytes
	// of A-Z a-z 0-9 : _ . - (no braces, which would break cluster hash tags).
	Prefix string
	// Timeout bounds each call (DefaultTimeout when zero). It is applied as
	// a context deadline unless the caller's is sooner.
	Timeout time.Duration
	// PoolSize is the number of pooled connections (DefaultPoolSize when zero).
	PoolSize int
	// RootCAs verifies a rediss:// server's certificate (nil: the system
	// roots).
	RootCAs *x509.CertPool
	// ClientCert is presented to a rediss:// server that asks for one
	// (tls-auth-clients): certificate authentication instead of, or beside,
	// the URL's password. Nil: none. Ignored for redis:// and unix://.
	ClientCert *tls.Certificate
}

// Client is a Redis connection pool with SAMO's key prefix and timeouts.
// The limiter, block store, deny-list, revocation bus and lock are views
// over one Client. It is safe for concurrent use.
type Client struct {
	rdb     *redis.Client
	prefix  string
	timeout time.Duration
}

// Open parses rawURL ("redis://[:password@]host:port/db" or "rediss://…"
// for TLS, at least TLS 1.2) and returns a Client. It does not connect:
// the first call does, and Ping checks the server. The URL, which may hold
// a password, never appears in errors.
func Open(rawURL string, opt Options) (*Client, error) {
	if opt.Prefix == "" {
		opt.Prefix = DefaultPrefix
	}
	if !validPrefix(opt.Prefix) {
		return nil, fmt.Errorf("%w: prefix must be 1-%d characters of A-Z a-z 0-9 : _ . -", ErrConfig, maxPrefixLen)
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.PoolSize <= 0 {
		opt.PoolSize = DefaultPoolSize
	}
	ro, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: REDIS_URL is not a valid redis:// or rediss:// URL", ErrConfig)
	}
	if ro.TLSConfig != nil {
		ro.TLSConfig.MinVersion = max(ro.TLSConfig.MinVersion, tls.VersionTLS12)
		ro.TLSConfig.RootCAs = opt.RootCAs
		if opt.ClientCert != nil {
			ro.TLSConfig.Certificates = []tls.Certificate{*opt.ClientCert}
		}
	}
	ro.DialTimeout = opt.Timeout
	ro.ReadTimeout = opt.Timeout
	ro.WriteTimeout = opt.Timeout
	ro.PoolTimeout = opt.Timeout
	ro.ContextTimeoutEnabled = true
	ro.PoolSize = opt.PoolSize
	// No client-side retries: a script whose reply was lost may have run,
	// and running it again would count a request twice. One call, one
	// decision; the caller answers 503 and the client retries.
	ro.MaxRetries = -1
	ro.Protocol = 2
	ro.DisableIdentity = true
	ro.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	return &Client{rdb: redis.NewClient(ro), prefix: opt.Prefix, timeout: opt.Timeout}, nil
}

func validPrefix(s string) bool {
	if len(s) == 0 || len(s) > maxPrefixLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == ':', c == '_', c == '.', c == '-':
		default:
			return false
		}
	}
	return true
}

// Close closes the connection pool.
func (c *Client) Close() error { return c.rdb.Close() }

// Ping checks that Redis answers (readiness).
func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	return c.wrap("ping", c.rdb.Ping(ctx).Err())
}

// Prefix returns the key prefix.
func (c *Client) Prefix() string { return c.prefix }

// deadline bounds ctx by the client's timeout.
func (c *Client) deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.timeout)
}

// wrap maps a go-redis error to the package's sentinels. redis.Nil (no
// such key) is returned unchanged for callers to test.
func (c *Client) wrap(op string, err error) error {
	if err == nil || errors.Is(err, redis.Nil) {
		return err
	}
	if unavailable(err) {
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
	}
	return fmt.Errorf("kv: %s: %w", op, err)
}

// unavailableReplies are Redis error-reply prefixes that mean "cannot serve
// now" rather than "wrong request".
var unavailableReplies = []string{"LOADING", "READONLY", "MASTERDOWN", "OOM", "BUSY", "CLUSTERDOWN", "TRYAGAIN", "NOREPLICAS"}

// unavailable reports whether err means Redis could not be reached or could
// not answer now. Every error that is not a Redis error reply (network,
// timeout, pool, closed client, cancelled context) counts.
func unavailable(err error) bool {
	var re redis.Error
	if !errors.As(err, &re) {
		return true
	}
	msg := re.Error()
	for _, p := range unavailableReplies {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// key joins the prefix and parts into a key name.
func (c *Client) key(parts ...string) string {
	return c.prefix + strings.Join(parts, ":")
}
