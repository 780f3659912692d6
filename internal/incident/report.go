package incident

import (
	"context"
	"slices"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
)

// maxReportIncidents bounds how many incidents one report reads.
const maxReportIncidents = 100000

// Durations summarises handling times in seconds.
type Durations struct {
	Count         int     `json:"count"`
	MeanSeconds   float64 `json:"mean_seconds"`
	MedianSeconds float64 `json:"median_seconds"`
	MaxSeconds    float64 `json:"max_seconds"`
}

// Report summarises the incidents created in [From, To).
type Report struct {
	From       time.Time                 `json:"from"`
	To         time.Time                 `json:"to"`
	Total      int                       `json:"total"`
	BySeverity map[secevent.Severity]int `json:"by_severity"`
	ByStatus   map[Status]int            `json:"by_status"`
	// Open counts incidents not resolved (open or acknowledged).
	Open     int `json:"open"`
	Resolved int `json:"resolved"`
	// TimeToAcknowledge covers acknowledged incidents (creation to
	// acknowledgement); TimeToResolve covers resolved ones (creation to
	// resolution).
	TimeToAcknowledge Durations `json:"time_to_acknowledge"`
	TimeToResolve     Durations `json:"time_to_resolve"`
	// OldestOpen is the creation time of the oldest unresolved incident.
	OldestOpen *time.Time `json:"oldest_open,omitempty"`
	// Truncated is set when the period held more incidents than one report
	// reads (100,000); the figures then cover the newest ones.
	Truncated bool `json:"truncated,omitempty"`
}

// Report computes the incident report for incidents created in [from, to).
func (s *Service) Report(ctx context.Context, from, to time.Time) (Report, error) {
	incs, err := s.d.Store.ListIncidents(ctx, Filter{Since: from, Until: to, Limit: maxReportIncidents})
	if err != nil {
		return Report{}, err
	}
	r := Summarize(incs)
	r.From, r.To = from.UTC(), to.UTC()
	r.Truncated = len(incs) == maxReportIncidents
	return r, nil
}

// Summarize computes the report figures of incs (From and To unset).
func Summarize(incs []Incident) Report {
	r := Report{
		BySeverity: map[secevent.Severity]int{secevent.Low: 0, secevent.Medium: 0, secevent.High: 0, secevent.Critical: 0},
		ByStatus:   map[Status]int{StatusOpen: 0, StatusAcknowledged: 0, StatusResolved: 0},
	}
	var ack, res []time.Duration
	for _, inc := range incs {
		r.Total++
		r.BySeverity[inc.Severity]++
		r.ByStatus[inc.Status]++
		if inc.Status == StatusResolved {
			r.Resolved++
		} else {
			r.Open++
			if r.OldestOpen == nil || inc.CreatedAt.Before(*r.OldestOpen) {
				t := inc.CreatedAt
				r.OldestOpen = &t
			}
		}
		if inc.AcknowledgedAt != nil {
			ack = append(ack, max(inc.AcknowledgedAt.Sub(inc.CreatedAt), 0))
		}
		if inc.ResolvedAt != nil {
			res = append(res, max(inc.ResolvedAt.Sub(inc.CreatedAt), 0))
		}
	}
	r.TimeToAcknowledge = summarizeDurations(ack)
	r.TimeToResolve = summarizeDurations(res)
	return r
}

func summarizeDurations(ds []time.Duration) Durations {
	if len(ds) == 0 {
		return Durations{}
	}
	slices.Sort(ds)
	var sum float64
	for _, d := range ds {
		sum += d.Seconds()
	}
	n := len(ds)
	median := ds[n/2].Seconds()
	if n%2 == 0 {
		median = (ds[n/2-1].Seconds() + ds[n/2].Seconds()) / 2
	}
	return Durations{Count: n, MeanSeconds: sum / float64(n), MedianSeconds: median, MaxSeconds: ds[n-1].Seconds()}
}
