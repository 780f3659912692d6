package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/samo-brain/samo/internal/incident"
)

// Formats a report can be written in.
const (
	FormatJSON = "json"
	FormatCSV  = "csv"
	FormatHTML = "html"
)

// ContentType returns the media type of a format ("" for an unknown one).
func ContentType(format string) string {
	switch format {
	case FormatJSON:
		return "application/json"
	case FormatCSV:
		return "text/csv; charset=utf-8"
	case FormatHTML:
		return "text/html; charset=utf-8"
	}
	return ""
}

// Write writes r in format (json, csv or html).
func Write(w io.Writer, r *Report, format string) error {
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case FormatCSV:
		return WriteCSV(w, r)
	case FormatHTML:
		return WriteHTML(w, r)
	}
	return fmt.Errorf("report: unknown format %q (want json, csv or html)", format)
}

// WriteCSV writes r as one CSV table with the columns section, key, detail,
// value: one row per figure, so a spreadsheet can filter by section. Text
// cells that a spreadsheet would read as a formula (starting with = + - @,
// tab or carriage return) are prefixed with a single quote.
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	row := func(section, key, detail, value string) {
		_ = cw.Write([]string{section, cell(key), cell(detail), value})
	}
	num := strconv.Itoa
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	row("section", "key", "detail", "value")
	row("period", "from", "", ts(r.From))
	row("period", "to", "", ts(r.To))
	row("period", "bucket_seconds", "", strconv.FormatInt(r.BucketSeconds, 10))
	row("totals", "events", "", num(r.Totals.Events))
	for _, s := range Severities() {
		row("severity", string(s), "", num(r.Totals.BySeverity[s]))
	}
	for _, tc := range r.TypesByCount() {
		for _, s := range Severities() {
			if n := r.Totals.ByTypeSeverity[tc.Type][s]; n > 0 {
				row("type", string(tc.Type), string(s), num(n))
			}
		}
	}
	for _, b := range r.Timeline {
		for _, s := range Severities() {
			row("timeline", ts(b.Start), string(s), num(b.BySeverity[s]))
		}
	}
	for _, o := range r.TopIPs {
		row("top_ip", o.Source, "events", num(o.Events))
		row("top_ip", o.Source, "high_or_critical", num(o.HighOrCritical))
	}
	for _, o := range r.TopKeys {
		row("top_key", o.Source, "events", num(o.Events))
		row("top_key", o.Source, "high_or_critical", num(o.HighOrCritical))
	}
	row("blocks", "issued", "", num(r.Blocks.Issued))
	row("blocks", "automatic", "", num(r.Blocks.Automatic))
	row("blocks", "manual", "", num(r.Blocks.Manual))
	row("blocks", "lifted", "", num(r.Blocks.Lifted))
	breakdown := func(section, by string, bd Breakdown) {
		row(section, "total", "", num(bd.Total))
		for _, k := range sortedKeys(bd.By) {
			row(section, by, k, num(bd.By[k]))
		}
	}
	breakdown("auth_failures", "reason", r.AuthFailures)
	breakdown("rate_limited", "scope", r.RateLimited)
	row("events_shed", "total", "", strconv.FormatInt(r.EventsShed, 10))
	if ir := r.Incidents; ir != nil {
		row("incidents", "total", "", num(ir.Total))
		for _, s := range Severities() {
			row("incidents", "severity", string(s), num(ir.BySeverity[s]))
		}
		for _, st := range []incident.Status{incident.StatusOpen, incident.StatusAcknowledged, incident.StatusResolved} {
			row("incidents", "status", string(st), num(ir.ByStatus[st]))
		}
		for _, d := range []struct {
			name string
			d    incident.Durations
		}{{"time_to_acknowledge", ir.TimeToAcknowledge}, {"time_to_resolve", ir.TimeToResolve}} {
			row("incidents", d.name, "count", num(d.d.Count))
			row("incidents", d.name, "mean_seconds", seconds(d.d.MeanSeconds))
			row("incidents", d.name, "median_seconds", seconds(d.d.MedianSeconds))
			row("incidents", d.name, "max_seconds", seconds(d.d.MaxSeconds))
		}
	}
	cw.Flush()
	return cw.Error()
}

func seconds(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// cell neutralises spreadsheet formulas in a text cell.
func cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
