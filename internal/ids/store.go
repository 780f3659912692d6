package ids

import (
	"context"
	"errors"
	"net/netip"
	"time"
)

// Errors returned by the detector and block stores.
var (
	// ErrNotBlocked reports an Unblock of an address that is not blocked.
	ErrNotBlocked = errors.New("ids: address not blocked")
	// ErrAllowlisted reports a manual block of an allowlisted address.
	ErrAllowlisted = errors.New("ids: address is allowlisted")
	// ErrInvalidBlock reports a manual block with a bad address, duration,
	// reason or actor.
	ErrInvalidBlock = errors.New("ids: invalid block")
	// ErrUnknownSignal reports an Observe with a signal the detector does
	// not know.
	ErrUnknownSignal = errors.New("ids: unknown signal")
	// ErrStale reports that the block list could not be refreshed from the
	// store for longer than Config.MaxStale; callers should fail closed.
	ErrStale = errors.New("ids: block list unavailable")
)

// Block is one blocked client.
type Block struct {
	// IP is the blocked subject: an IPv4 address, or the first address of
	// the blocked IPv6 prefix (see Subject).
	IP netip.Addr `json:"ip"`
	// Until is when the block expires.
	Until time.Time `json:"until"`
	// Reason says why, in a short operator-readable phrase.
	Reason string `json:"reason"`
	// By is "ids" for automatic blocks, otherwise the admin who set it.
	By string `json:"by"`
	// Created is when the block was set.
	Created time.Time `json:"created"`
	// Offence is the client's offence count for an automatic block
	// (1 for a first offence), 0 for a manual block.
	Offence int `json:"offence"`
}

// Active reports whether b blocks at time now.
func (b Block) Active(now time.Time) bool { return b.IP.IsValid() && now.Before(b.Until) }

// Escalation asks a BlockStore for an automatic block with a TTL that grows
// with the client's offence count.
type Escalation struct {
	IP     netip.Addr      // subject to block
	Now    time.Time       // current time
	TTLs   []time.Duration // TTL for the 1st, 2nd, ... offence; the last repeats
	Memory time.Duration   // offences older than this are forgotten
	Reason string
	By     string
}

// TTL returns the block duration for the n-th offence (n >= 1).
func (e Escalation) TTL(n int) time.Duration {
	if len(e.TTLs) == 0 {
		return 0
	}
	return e.TTLs[min(max(n, 1), len(e.TTLs))-1]
}

// BlockStore holds blocks and offence counts shared by every replica: in
// process memory now, SQL or Redis when scaled out. Every method is one
// atomic step, so a Redis implementation is one Lua script call (one round
// trip) per method; expiry is decided by the now the caller passes, so
// replicas agree and tests can inject a clock. Implementations must be safe
// for concurrent use; the idstest package holds the conformance suite.
type BlockStore interface {
	// Escalate is an automatic block. If e.IP is already blocked at e.Now it
	// returns that block and added=false, changing nothing. Otherwise it
	// forgets offences older than e.Memory, counts one more, and stores a
	// block until e.Now + e.TTL(count) with Offence set to the count.
	Escalate(ctx context.Context, e Escalation) (b Block, added bool, err error)
	// Block stores b, replacing any block for b.IP. It does not count an
	// offence.
	Block(ctx context.Context, b Block) error
	// Unblock removes the block for ip and forgets its offences. It reports
	// whether a block was present.
	Unblock(ctx context.Context, ip netip.Addr) (bool, error)
	// Blocked returns the block for ip if it is active at now.
	Blocked(ctx context.Context, ip netip.Addr, now time.Time) (Block, bool, error)
	// List returns every block active at now, in no particular order.
	List(ctx context.Context, now time.Time) ([]Block, error)
	// Generation returns a number that changes whenever a block is added,
	// replaced or removed (not when one merely expires), so readers can skip
	// re-listing an unchanged set.
	Generation(ctx context.Context) (uint64, error)
}

// DefaultMaxEntries is the number of blocks and offence records a bounded
// BlockStore keeps when given no capacity.
const DefaultMaxEntries = 100_000
