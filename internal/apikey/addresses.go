package apikey

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Bounds of the address memory.
const (
	// MaxKeyAddresses is how many addresses are kept per key in the store:
	// the most recently seen ones. A key used from more addresses forgets
	// the least recently seen.
	MaxKeyAddresses = 32
	// addressPending bounds the uses seen but not yet written; uses past it
	// are dropped until the next flush (counted in Dropped).
	addressPending = 10000
	// addressWritten bounds the pairs remembered as written, so a busy key
	// is not rewritten on every flush; the memory is cleared when full.
	addressWritten = 10000
	// addressRewrite is how often a pair already written is written again
	// (its last_seen refreshed, which keeps it among a key's most recent).
	addressRewrite = time.Hour
	// addressReported bounds the pairs remembered as reported.
	addressReported = 10000
)

// DefaultReportEvery is how long a stranger (a key and an address that
// never used it) is reported only once by one process.
const DefaultReportEvery = time.Hour

// AddressUse is one key seen authenticating from one address.
type AddressUse struct {
	KeyID   string
	Address string // an IPv4 address or an IPv6 /64 prefix, as the caller chose
	At      time.Time
}

// AddressStore keeps the addresses keys authenticated from. It is shared by
// every replica (the store), so a key used on one replica is known to all.
type AddressStore interface {
	// RecordKeyAddresses upserts uses (first and last seen) and keeps at
	// most keep addresses per key, the most recently seen.
	RecordKeyAddresses(ctx context.Context, uses []AddressUse, keep int) error
	// KeyUsedFrom reports whether keyID has a recorded use from address.
	KeyUsedFrom(ctx context.Context, keyID, address string) (bool, error)
}

type addrPair struct{ key, addr string }

// Addresses remembers the addresses each key authenticated from, so that a
// revoked or suspended key presented again from an address that never used
// it can be told apart from its owner's client retrying (the Stranger
// check). Seen is cheap (one map operation); uses are written in batches by
// Flush (Run calls it every interval), so a use is known to other replicas
// within one flush interval. Memory is bounded by the constants above; the
// store keeps at most MaxKeyAddresses addresses per key. Safe for
// concurrent use.
type Addresses struct {
	store       AddressStore
	now         func() time.Time
	log         *slog.Logger
	reportEvery time.Duration

	mu       sync.Mutex
	pending  map[addrPair]time.Time // seen, not yet written
	written  map[addrPair]time.Time // written by this process, when
	reported map[addrPair]time.Time // reported as a stranger, when
	dropped  uint64
}

// NewAddresses returns an Addresses over st with clock now (nil means
// time.Now) and logger log (nil discards flush failures).
func NewAddresses(st AddressStore, now func() time.Time, log *slog.Logger) *Addresses {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Addresses{store: st, now: now, log: log, reportEvery: DefaultReportEvery,
		pending: map[addrPair]time.Time{}, written: map[addrPair]time.Time{}, reported: map[addrPair]time.Time{}}
}

// Seen notes that keyID authenticated from address. Empty values are
// ignored.
func (a *Addresses) Seen(keyID, address string) {
	if keyID == "" || address == "" {
		return
	}
	p, now := addrPair{keyID, address}, a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if at, ok := a.written[p]; ok && now.Sub(at) < addressRewrite {
		return
	}
	if _, ok := a.pending[p]; !ok && len(a.pending) >= addressPending {
		a.dropped++
		return
	}
	a.pending[p] = now
}

// Dropped returns how many uses were not remembered because the pending
// batch was full.
func (a *Addresses) Dropped() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.dropped
}

// Stranger reports whether address never authenticated with keyID, as far
// as this process's unwritten uses and the store know, and was not already
// reported for keyID by this process within the last hour. A true answer
// is remembered, so a client retrying a dead key is reported once, not on
// every request. On a store error it reports false and the error.
func (a *Addresses) Stranger(ctx context.Context, keyID, address string) (bool, error) {
	if keyID == "" || address == "" {
		return false, nil
	}
	p, now := addrPair{keyID, address}, a.now()
	a.mu.Lock()
	_, pending := a.pending[p]
	_, written := a.written[p]
	at, reported := a.reported[p]
	a.mu.Unlock()
	if pending || written || reported && now.Sub(at) < a.reportEvery {
		return false, nil
	}
	used, err := a.store.KeyUsedFrom(ctx, keyID, address)
	if err != nil {
		return false, fmt.Errorf("apikey: addresses of key %s: %w", keyID, err)
	}
	if used {
		return false, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if at, ok := a.reported[p]; ok && now.Sub(at) < a.reportEvery {
		return false, nil // a concurrent request reported it first
	}
	if len(a.reported) >= addressReported {
		clear(a.reported)
	}
	a.reported[p] = now
	return true, nil
}

// Flush writes the uses seen since the last flush with one
// RecordKeyAddresses call. On failure they stay pending (within the bound)
// for the next Flush.
func (a *Addresses) Flush(ctx context.Context) error {
	a.mu.Lock()
	if len(a.pending) == 0 {
		a.mu.Unlock()
		return nil
	}
	batch := a.pending
	a.pending = make(map[addrPair]time.Time, len(batch))
	a.mu.Unlock()
	uses := make([]AddressUse, 0, len(batch))
	for p, at := range batch {
		uses = append(uses, AddressUse{KeyID: p.key, Address: p.addr, At: at})
	}
	err := a.store.RecordKeyAddresses(ctx, uses, MaxKeyAddresses)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		for p, at := range batch {
			if _, ok := a.pending[p]; !ok && len(a.pending) < addressPending {
				a.pending[p] = at
			}
		}
		return fmt.Errorf("apikey: writing %d key addresses: %w", len(uses), err)
	}
	if len(a.written)+len(batch) > addressWritten {
		clear(a.written)
	}
	for p, at := range batch {
		a.written[p] = at
	}
	return nil
}

// Run flushes every interval until ctx ends, then once more with a short
// timeout of its own, and returns that final flush's error.
func (a *Addresses) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = DefaultFlushInterval
	}
	return runFlusher(ctx, interval, a.Flush, func(err error) {
		a.log.LogAttrs(ctx, slog.LevelWarn, "api key addresses flush failed", slog.String("error", err.Error()))
	})
}
