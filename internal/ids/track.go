package ids

import (
	"net/netip"
	"strings"
	"sync"
)

// counter indexes a client's per-Window counts.
type counter uint8

const (
	cRequest counter = iota
	cValidation
	cInjection
	cAuth
	cForbidden
	nCounters
)

// nBuckets: a window is cut into 6 buckets; a ring keeps those plus the
// current partial one, so a count covers between one and 7/6 windows. It
// never under-counts a true window, which is the safe direction for
// detection.
const nBuckets = 7

// ring counts events per bucket, saturating at 65535.
type ring [nBuckets]uint16

func (r *ring) sum() int {
	n := 0
	for _, v := range r {
		n += int(v)
	}
	return n
}

func (r *ring) add(bucket int64, n int) {
	i := bucket % nBuckets
	r[i] = uint16(min(int(r[i])+n, 0xffff))
}

// clear zeroes the buckets after base up to and including b.
func (r *ring) clear(base, b int64) {
	if b-base >= nBuckets {
		*r = ring{}
		return
	}
	for i := base + 1; i <= b; i++ {
		r[i%nBuckets] = 0
	}
}

// reason is a bit set of why a client gained suspicion.
type reason uint8

const (
	rRequestRate reason = 1 << iota
	rValidation
	rInjection
	rAuthFailure
	rForbidden
	rKeyEnumeration
)

var reasonNames = [...]string{"request_rate", "validation", "injection", "auth_failure", "forbidden", "key_enumeration"}

func (r reason) names() []string {
	var out []string
	for i, n := range reasonNames {
		if r&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

func (r reason) String() string { return strings.Join(r.names(), ",") }

// counterReason maps a counter to the reason its excess records.
var counterReason = [nCounters]reason{rRequestRate, rValidation, rInjection, rAuthFailure, rForbidden}

// rules is Config compiled for the hot path; times in nanoseconds.
type rules struct {
	allow      [nCounters]int
	points     [nCounters]int
	distinct   int
	brute      int
	resume     int64 // Config.ResumeWindow; 0 = off
	threshold  int
	window     int64
	shortWidth int64
	longWidth  int64
}

func compile(c Config) rules {
	return rules{
		allow:      [nCounters]int{c.RequestsPerMinute, c.ValidationRejections, c.Injections, c.AuthFailures, c.Forbidden},
		points:     [nCounters]int{1, 1, 2, 1, 1},
		distinct:   c.DistinctKeys,
		brute:      c.BruteForceFailures,
		resume:     int64(c.ResumeWindow),
		threshold:  c.SuspicionThreshold,
		window:     int64(c.Window),
		shortWidth: max(1, int64(c.Window)/6),
		longWidth:  max(1, int64(c.SuspicionWindow)/6),
	}
}

// keyPoints is the score added for each new distinct key beyond the
// allowance.
const keyPoints = 2

// keySet remembers fingerprints of recently presented bad keys. A
// fingerprint is a keyed hash, never the key.
type keySet struct {
	fp [maxDistinctKeys]uint64
	at [maxDistinctKeys]int64
}

// add records fp at t and returns how many distinct fingerprints were seen
// within window, and whether fp is new among them. When the set is full the
// oldest fingerprint is replaced, which can only make a cycling attacker's
// keys look new more often.
func (k *keySet) add(fp uint64, t, window int64) (int, bool) {
	live, found := 0, -1
	for i := range k.fp {
		if k.fp[i] != 0 && t-k.at[i] >= window {
			k.fp[i] = 0
		}
		if k.fp[i] != 0 {
			live++
			if k.fp[i] == fp {
				found = i
			}
		}
	}
	if found >= 0 {
		k.at[found] = t
		return live, false
	}
	slot := 0
	for i := range k.fp {
		if k.fp[i] == 0 {
			slot = i
			break
		}
		if k.at[i] < k.at[slot] {
			slot = i
		}
	}
	if k.fp[slot] == 0 {
		live++
	}
	k.fp[slot], k.at[slot] = fp, t
	return live, true
}

// track is the state kept for one subject.
type track struct {
	addr       netip.Addr
	prev, next *track
	lastSeen   int64
	shortBase  int64 // newest short bucket number
	longBase   int64 // newest long bucket number
	counts     [nCounters]ring
	score      ring
	reasons    reason
	keys       *keySet
	brute      bool  // a brute_force event fired at bruteAt
	bruteAt    int64 //
	refused    bool  // a blocked_request event fired at refusedAt
	refusedAt  int64 //
	refusedN   int   // refusals since that event
	blockEnd   int64 // when the last block seen by this replica ended or ends; 0 = none
}

// outcome is what one observation asks the detector to do once the shard
// lock is released.
type outcome struct {
	brute    bool // raise a brute_force event
	resumed  bool // ... critical: it follows a block that ended within ResumeWindow
	blockEnd int64
	failures int
	suspect  bool // the client just became suspicious
	block    bool // the score reached the threshold
	score    int
	reasons  reason
}

func (tr *track) advance(r *rules, t int64) {
	if b := t / r.shortWidth; b > tr.shortBase {
		for c := range tr.counts {
			tr.counts[c].clear(tr.shortBase, b)
		}
		tr.shortBase = b
	}
	if b := t / r.longWidth; b > tr.longBase {
		tr.score.clear(tr.longBase, b)
		tr.longBase = b
	}
}

// observe applies k occurrences of one signal at time t (nanoseconds since
// the detector's base) and reports what must happen next. Each occurrence
// beyond the allowance adds the counter's points, as k separate
// observations would.
func (tr *track) observe(r *rules, c counter, k int, keyed bool, fp uint64, t int64) outcome {
	var out outcome
	tr.lastSeen = t
	tr.advance(r, t)
	before := tr.counts[c].sum()
	tr.counts[c].add(tr.shortBase, k)
	n := tr.counts[c].sum()
	pts, why := 0, reason(0)
	if excess := max(0, n-r.allow[c]) - max(0, before-r.allow[c]); excess > 0 {
		pts, why = min(excess*r.points[c], 0xffff), counterReason[c]
	}
	if c == cAuth {
		if n > r.brute && (!tr.brute || t-tr.bruteAt >= r.window) {
			out.brute, out.failures = true, n
			tr.brute, tr.bruteAt = true, t
			if tr.blockEnd != 0 && t >= tr.blockEnd && t-tr.blockEnd <= r.resume {
				out.resumed, out.blockEnd = true, tr.blockEnd
			}
		}
		if keyed && fp != 0 {
			if tr.keys == nil {
				tr.keys = new(keySet)
			}
			if d, isNew := tr.keys.add(fp, t, r.window); isNew && d > r.distinct {
				pts += keyPoints
				why |= rKeyEnumeration
			}
		}
	}
	if pts == 0 {
		return out
	}
	prior := tr.score.sum()
	if prior == 0 {
		tr.reasons = 0
	}
	tr.score.add(tr.longBase, pts)
	tr.reasons |= why
	out.score, out.reasons = prior+pts, tr.reasons
	if out.score >= r.threshold {
		out.block = true
		tr.forgive()
	} else if prior == 0 {
		out.suspect = true
	}
	return out
}

// forgive clears suspicion, as after a block or an unblock.
func (tr *track) forgive() {
	tr.score = ring{}
	tr.reasons = 0
}

// trackShard is one lock's worth of tracked subjects with an LRU list.
type trackShard struct {
	mu  sync.Mutex
	m   map[netip.Addr]*track
	lru track // sentinel: lru.next is the most recently seen
	max int
}

func (s *trackShard) init(max int) {
	s.m = make(map[netip.Addr]*track)
	s.lru.next, s.lru.prev = &s.lru, &s.lru
	s.max = max
}

// get returns the track for a, creating it (and evicting the least recently
// seen subject when the shard is full) when create is set.
func (s *trackShard) get(a netip.Addr, r *rules, t int64, create bool) *track {
	if tr := s.m[a]; tr != nil {
		if s.lru.next != tr {
			tr.prev.next, tr.next.prev = tr.next, tr.prev
			s.pushFront(tr)
		}
		return tr
	}
	if !create {
		return nil
	}
	var tr *track
	if len(s.m) >= s.max {
		tr = s.lru.prev
		tr.prev.next, tr.next.prev = tr.next, tr.prev
		delete(s.m, tr.addr)
		keys := tr.keys
		*tr = track{keys: keys} // reuse the evicted state
		if keys != nil {
			*keys = keySet{}
		}
	} else {
		tr = new(track)
	}
	tr.addr = a
	tr.shortBase, tr.longBase = t/r.shortWidth, t/r.longWidth
	s.m[a] = tr
	s.pushFront(tr)
	return tr
}

func (s *trackShard) pushFront(tr *track) {
	tr.prev, tr.next = &s.lru, s.lru.next
	s.lru.next.prev = tr
	s.lru.next = tr
}
