package dashboard

import (
	"context"
	"net/http"
	"time"

	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/secevent"
)

// tile is one overview number.
type tile struct {
	Label string
	Value int
	NA    bool   // not available (no incident service)
	Class string // "alert" when it deserves attention
	Link  string
}

type overviewData struct {
	Tiles  []tile
	Chart  stacked
	Recent []secevent.Event
	Since  time.Time
}

// overview shows the last 24 hours: tiles, events per hour stacked by
// severity, and the latest high and critical events.
func (db *Dashboard) overview(w http.ResponseWriter, r *http.Request, v *viewer) error {
	ctx := r.Context()
	now := db.d.Now().UTC()
	// The 24 whole hours up to the end of the current one: the tiles count
	// exactly what the chart draws.
	end := now.Truncate(time.Hour).Add(time.Hour)
	since := end.Add(-24 * time.Hour)
	counts, err := db.d.EventLog.CountEvents(ctx, secevent.Filter{Since: since})
	if err != nil {
		return unavailable(err)
	}
	var total, critHigh, authFail, limited int
	for _, c := range counts {
		total += c.Count
		if c.Severity == secevent.Critical || c.Severity == secevent.High {
			critHigh += c.Count
		}
		switch c.Type {
		case secevent.AuthFailure:
			authFail += c.Count
		case secevent.RateLimited:
			limited += c.Count
		}
	}
	st, err := db.d.IDS.Status(ctx)
	if err != nil {
		return unavailable(err)
	}
	open, openOK, err := db.openIncidents(ctx)
	if err != nil {
		return unavailable(err)
	}
	chart, err := db.hourlyChart(ctx, since, end)
	if err != nil {
		return unavailable(err)
	}
	recent, err := db.d.EventLog.ListEvents(ctx, secevent.Filter{
		Severities: []secevent.Severity{secevent.Critical, secevent.High}, Since: since, Limit: 10})
	if err != nil {
		return unavailable(err)
	}
	alert := func(n int) string {
		if n > 0 {
			return "alert"
		}
		return ""
	}
	data := overviewData{Since: since, Chart: chart, Recent: recent, Tiles: []tile{
		{Label: "Events (24 h)", Value: total, Link: "/dashboard/events"},
		{Label: "Critical / high", Value: critHigh, Class: alert(critHigh), Link: "/dashboard/events?severity=critical"},
		{Label: "Auth failures", Value: authFail, Link: "/dashboard/events?type=auth_failure"},
		{Label: "Rate-limited", Value: limited, Link: "/dashboard/events?type=rate_limited"},
		{Label: "Blocked IPs", Value: len(st.Blocked), Class: alert(len(st.Blocked)), Link: "/dashboard/offenders"},
		{Label: "Open incidents", Value: open, NA: !openOK, Class: alert(open), Link: "/dashboard/incidents"},
	}}
	return db.render(w, r, v, http.StatusOK, "overview", "Overview", "overview", data)
}

// openIncidents counts incidents that are open or acknowledged; ok is false
// without an incident service.
func (db *Dashboard) openIncidents(ctx context.Context) (n int, ok bool, err error) {
	if db.d.Incidents == nil {
		return 0, false, nil
	}
	list, err := db.d.Incidents.List(ctx, incident.Filter{
		Statuses: []incident.Status{incident.StatusOpen, incident.StatusAcknowledged}, Limit: 100000})
	if err != nil {
		return 0, false, err
	}
	return len(list), true, nil
}

// hourlyChart counts the events of each hour of [start, end) by severity,
// in one aggregate query.
func (db *Dashboard) hourlyChart(ctx context.Context, start, end time.Time) (stacked, error) {
	counts, err := db.d.Aggregates.EventTimeline(ctx, start, end, time.Hour)
	if err != nil {
		return stacked{}, err
	}
	cols := make([]column, int(end.Sub(start)/time.Hour))
	for i := range cols {
		from := start.Add(time.Duration(i) * time.Hour)
		cols[i] = column{Label: from.Format("15:04"), Tick: from.Hour()%4 == 0, Title: from.Format("Jan 2 15:04") + " UTC",
			Counts: map[secevent.Severity]int{}}
	}
	for _, c := range counts {
		if c.Bucket >= 0 && c.Bucket < len(cols) {
			cols[c.Bucket].Counts[c.Severity] += c.Count
		}
	}
	return stackedChart("Security events per hour, last 24 hours (UTC), stacked by severity", cols), nil
}
