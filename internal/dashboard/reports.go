package dashboard

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/samo-brain/samo/internal/report"
)

// maxReportSpan bounds a report period.
const maxReportSpan = report.MaxPeriod

// preset is a quick report period.
type preset struct {
	Label string
	URL   string
}

type reportsData struct {
	Available bool
	From, To  time.Time
	Presets   []preset
	View      string
	JSON      string
	CSV       string
}

// reportPeriod parses from/to (datetime-local in UTC, or RFC 3339); the
// default is the last 24 hours. Unknown parameters other than format are
// refused.
func (db *Dashboard) reportPeriod(q url.Values) (from, to time.Time, err error) {
	to = db.d.Now().UTC().Truncate(time.Minute).Add(time.Minute)
	from = to.Add(-24 * time.Hour)
	for k, vs := range q {
		if len(vs) != 1 {
			return from, to, failf(http.StatusBadRequest, "A report parameter is repeated.")
		}
		switch k {
		case "from", "to":
			if vs[0] == "" {
				continue
			}
			t, perr := parseInputTime(vs[0])
			if perr != nil {
				return from, to, failf(http.StatusBadRequest, "The period must be two times, from before to.")
			}
			if k == "from" {
				from = t
			} else {
				to = t
			}
		case "format":
		default:
			return from, to, failf(http.StatusBadRequest, "Unknown report parameter.")
		}
	}
	if !from.Before(to) || to.Sub(from) > maxReportSpan {
		return from, to, failf(http.StatusBadRequest, "The period must run forwards and span at most 366 days.")
	}
	return from, to, nil
}

func periodQuery(from, to time.Time, format string) string {
	v := url.Values{"from": {from.UTC().Format(time.RFC3339)}, "to": {to.UTC().Format(time.RFC3339)}}
	if format != "" {
		v.Set("format", format)
	}
	return v.Encode()
}

// reports lets the viewer pick a period and open or download its report.
func (db *Dashboard) reports(w http.ResponseWriter, r *http.Request, v *viewer) error {
	from, to, err := db.reportPeriod(r.URL.Query())
	if err != nil {
		return err
	}
	data := reportsData{Available: db.d.Reports != nil, From: from, To: to,
		View: "/dashboard/reports/view?" + periodQuery(from, to, ""),
		JSON: "/dashboard/reports/download?" + periodQuery(from, to, "json"),
		CSV:  "/dashboard/reports/download?" + periodQuery(from, to, "csv")}
	end := db.d.Now().UTC().Truncate(time.Minute).Add(time.Minute)
	for _, p := range []struct {
		label string
		d     time.Duration
	}{{"Last 24 hours", 24 * time.Hour}, {"Last 7 days", 7 * 24 * time.Hour}, {"Last 30 days", 30 * 24 * time.Hour}} {
		data.Presets = append(data.Presets, preset{Label: p.label, URL: "/dashboard/reports?" + periodQuery(end.Add(-p.d), end, "")})
	}
	return db.render(w, r, v, http.StatusOK, "reports", "Reports", "reports", data)
}

// reportView serves the HTML report as its own document. The report
// carries its own <style>, so it gets reportCSP: inline style allowed,
// scripts impossible (sandbox without allow-scripts), nothing loaded.
func (db *Dashboard) reportView(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if db.d.Reports == nil {
		return failf(http.StatusNotFound, "Reports are not available in this build.")
	}
	from, to, err := db.reportPeriod(r.URL.Query())
	if err != nil {
		return err
	}
	buf, err := db.buildReport(r, from, to, report.FormatHTML)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Security-Policy", report.ContentSecurityPolicy())
	w.Header().Set("Content-Type", report.ContentType(report.FormatHTML))
	_, err = w.Write(buf.Bytes()) // #nosec G705 -- the report package renders with html/template and the page carries its hash-pinned CSP
	return err
}

// reportDownload serves the JSON or CSV report as an attachment.
func (db *Dashboard) reportDownload(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if db.d.Reports == nil {
		return failf(http.StatusNotFound, "Reports are not available in this build.")
	}
	format := r.URL.Query().Get("format")
	if format != report.FormatJSON && format != report.FormatCSV {
		return failf(http.StatusBadRequest, "Pick json or csv.")
	}
	from, to, err := db.reportPeriod(r.URL.Query())
	if err != nil {
		return err
	}
	buf, err := db.buildReport(r, from, to, format)
	if err != nil {
		return err
	}
	name := "samo-security-report-" + from.UTC().Format("20060102T1504Z") + "-" + to.UTC().Format("20060102T1504Z") + "." + format
	w.Header().Set("Content-Type", report.ContentType(format))
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, err = w.Write(buf.Bytes()) // #nosec G705 -- a JSON or CSV attachment, never rendered as HTML (nosniff)
	return err
}

// buildReport builds the report of [from, to) and writes it in format.
func (db *Dashboard) buildReport(r *http.Request, from, to time.Time, format string) (*bytes.Buffer, error) {
	rep, err := db.d.Reports.Build(r.Context(), from, to)
	if errors.Is(err, report.ErrPeriod) {
		return nil, failf(http.StatusBadRequest, "The period must run forwards and span at most 366 days.")
	} else if err != nil {
		return nil, unavailable(err)
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, rep, format); err != nil {
		return nil, err
	}
	return &buf, nil
}
