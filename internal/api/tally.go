package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/samo-brain/samo/internal/secevent"
)

// eventTally aggregates the events of one request's items: one event per
// type, severity and class (the details other than the item's field and
// the detector's reason), with "count" saying how many items produced it
// and "field" naming the first. A 1000-line upload in which every line
// trips nine detection classes is nine events, not nine thousand.
type eventTally struct {
	order []string
	m     map[string]*tallied
}

type tallied struct {
	e secevent.Event
	n int
}

func newEventTally() *eventTally { return &eventTally{m: map[string]*tallied{}} }

// add counts e.
func (t *eventTally) add(e secevent.Event) {
	keys := make([]string, 0, len(e.Details))
	for k := range e.Details {
		if k != "field" && k != "reason" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(string(e.Type) + "\x00" + string(e.Severity))
	for _, k := range keys {
		b.WriteString("\x00" + k + "=" + e.Details[k])
	}
	key := b.String()
	if c, ok := t.m[key]; ok {
		c.n++
		return
	}
	t.m[key] = &tallied{e: e, n: 1}
	t.order = append(t.order, key)
}

// flush records one event per class, in first-seen order.
func (t *eventTally) flush(ctx context.Context, rec secevent.Recorder) {
	for _, key := range t.order {
		c := t.m[key]
		if c.e.Details == nil {
			c.e.Details = map[string]string{}
		}
		c.e.Details["count"] = strconv.Itoa(c.n)
		rec.Record(ctx, c.e)
	}
	t.order, t.m = nil, map[string]*tallied{}
}

// recordNow returns the event callback of a single-text request: each
// event is recorded at once.
func (a *API) recordNow(r *http.Request) func(secevent.Event) {
	return func(e secevent.Event) { a.Events.Record(r.Context(), e) }
}
