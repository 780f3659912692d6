package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
)

// eventsMargin is how far inside the log's time span `seclog verify`
// compares the database's events: a server writes each batch of events to
// the database and then to the log, and an event can wait in the
// pipeline's buffer while the sinks are busy, so near either end of the
// span an event may be in the database and not yet, or no longer, in the
// files read. Lines removed within the last eventsMargin are found by a
// later run.
const eventsMargin = time.Minute

// eventsPage is how many database events one query reads.
const eventsPage = 5000

// maxEventsListed bounds the missing events the report names.
const maxEventsListed = 10

// eventsCheck compares the log with the database's events: every event a
// server recorded while the log was being written goes to both, so an
// event in the database that no verified line holds was removed from the
// log (its end cut off, or a restarted server continuing the chain from a
// shortened file, which the chain alone cannot show) or never written to
// it (security logging off, or failing).
type eventsCheck struct {
	Checked  bool
	Why      string    // why it was not checked
	From, To time.Time // the span compared: [From, To)
	Missing  int
	Listed   []secevent.Event // the newest missing ones, at most maxEventsListed
}

// eventsChecked decides whether the log is compared with the database:
// always with "on", never with "off"; with "auto", for the configured log
// on SQLite, where one process writes both. Not for files named on the
// command line (a copy may hold part of a log), nor on PostgreSQL, whose
// replicas share the database's events but each write their own log ("on"
// when the server is the only one).
func eventsChecked(mode string, named bool, driver string) eventsCheck {
	if mode == "on" {
		return eventsCheck{Checked: true}
	}
	if mode == "off" {
		return eventsCheck{Why: "--db-events off"}
	}
	if named {
		return eventsCheck{Why: "files named on the command line (--db-events on compares them)"}
	}
	if driver != "sqlite" {
		return eventsCheck{Why: "replicas share the PostgreSQL database but each write their own log (--db-events on when this is the only server)"}
	}
	return eventsCheck{Checked: true}
}

// eventLister reads security events (the store).
type eventLister interface {
	ListEvents(ctx context.Context, f secevent.Filter) ([]secevent.Event, error)
}

// compare fills c with the database's events from eventsMargin after the
// log's oldest verified line to eventsMargin before now that are on no
// verified line of rep, except those the CLI recorded (they go only to the
// database). A log with no verified line is compared with nothing.
func (c *eventsCheck) compare(ctx context.Context, st eventLister, rep secevent.LogReport, now time.Time) error {
	if rep.Oldest.IsZero() {
		return nil
	}
	c.From, c.To = rep.Oldest.Add(eventsMargin), now.Add(-eventsMargin)
	if !c.From.Before(c.To) {
		return nil
	}
	f := secevent.Filter{Since: c.From, Until: c.To, Limit: eventsPage}
	for {
		page, err := st.ListEvents(ctx, f)
		if err != nil {
			return err
		}
		for _, e := range page {
			if _, ok := rep.IDs[e.ID]; ok || recordedByCLI(e) {
				continue
			}
			c.Missing++
			if len(c.Listed) < maxEventsListed {
				c.Listed = append(c.Listed, e)
			}
		}
		if len(page) < eventsPage {
			return nil
		}
		last := page[len(page)-1]
		f.BeforeAt, f.BeforeID = last.Time, last.ID
	}
}

// recordedByCLI reports whether e was recorded by a command rather than a
// server: marked "via": "cli", or, from releases before the mark, "by"
// the CLI ("cli", later "cli:ACCOUNT").
func recordedByCLI(e secevent.Event) bool {
	by := e.Details["by"]
	return e.Details["via"] == viaCLI || by == "cli" || strings.HasPrefix(by, actorPrefix)
}

// print writes the comparison's lines of the text report.
func (c eventsCheck) print(w io.Writer) {
	if !c.Checked {
		fmt.Fprintf(w, "not compared with the database's events: %s\n", c.Why)
		return
	}
	if !c.From.Before(c.To) {
		fmt.Fprintln(w, "not compared with the database's events: the log has no verified line, or its oldest is less than two minutes old")
		return
	}
	if c.Missing == 0 {
		fmt.Fprintf(w, "every event the database recorded from %s to %s is in the log\n", timeText(c.From), timeText(c.To))
		return
	}
	fmt.Fprintf(w, "%d event(s) the database recorded from %s to %s are in no verified line of the log: lines were removed (its end cut off, or a server restarted on a shortened file), or never written (security logging off, or failing: see the server's log)\n",
		c.Missing, timeText(c.From), timeText(c.To))
	for _, e := range c.Listed {
		fmt.Fprintf(w, "  %s %s %s %s\n", timeText(e.Time), e.ID, e.Type, e.Severity)
	}
	if c.Missing > len(c.Listed) {
		fmt.Fprintf(w, "  … and %d more\n", c.Missing-len(c.Listed))
	}
}

// json is the comparison in the JSON report.
func (c eventsCheck) json() map[string]any {
	if !c.Checked {
		return map[string]any{"checked": false, "why": c.Why}
	}
	listed := make([]map[string]any, 0, len(c.Listed))
	for _, e := range c.Listed {
		listed = append(listed, map[string]any{"id": e.ID, "type": e.Type, "severity": e.Severity, "time": e.Time})
	}
	return map[string]any{"checked": true, "from": timeOrNil(c.From), "to": timeOrNil(c.To), "missing": c.Missing, "missing_events": listed}
}

// timeText formats t for the report.
func timeText(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// timeOrNil is t for JSON, or null when zero.
func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}
