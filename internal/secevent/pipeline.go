package secevent

import (
	"context"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samo-brain/samo/internal/randid"
)

// Sink persists a batch of events (the store, the JSON log file).
type Sink interface {
	WriteEvents(ctx context.Context, es []Event) error
}

// Subscriber is told about events after they are persisted (metrics,
// alerts, incidents). It must not block for long.
type Subscriber func(ctx context.Context, es []Event)

// Pipeline is the asynchronous, bounded Recorder used by the server.
//
// Record never blocks the request path for low and medium events: when the
// buffer is full they are shed and counted, and the counts are themselves
// recorded as an events_shed event. High and critical events are never
// shed: Record waits for buffer space. A worker writes batches to every sink
// and then hands them to subscribers.
//
// Fair share: one source (a client address, IPv6 by /64; else a key id)
// may hold at most a sixteenth of the buffer with low and medium events;
// past that its own further events are shed, not anyone else's, so one
// client's flood cannot make another client's events disappear unless
// sixteen sources flood at once.
//
// Aggregation: repeated low events (same type and details) from one
// source within a calendar minute are stored once: the first at once, the
// others counted and written at the end of the minute as one event of the
// same type and details plus "repeats" (how many were folded in),
// "window_start", "window_end" and "first_request_id".
type Pipeline struct {
	ch       chan queued
	sinks    []Sink
	subs     []Subscriber
	log      *slog.Logger
	now      func() time.Time
	perShare int // low/medium events one source may hold in the buffer

	mu       sync.Mutex
	shed     map[Type]int   // shed since the last report
	inflight map[string]int // low/medium events queued per source
	agg      map[aggKey]*aggEntry
	ended    []*aggEntry // replaced by a newer minute, summary not yet written
	// Shed counts every event ever shed (metrics).
	totalShed atomic.Int64
	done      chan struct{}
}

// queued is an event in the buffer and, when charged (low and medium
// events), the source whose share it uses.
type queued struct {
	e       Event
	src     string
	charged bool
}

// aggKey identifies repeats: the same source, type and details.
type aggKey struct {
	src     string
	typ     Type
	details string
}

// detailKey is a canonical form of details (sorted keys).
func detailKey(d map[string]string) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(d[k])
		b.WriteByte(0)
	}
	return b.String()
}

type aggEntry struct {
	first   Event
	minute  time.Time
	repeats int
}

// maxAggregated bounds the aggregation table; past it, low events are
// queued one by one (still under the fair share).
const maxAggregated = 16384

// EventsShed is the type of the event reporting shed events.
const EventsShed Type = "events_shed"

// NewPipeline returns a pipeline with a buffer of size events.
func NewPipeline(size int, log *slog.Logger, now func() time.Time, sinks ...Sink) *Pipeline {
	if size <= 0 {
		size = 4096
	}
	if now == nil {
		now = time.Now
	}
	return &Pipeline{ch: make(chan queued, size), sinks: sinks, log: log, now: now, perShare: max(1, size/16),
		shed: map[Type]int{}, inflight: map[string]int{}, agg: map[aggKey]*aggEntry{}, done: make(chan struct{})}
}

// source is who an event is charged to: its client address (IPv6 by /64,
// the unit one client controls), else its key id, else "".
func source(e Event) string {
	if a, err := netip.ParseAddr(e.ClientIP); err == nil {
		a = a.Unmap()
		if a.Is6() {
			p, _ := a.Prefix(64)
			return p.String()
		}
		return a.String()
	}
	if e.KeyID != "" {
		return "key:" + e.KeyID
	}
	return ""
}

// Subscribe adds a subscriber; call before Run.
func (p *Pipeline) Subscribe(s Subscriber) { p.subs = append(p.subs, s) }

// NewID returns a random event id.
func NewID() string { return randid.New("evt_", 12) }

// Record queues e. It fills in the id and time when missing.
func (p *Pipeline) Record(ctx context.Context, e Event) {
	if e.ID == "" {
		e.ID = NewID()
	}
	if e.Time.IsZero() {
		e.Time = p.now().UTC()
	}
	if !e.Severity.Valid() {
		e.Severity = Medium
	}
	if e.Severity.Rank() >= High.Rank() {
		select {
		case p.ch <- queued{e: e}:
		case <-p.done:
			// Shutting down: write synchronously rather than lose it.
			p.write(context.WithoutCancel(ctx), []Event{e})
		}
		return
	}
	src := source(e)
	p.mu.Lock()
	if e.Severity == Low && p.aggregate(src, e) {
		p.mu.Unlock()
		return
	}
	if p.inflight[src] >= p.perShare {
		p.shedLocked(e.Type)
		p.mu.Unlock()
		return
	}
	p.inflight[src]++
	p.mu.Unlock()
	select {
	case p.ch <- queued{e: e, src: src, charged: true}:
		return
	default:
	}
	p.mu.Lock()
	p.release(src)
	p.shedLocked(e.Type)
	p.mu.Unlock()
}

// aggregate folds e into its source's current minute for its type and
// reports whether it did (false: e is the first of its minute, or the
// table is full, and must be queued). Call with p.mu held.
func (p *Pipeline) aggregate(src string, e Event) bool {
	k := aggKey{src, e.Type, detailKey(e.Details)}
	minute := e.Time.Truncate(time.Minute)
	a, ok := p.agg[k]
	switch {
	case ok && a.minute.Equal(minute):
		a.repeats++
		return true
	case ok && a.repeats > 0 && len(p.ended) < maxAggregated:
		p.ended = append(p.ended, a)
	case !ok && len(p.agg) >= maxAggregated:
		return false
	}
	p.agg[k] = &aggEntry{first: e, minute: minute}
	return false
}

// flushAggregates records one summary for each source and type whose
// minute is over (every one when all is set) and forgets them.
func (p *Pipeline) flushAggregates(now time.Time, all bool) {
	current := now.UTC().Truncate(time.Minute)
	var out []Event
	p.mu.Lock()
	done := p.ended
	p.ended = nil
	for k, a := range p.agg {
		if !all && !a.minute.Before(current) {
			continue
		}
		delete(p.agg, k)
		done = append(done, a)
	}
	p.mu.Unlock()
	for _, a := range done {
		if a.repeats == 0 {
			continue
		}
		e := a.first
		e.ID, e.Time, e.RequestID = NewID(), a.minute.Add(time.Minute-time.Nanosecond), ""
		e.Details = make(map[string]string, len(a.first.Details)+4)
		for dk, dv := range a.first.Details {
			e.Details[dk] = dv
		}
		e.Details["repeats"] = strconv.Itoa(a.repeats)
		e.Details["window_start"] = a.minute.Format(time.RFC3339)
		e.Details["window_end"] = a.minute.Add(time.Minute).Format(time.RFC3339)
		if a.first.RequestID != "" {
			e.Details["first_request_id"] = a.first.RequestID
		}
		out = append(out, e)
	}
	if len(out) > 0 {
		p.write(context.Background(), out)
	}
}

// shedLocked counts one shed event; call with p.mu held.
func (p *Pipeline) shedLocked(t Type) {
	p.totalShed.Add(1)
	p.shed[t]++
}

// release uncharges one queued event of src; call with p.mu held.
func (p *Pipeline) release(src string) {
	if n := p.inflight[src] - 1; n > 0 {
		p.inflight[src] = n
	} else {
		delete(p.inflight, src)
	}
}

// take uncharges q's source as the worker takes q from the buffer.
func (p *Pipeline) take(q queued) Event {
	if q.charged {
		p.mu.Lock()
		p.release(q.src)
		p.mu.Unlock()
	}
	return q.e
}

// Shed returns the number of events shed since start.
func (p *Pipeline) Shed() int64 { return p.totalShed.Load() }

// Run writes queued events until ctx ends, then drains the buffer.
func (p *Pipeline) Run(ctx context.Context) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	report := time.NewTicker(10 * time.Second)
	defer report.Stop()
	batch := make([]Event, 0, 256)
	flush := func(ctx context.Context) {
		if len(batch) > 0 {
			p.write(ctx, batch)
			batch = batch[:0]
		}
	}
	for {
		select {
		case q := <-p.ch:
			batch = append(batch, p.take(q))
			if len(batch) == cap(batch) {
				flush(ctx)
			}
		case <-tick.C:
			flush(ctx)
			p.flushAggregates(p.now(), false)
		case <-report.C:
			p.reportShed()
		case <-ctx.Done():
			close(p.done)
			dctx := context.WithoutCancel(ctx)
			for {
				select {
				case q := <-p.ch:
					batch = append(batch, p.take(q))
				default:
					p.reportShed()
					for len(p.ch) > 0 {
						batch = append(batch, p.take(<-p.ch))
					}
					flush(dctx)
					p.flushAggregates(p.now(), true)
					return nil
				}
			}
		}
	}
}

// reportShed records one event summarising what was shed.
func (p *Pipeline) reportShed() {
	p.mu.Lock()
	if len(p.shed) == 0 {
		p.mu.Unlock()
		return
	}
	details := map[string]string{}
	total := 0
	for t, n := range p.shed {
		details[string(t)] = strconv.Itoa(n)
		total += n
	}
	details["total"] = strconv.Itoa(total)
	clear(p.shed)
	p.mu.Unlock()
	e := Event{ID: NewID(), Type: EventsShed, Severity: Medium, Time: p.now().UTC(), Details: details}
	select {
	case p.ch <- queued{e: e}:
	default:
		p.write(context.Background(), []Event{e})
	}
}

func (p *Pipeline) write(ctx context.Context, es []Event) {
	for _, s := range p.sinks {
		if err := s.WriteEvents(ctx, es); err != nil && p.log != nil {
			p.log.Error("security events not persisted", "sink", sinkName(s), "events", len(es), "error", err)
		}
	}
	for _, sub := range p.subs {
		sub(ctx, es)
	}
}

func sinkName(s Sink) string {
	if n, ok := s.(interface{ Name() string }); ok {
		return n.Name()
	}
	return "sink"
}
