package ids

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
)

// MaxWatched caps the number of watched subjects; past it the watch ending
// soonest is dropped.
const MaxWatched = 10_000

// watchDivisor divides a watched subject's allowances and thresholds.
const watchDivisor = 2

// watchSet maps a subject to the end of its watch (nanoseconds since the
// detector's base). It is replaced, never mutated.
type watchSet map[netip.Addr]int64

// tightened is cfg with the allowances, the brute-force limit, the distinct
// key allowance and the blocking threshold of a watched subject: each
// halved, the per-request allowance and the limits never below 1. Windows
// are unchanged, so a subject's counts carry over when its watch starts or
// ends.
func tightened(c Config) Config {
	half := func(v, lo int) int { return max(v/watchDivisor, lo) }
	c.RequestsPerMinute = half(c.RequestsPerMinute, 1)
	c.ValidationRejections = half(c.ValidationRejections, 0)
	c.Injections = half(c.Injections, 0)
	c.AuthFailures = half(c.AuthFailures, 0)
	c.Forbidden = half(c.Forbidden, 0)
	c.DistinctKeys = half(c.DistinctKeys, 1)
	c.BruteForceFailures = half(c.BruteForceFailures, 1)
	c.SuspicionThreshold = half(c.SuspicionThreshold, 1)
	return c
}

// Watch puts ip (its Subject) under closer watch until until: its
// allowances, brute-force limit and blocking threshold are halved (see
// tightened), so a source already involved in a high-severity incident is
// blocked sooner. A later Watch of the same subject keeps the later end.
// Allowlisted addresses are watched too (they are scored, never blocked).
// It implements incident.Watcher. The watch list is this replica's: with
// several replicas each watches the sources of the incidents it opened.
func (d *Detector) Watch(ctx context.Context, ip netip.Addr, until time.Time, reason string) error {
	if !ip.IsValid() {
		return fmt.Errorf("%w: address", ErrInvalidBlock)
	}
	if !validText(reason) {
		return fmt.Errorf("%w: reason must be 1-%d printable characters", ErrInvalidBlock, maxTextLen)
	}
	now, t := d.clock()
	if !until.After(now) {
		return fmt.Errorf("%w: watch end %v is not in the future", ErrInvalidBlock, until)
	}
	ip = Normalize(ip)
	subj := subjectOf(ip, d.cfg.IPv6PrefixLen)
	end := t + int64(until.Sub(now))
	d.watchMu.Lock()
	old := *d.watches.Load()
	next := make(watchSet, len(old)+1)
	for k, v := range old {
		if v > t { // drop ended watches
			next[k] = v
		}
	}
	next[subj] = max(next[subj], end)
	for len(next) > MaxWatched {
		var soonest netip.Addr
		first := true
		for k, v := range next {
			if k != subj && (first || v < next[soonest]) {
				soonest, first = k, false
			}
		}
		delete(next, soonest)
	}
	d.watches.Store(&next)
	d.watchMu.Unlock()
	d.record(ctx, secevent.SuspiciousActivity, secevent.Medium, now, ip, subj, map[string]string{
		"action": "watched", "reason": reason, "until": until.UTC().Format(time.RFC3339),
	})
	return nil
}

// Watched reports whether ip (its Subject) is under watch now, and until
// when.
func (d *Detector) Watched(ip netip.Addr) (time.Time, bool) {
	if !ip.IsValid() {
		return time.Time{}, false
	}
	_, t := d.clock()
	end, ok := d.watchEnd(subjectOf(Normalize(ip), d.cfg.IPv6PrefixLen), t)
	if !ok {
		return time.Time{}, false
	}
	return d.base.Add(time.Duration(end)), true
}

// watchEnd returns the end of subj's watch if it is watched at t.
func (d *Detector) watchEnd(subj netip.Addr, t int64) (int64, bool) {
	ws := *d.watches.Load()
	if len(ws) == 0 {
		return 0, false
	}
	end, ok := ws[subj]
	return end, ok && t < end
}

// rulesFor returns the rules that apply to subj at t.
func (d *Detector) rulesFor(subj netip.Addr, t int64) *rules {
	if _, ok := d.watchEnd(subj, t); ok {
		return &d.watchRules
	}
	return &d.rules
}
