package prediction

import (
	"context"
	"sync"
	"time"
)

// maxGroupRecords bounds the records one group transaction writes, so a
// burst cannot build an arbitrarily large transaction.
const maxGroupRecords = 256

// maxGatherDelay bounds how long a writer waits for announced callers
// (see expect) before it commits without them.
const maxGatherDelay = time.Millisecond

// groupCommit wraps a Store so that concurrent SavePredictions calls share
// one transaction (group commit). With SQLite every commit appends its pages
// to the WAL and fsyncs it (synchronous=FULL) on the single writer
// connection, so under concurrent load most of a prediction's cost was its
// own commit; a group pays it once. Durability is unchanged: a call returns
// only after the transaction holding its records committed.
//
// There is no background goroutine. Callers queue their records and race
// for the writer slot; the winner writes everything queued (up to
// maxGroupRecords) and wakes the callers it wrote for. If a group's
// transaction fails, each of its calls is retried alone, so one bad record
// (an id conflict) fails only its own call, as before.
//
// Callers announce themselves with expect before their CPU work (model,
// sealing, index) and the writer waits for announced callers to queue, up
// to maxGatherDelay, before it commits: on a busy server the first caller
// would otherwise commit alone while the others are still predicting, and
// every commit would carry a handful of records (PostgreSQL's commit_delay
// with commit_siblings, without a fixed sleep). An idle server never waits.
type groupCommit struct {
	Store
	slot     chan struct{} // capacity 1: held by the caller writing a group
	arrived  chan struct{} // capacity 1: signalled when a caller queues or withdraws its announcement
	mu       sync.Mutex    // guards queue and expected
	queue    []*pendingSave
	expected int // announced callers that have not queued yet
}

type pendingSave struct {
	rs   []Record
	err  error
	done chan struct{} // closed once rs were written (or failed)
}

func newGroupCommit(s Store) *groupCommit {
	return &groupCommit{Store: s, slot: make(chan struct{}, 1), arrived: make(chan struct{}, 1)}
}

// expect announces a save to come. Every expect is followed by exactly one
// saveExpected or unexpect.
func (g *groupCommit) expect() {
	g.mu.Lock()
	g.expected++
	g.mu.Unlock()
}

// unexpect withdraws an announcement without saving.
func (g *groupCommit) unexpect() {
	g.mu.Lock()
	g.expected--
	g.mu.Unlock()
	g.signal()
}

// signal wakes a writer gathering a group, if one waits.
func (g *groupCommit) signal() {
	select {
	case g.arrived <- struct{}{}:
	default:
	}
}

// SavePredictions writes rs in a transaction shared with concurrent calls
// and returns once it committed. A caller whose ctx ends before its records
// were picked up leaves without writing them.
func (g *groupCommit) SavePredictions(ctx context.Context, rs []Record) error {
	return g.save(ctx, rs, false)
}

// saveExpected is SavePredictions for a caller that announced itself with
// expect.
func (g *groupCommit) saveExpected(ctx context.Context, rs []Record) error {
	return g.save(ctx, rs, true)
}

func (g *groupCommit) save(ctx context.Context, rs []Record, expected bool) error {
	c := &pendingSave{rs: rs, done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, c)
	if expected {
		g.expected--
	}
	g.mu.Unlock()
	g.signal()
	for {
		select {
		case <-c.done:
			return c.err
		case g.slot <- struct{}{}:
			select {
			case <-c.done: // written by the previous holder
			default:
				g.flush(ctx)
			}
			<-g.slot
		case <-ctx.Done():
			if g.withdraw(c) {
				return ctx.Err()
			}
			<-c.done // already being written
			return c.err
		}
	}
}

// gather waits, up to maxGatherDelay, while announced callers have not
// queued yet and the group is not full.
func (g *groupCommit) gather() {
	var deadline <-chan time.Time
	for {
		g.mu.Lock()
		wait := g.expected > 0 && len(g.queue) < maxGroupRecords
		g.mu.Unlock()
		if !wait {
			return
		}
		if deadline == nil {
			t := time.NewTimer(maxGatherDelay)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case <-g.arrived:
		case <-deadline:
			return
		}
	}
}

// withdraw removes c from the queue; false when a writer already took it.
func (g *groupCommit) withdraw(c *pendingSave) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, x := range g.queue {
		if x == c {
			g.queue = append(g.queue[:i:i], g.queue[i+1:]...)
			return true
		}
	}
	return false
}

// flush writes the head of the queue as one group. It runs with the writer
// slot held. The write does not stop when the flushing caller's request
// ends: it carries other callers' records.
func (g *groupCommit) flush(ctx context.Context) {
	g.gather()
	g.mu.Lock()
	n, k := 0, 0
	for k < len(g.queue) && (k == 0 || n+len(g.queue[k].rs) <= maxGroupRecords) {
		n += len(g.queue[k].rs)
		k++
	}
	group := make([]*pendingSave, k)
	copy(group, g.queue)
	g.queue = append(g.queue[:0:0], g.queue[k:]...)
	g.mu.Unlock()
	if k == 0 {
		return
	}
	wctx := context.WithoutCancel(ctx)
	if k == 1 {
		group[0].err = g.Store.SavePredictions(wctx, group[0].rs)
		close(group[0].done)
		return
	}
	all := make([]Record, 0, n)
	for _, c := range group {
		all = append(all, c.rs...)
	}
	if err := g.Store.SavePredictions(wctx, all); err != nil {
		for _, c := range group { // nothing was written: each call on its own
			c.err = g.Store.SavePredictions(wctx, c.rs)
		}
	}
	for _, c := range group {
		close(c.done)
	}
}
