package ids

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
)

// Signal names something a client did that the detector weighs.
type Signal string

// The signals the detector knows. Callers report one signal per event:
// every request once as SignalRequest, and each failure as the most specific
// signal that fits.
const (
	// SignalRequest is every request that reached the server and was not
	// refused by a block.
	SignalRequest Signal = "request"
	// SignalValidationRejected is a request refused as malformed or out of
	// range (400, 413, 415, 422).
	SignalValidationRejected Signal = "validation_rejected"
	// SignalInjection is a request refused by the injection detector.
	SignalInjection Signal = "injection"
	// SignalAuthFailure is a presented credential that failed (bad or
	// expired JWT, revoked key) when no key fingerprint applies.
	SignalAuthFailure Signal = "auth_failure"
	// SignalMalformedKey is an API key refused by its format or checksum;
	// key is its hash prefix. Counts as an auth failure.
	SignalMalformedKey Signal = "malformed_key"
	// SignalUnknownKey is a well-formed API key that matched nothing; key is
	// its id or hash prefix. Counts as an auth failure.
	SignalUnknownKey Signal = "unknown_key"
	// SignalForbidden is an authenticated request refused by authorization
	// (403), including object-ownership refusals.
	SignalForbidden Signal = "forbidden"
)

func (s Signal) counter() (c counter, keyed, ok bool) {
	switch s {
	case SignalRequest:
		return cRequest, false, true
	case SignalValidationRejected:
		return cValidation, false, true
	case SignalInjection:
		return cInjection, false, true
	case SignalAuthFailure:
		return cAuth, false, true
	case SignalMalformedKey, SignalUnknownKey:
		return cAuth, true, true
	case SignalForbidden:
		return cForbidden, false, true
	}
	return 0, false, false
}

// maxShards bounds the number of independently locked tracking shards.
const maxShards = 64

// byIDS is Block.By for automatic blocks.
const byIDS = "ids"

// Detector scores clients from the signals their requests produce, blocks
// them with escalating TTLs, and answers "is this client blocked?" from a
// local cache of the shared block list. It is safe for concurrent use.
type Detector struct {
	cfg   Config
	rules rules
	// watchRules apply to watched subjects (watch.go).
	watchRules rules
	watches    atomic.Pointer[watchSet]
	watchMu    sync.Mutex // serializes watch writers
	store      BlockStore
	rec        secevent.Recorder
	now        func() time.Time
	base       time.Time // times are nanoseconds since base
	seed       maphash.Seed
	mask       uint64
	shards     []trackShard

	// The block cache: snap is the last listing from the store, overlay
	// holds this replica's own changes since; both are replaced, never
	// mutated, so Check reads them without locks.
	snap      atomic.Pointer[blockSet]
	overlay   atomic.Pointer[overlaySet]
	overlayMu sync.Mutex // serializes overlay writers
	refreshMu sync.Mutex // held by the caller reading the store
	lastTry   atomic.Int64
	lastDone  atomic.Int64 // when the last read of the store ended, well or not
	lastOK    atomic.Int64
	everOK    atomic.Bool
	seq       atomic.Uint64
	gen       uint64 // store generation of snap; guarded by refreshMu
	errMu     sync.Mutex
	lastErr   error
}

type blockSet map[netip.Addr]Block

type overlaySet map[netip.Addr]overlayEntry

type overlayEntry struct {
	b       Block
	removed bool
	seq     uint64
}

// New returns a detector using cfg, sharing blocks through store, recording
// events to rec (dropped when nil) and reading time from now (time.Now when
// nil).
func New(cfg Config, store BlockStore, rec secevent.Recorder, now func() time.Time) (*Detector, error) {
	err := cfg.Validate()
	if store == nil {
		err = errors.Join(err, fmt.Errorf("%w: nil BlockStore", ErrInvalidConfig))
	}
	if err != nil {
		return nil, err
	}
	if rec == nil {
		rec = secevent.Discard{}
	}
	if now == nil {
		now = time.Now
	}
	cfg.Allowlist = slices.Clone(cfg.Allowlist)
	cfg.BlockTTLs = slices.Clone(cfg.BlockTTLs)
	n := 1
	for n*2 <= maxShards && n*2 <= cfg.MaxTracked {
		n *= 2
	}
	d := &Detector{
		cfg: cfg, rules: compile(cfg), watchRules: compile(tightened(cfg)), store: store, rec: rec, now: now, base: now(),
		seed: maphash.MakeSeed(), mask: uint64(n - 1), shards: make([]trackShard, n),
	}
	for i := range d.shards {
		d.shards[i].init(cfg.MaxTracked / n)
	}
	d.snap.Store(&blockSet{})
	d.watches.Store(&watchSet{})
	d.overlay.Store(&overlaySet{})
	d.lastTry.Store(-int64(cfg.RefreshInterval))
	d.lastDone.Store(-1)
	return d, nil
}

func (d *Detector) clock() (time.Time, int64) {
	now := d.now()
	return now, max(0, int64(now.Sub(d.base)))
}

func (d *Detector) shard(subj netip.Addr) *trackShard {
	b := subj.As16()
	return &d.shards[maphash.Bytes(d.seed, b[:])&d.mask]
}

// Allowlisted reports whether ip is in the allowlist and so never blocked.
func (d *Detector) Allowlisted(ip netip.Addr) bool {
	return contains(d.cfg.Allowlist, Normalize(ip))
}

// Check reports whether ip is blocked. It is the hot path: two atomic loads
// and a map lookup, plus, at most once per RefreshInterval, a Generation
// call to the store (and a List when the generation moved). A blocked
// client's refusals are recorded as one blocked_request event per Window.
//
// Check returns ErrStale when the block list has not been read from the
// store for longer than MaxStale; the caller should then fail closed (503).
// A block found in the cache is reported even then.
func (d *Detector) Check(ctx context.Context, ip netip.Addr) (Block, bool, error) {
	if !ip.IsValid() {
		return Block{}, false, nil
	}
	now, t := d.clock()
	var err error
	if !d.freshen(ctx, now, t) {
		err = ErrStale
	}
	ip = Normalize(ip)
	subj := subjectOf(ip, d.cfg.IPv6PrefixLen)
	b, ok := d.cached(subj)
	if !ok || !b.Active(now) || d.Allowlisted(ip) {
		return Block{}, false, err
	}
	d.noteRefused(ctx, ip, subj, b, now, t)
	return b, true, nil
}

func (d *Detector) cached(subj netip.Addr) (Block, bool) {
	if ov := *d.overlay.Load(); len(ov) > 0 {
		if e, ok := ov[subj]; ok {
			return e.b, !e.removed
		}
	}
	b, ok := (*d.snap.Load())[subj]
	return b, ok
}

// freshen refreshes the block cache when RefreshInterval has passed and
// reports whether it is fresh (read from the store within MaxStale). A
// stale cache — never loaded, or not read for a while because the replica
// was idle — is refreshed before it is judged, waiting for a refresh
// already in flight, so only a store that cannot be read makes it stale.
func (d *Detector) freshen(ctx context.Context, now time.Time, t int64) bool {
	if t-d.lastTry.Load() >= int64(d.cfg.RefreshInterval) {
		d.refresh(ctx, now, t, false)
	}
	if d.fresh(t) {
		return true
	}
	d.refresh(ctx, now, t, true)
	return d.fresh(t)
}

func (d *Detector) fresh(t int64) bool {
	return d.everOK.Load() && t-d.lastOK.Load() <= int64(d.cfg.MaxStale)
}

// refresh reloads the block cache if the store's generation moved. One
// caller reads the store at a time: with wait false the others keep the
// current cache; with wait true they wait for it, and use the outcome of a
// read that ended after they arrived instead of reading again (so a store
// outage is one read at a time, not a queue of them).
func (d *Detector) refresh(ctx context.Context, now time.Time, t int64, wait bool) {
	if wait {
		d.refreshMu.Lock()
	} else if !d.refreshMu.TryLock() {
		return
	}
	defer d.refreshMu.Unlock()
	if wait && d.lastDone.Load() >= t {
		return
	}
	d.lastTry.Store(t)
	defer func() { _, done := d.clock(); d.lastDone.Store(max(done, t)) }()
	// Every overlay entry with seq <= start was written to the store before
	// the generation is read below, so the listing that generation vouches
	// for contains it.
	start := d.seq.Load()
	gen, err := d.store.Generation(ctx)
	if err == nil && (!d.everOK.Load() || gen != d.gen) {
		var list []Block
		if list, err = d.store.List(ctx, now); err == nil {
			set := make(blockSet, len(list))
			for _, b := range list {
				set[b.IP] = b
			}
			d.snap.Store(&set)
			d.gen = gen
		}
	}
	if err != nil {
		d.errMu.Lock()
		d.lastErr = err
		d.errMu.Unlock()
		return
	}
	d.pruneOverlay(start)
	d.lastOK.Store(t)
	d.everOK.Store(true)
}

// Ready reports whether the block cache is fresh, refreshing it first as
// Check does; it returns an error wrapping ErrStale and the store's last
// error when it is not. Use it for the readiness endpoint.
func (d *Detector) Ready(ctx context.Context) error {
	now, t := d.clock()
	if d.freshen(ctx, now, t) {
		return nil
	}
	d.errMu.Lock()
	defer d.errMu.Unlock()
	if d.lastErr != nil {
		return fmt.Errorf("%w: %w", ErrStale, d.lastErr)
	}
	return ErrStale
}

func (d *Detector) setOverlay(subj netip.Addr, e overlayEntry) {
	d.overlayMu.Lock()
	defer d.overlayMu.Unlock()
	e.seq = d.seq.Add(1)
	old := *d.overlay.Load()
	next := make(overlaySet, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[subj] = e
	d.overlay.Store(&next)
}

func (d *Detector) pruneOverlay(start uint64) {
	d.overlayMu.Lock()
	defer d.overlayMu.Unlock()
	old := *d.overlay.Load()
	next := make(overlaySet)
	for k, v := range old {
		if v.seq > start {
			next[k] = v
		}
	}
	if len(next) != len(old) {
		d.overlay.Store(&next)
	}
}

// Observe records that ip produced signal sig; key identifies the
// credential for SignalMalformedKey and SignalUnknownKey (a key id or hash
// prefix, never the key) and is otherwise ignored. It raises events and
// blocks the client when its score reaches the threshold. The error is
// ErrUnknownSignal or a failure to store a block.
func (d *Detector) Observe(ctx context.Context, ip netip.Addr, sig Signal, key string) error {
	return d.ObserveN(ctx, ip, sig, key, 1)
}

// ObserveN records that ip produced signal sig n times at once, as the n
// rejected items of one batch request: they count exactly like n single
// requests (each occurrence beyond the allowance adds its points), so a
// batch of 100 injection attempts blocks its source as 100 single ones
// would. n < 1 records nothing; keyed signals count once whatever n is.
func (d *Detector) ObserveN(ctx context.Context, ip netip.Addr, sig Signal, key string, n int) error {
	c, keyed, ok := sig.counter()
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownSignal, truncate(string(sig), 32))
	}
	if !ip.IsValid() || n < 1 {
		return nil
	}
	if keyed {
		n = 1
	}
	now, t := d.clock()
	ip = Normalize(ip)
	subj := subjectOf(ip, d.cfg.IPv6PrefixLen)
	var fp uint64
	if keyed && key != "" {
		fp = maphash.String(d.seed, key) | 1 // nonzero: zero marks a free slot
	}
	r := d.rulesFor(subj, t)
	s := d.shard(subj)
	s.mu.Lock()
	out := s.get(subj, r, t, true).observe(r, c, n, keyed, fp, t)
	s.mu.Unlock()

	if out.brute {
		sev, details := secevent.High, map[string]string{"failures": strconv.Itoa(out.failures), "window": d.cfg.Window.String()}
		if r == &d.watchRules {
			details["watched"] = "true"
		}
		if out.resumed {
			// Brute force right after a block ended: the block did not
			// stop the attacker, so this is critical (a 24 h block by
			// the incident playbook).
			sev = secevent.Critical
			details["resumed_after_block"] = "true"
			details["block_ended"] = d.base.Add(time.Duration(out.blockEnd)).UTC().Format(time.RFC3339)
		}
		d.record(ctx, secevent.BruteForce, sev, now, ip, subj, details)
	}
	switch {
	case out.block && d.Allowlisted(ip):
		d.record(ctx, secevent.SuspiciousActivity, secevent.Medium, now, ip, subj, map[string]string{
			"score": strconv.Itoa(out.score), "reasons": out.reasons.String(), "action": "not_blocked_allowlisted",
		})
	case out.block:
		return d.autoBlock(ctx, ip, subj, now, out)
	case out.suspect:
		d.record(ctx, secevent.SuspiciousActivity, secevent.Medium, now, ip, subj, map[string]string{
			"score": strconv.Itoa(out.score), "threshold": strconv.Itoa(d.cfg.SuspicionThreshold), "reasons": out.reasons.String(),
		})
	}
	return nil
}

func (d *Detector) autoBlock(ctx context.Context, ip, subj netip.Addr, now time.Time, out outcome) error {
	b, added, err := d.store.Escalate(ctx, Escalation{
		IP: subj, Now: now, TTLs: d.cfg.BlockTTLs, Memory: d.cfg.OffenceMemory,
		Reason: "automatic: score " + strconv.Itoa(out.score) + " (" + out.reasons.String() + ")", By: byIDS,
	})
	if err != nil {
		return fmt.Errorf("ids: storing block: %w", err)
	}
	d.setOverlay(subj, overlayEntry{b: b})
	d.noteBlock(subj, now, b.Until)
	if added {
		d.record(ctx, secevent.IPBlocked, secevent.High, now, ip, subj, map[string]string{
			"reason": b.Reason, "by": b.By, "offence": strconv.Itoa(b.Offence),
			"ttl": b.Until.Sub(now).String(), "until": b.Until.UTC().Format(time.RFC3339),
		})
	}
	return nil
}

// noteBlock remembers when subj's block ends, so brute force resuming soon
// after it is recognised (Config.ResumeWindow).
func (d *Detector) noteBlock(subj netip.Addr, now, until time.Time) {
	_, t := d.clock()
	end := t + int64(until.Sub(now))
	s := d.shard(subj)
	s.mu.Lock()
	if tr := s.get(subj, &d.rules, t, false); tr != nil { // an untracked client has no attack to resume
		tr.blockEnd = end
	}
	s.mu.Unlock()
}

// noteRefused counts a refused request from a blocked client and records a
// blocked_request event at most once per Window per client.
func (d *Detector) noteRefused(ctx context.Context, ip, subj netip.Addr, b Block, now time.Time, t int64) {
	s := d.shard(subj)
	s.mu.Lock()
	tr := s.get(subj, &d.rules, t, true)
	tr.refusedN++
	n, fire := tr.refusedN, !tr.refused || t-tr.refusedAt >= d.rules.window
	if fire {
		tr.refused, tr.refusedAt, tr.refusedN = true, t, 0
	}
	s.mu.Unlock()
	if fire {
		d.record(ctx, secevent.BlockedRequest, secevent.Low, now, ip, subj, map[string]string{
			"refused": strconv.Itoa(n), "until": b.Until.UTC().Format(time.RFC3339),
		})
	}
}

// record writes an event about client ip. The event's ClientIP is the
// client concerned, not the caller (for admin actions the caller's address
// goes to details["actor_ip"]).
func (d *Detector) record(ctx context.Context, typ secevent.Type, sev secevent.Severity, now time.Time, ip, subj netip.Addr, details map[string]string) {
	e := secevent.New(ctx, typ, sev, now, details)
	if e.ClientIP != "" && e.ClientIP != ip.String() {
		e.Details["actor_ip"] = e.ClientIP
	}
	e.ClientIP = ip.String()
	if subj != ip {
		p, _ := subj.Prefix(d.cfg.IPv6PrefixLen)
		e.Details["subject"] = p.String()
	}
	d.rec.Record(ctx, e)
}

// Prime reads the block list once, so the first requests of a fresh replica
// are not refused as stale while the first refresh is in flight. Call it
// before serving; it returns Ready's verdict.
func (d *Detector) Prime(ctx context.Context) error {
	return d.Ready(ctx)
}
