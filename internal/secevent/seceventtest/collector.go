// Package seceventtest holds test helpers for code that records security
// events: Collector keeps them in memory for assertions.
//
//	ev := &seceventtest.Collector{}
//	svc := incident.NewService(incident.Deps{Events: ev, ...})
//	if ev.Count(secevent.BruteForce) != 1 { t.Error(...) }
package seceventtest

import (
	"context"
	"sync"

	"github.com/samo-brain/samo/internal/secevent"
)

// Collector is a Recorder that keeps events in memory, for tests.
type Collector struct {
	mu     sync.Mutex
	events []secevent.Event
}

// Record appends e.
func (c *Collector) Record(_ context.Context, e secevent.Event) {
	c.mu.Lock()
	c.events = append(c.events, e)
	c.mu.Unlock()
}

// Events returns a copy of the recorded events.
func (c *Collector) Events() []secevent.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]secevent.Event(nil), c.events...)
}

// Count returns how many recorded events have type t.
func (c *Collector) Count(t secevent.Type) int {
	n := 0
	for _, e := range c.Events() {
		if e.Type == t {
			n++
		}
	}
	return n
}

var _ secevent.Recorder = (*Collector)(nil)
