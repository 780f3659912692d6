package secevent

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
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
type Pipeline struct {
	ch    chan Event
	sinks []Sink
	subs  []Subscriber
	log   *slog.Logger
	now   func() time.Time

	mu   sync.Mutex
	shed map[Type]int // shed since the last report
	// Shed counts every event ever shed (metrics).
	totalShed atomic.Int64
	done      chan struct{}
}

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
	return &Pipeline{ch: make(chan Event, size), sinks: sinks, log: log, now: now, shed: map[Type]int{}, done: make(chan struct{})}
}

// Subscribe adds a subscriber; call before Run.
func (p *Pipeline) Subscribe(s Subscriber) { p.subs = append(p.subs, s) }

// NewID returns a random event id.
func NewID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "evt_" + base64.RawURLEncoding.EncodeToString(b[:])
}

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
	select {
	case p.ch <- e:
		return
	default:
	}
	if e.Severity.Rank() >= High.Rank() {
		select {
		case p.ch <- e:
		case <-p.done:
			// Shutting down: write synchronously rather than lose it.
			p.write(context.WithoutCancel(ctx), []Event{e})
		}
		return
	}
	p.totalShed.Add(1)
	p.mu.Lock()
	p.shed[e.Type]++
	p.mu.Unlock()
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
		case e := <-p.ch:
			batch = append(batch, e)
			if len(batch) == cap(batch) {
				flush(ctx)
			}
		case <-tick.C:
			flush(ctx)
		case <-report.C:
			p.reportShed()
		case <-ctx.Done():
			close(p.done)
			dctx := context.WithoutCancel(ctx)
			for {
				select {
				case e := <-p.ch:
					batch = append(batch, e)
				default:
					p.reportShed()
					for len(p.ch) > 0 {
						batch = append(batch, <-p.ch)
					}
					flush(dctx)
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
	case p.ch <- e:
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
