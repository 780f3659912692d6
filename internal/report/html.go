package report

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
)

//go:embed templates/report.html.tmpl
var templateFS embed.FS

// style is the page's only CSS. The Content-Security-Policy allows exactly
// this block by its hash, so the page runs no script and loads nothing.
const style = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#1f2933}` +
	`h1{margin:0}h2{font-size:1.1em;margin:1.6em 0 .5em}.period,.note{color:#52606d}` +
	`.cards{display:flex;flex-wrap:wrap;gap:.5em}.card{border:1px solid #cbd2d9;border-radius:6px;padding:.4em .8em;min-width:6em}` +
	`.card .n{display:block;font-size:1.5em;font-weight:600}.card .l{color:#52606d}` +
	`.chart{width:100%;height:auto}.axis{stroke:#9aa5b1}.tick,.label{font-size:11px;fill:#52606d}` +
	`table{border-collapse:collapse;margin:.5em 0}td,th{border-bottom:1px solid #e4e7eb;padding:.2em .8em;text-align:left}` +
	`.num{text-align:right;font-variant-numeric:tabular-nums}.two{display:flex;flex-wrap:wrap;gap:2em}` +
	`.sw{display:inline-block;width:.8em;height:.8em;margin:0 .3em 0 .8em}` +
	`.sev-low .n{color:#7b8794}.sw.sev-low{background:#9aa5b1}.sev-medium .n{color:#b7791f}.sw.sev-medium{background:#f0b429}` +
	`.sev-high .n{color:#c05621}.sw.sev-high{background:#e66a1f}.sev-critical .n{color:#c81e1e}.sw.sev-critical{background:#c81e1e}`

// ContentSecurityPolicy is the policy the HTML report needs when served
// over HTTP (it also carries it in a meta element for saved files): no
// scripts, no external loads, only the page's own style block.
func ContentSecurityPolicy() string {
	sum := sha256.Sum256([]byte(style))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

func severityColor(s secevent.Severity) string {
	switch s {
	case secevent.Critical:
		return "#c81e1e"
	case secevent.High:
		return "#e66a1f"
	case secevent.Medium:
		return "#f0b429"
	}
	return "#9aa5b1"
}

type rect struct{ X, Y, W, H, Fill, Title string }

type label struct{ X, Y, Text string }

type timelineChart struct {
	Width, Height, Left, Base, LabelX string
	Max                               int
	Bars                              []rect
	Labels                            []label
}

type typeBar struct {
	X, Y, W, H, TextY, CountX, Label, Title string
	Count                                   int
}

type typeChart struct {
	Width, Height string
	Bars          []typeBar
}

type sevCount struct {
	Name  string
	Count int
}

type typeRow struct {
	Type   secevent.Type
	Counts []int
	Total  int
}

type keyCount struct {
	Key   string
	Count int
}

type htmlView struct {
	R                  *Report
	CSP                string
	Style              template.CSS
	From, To           string
	Generated          string
	BucketLabel        string
	Severities         []sevCount
	Timeline           timelineChart
	Types              typeChart
	TypeRows           []typeRow
	AuthReasons        []keyCount
	RateScopes         []keyCount
	IncidentSeverities string
}

func f(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// WriteHTML writes r as one self-contained HTML page with inline SVG
// charts. Every value goes through html/template's contextual escaping.
func WriteHTML(w io.Writer, r *Report) error {
	tmpl, err := template.New("report.html.tmpl").Funcs(template.FuncMap{"dur": humanSeconds}).ParseFS(templateFS, "templates/report.html.tmpl")
	if err != nil {
		return fmt.Errorf("report: template: %w", err)
	}
	v := htmlView{
		R: r, CSP: ContentSecurityPolicy(), Style: template.CSS(style), // #nosec G203 -- constant CSS
		From: r.From.Format("2006-01-02 15:04"), To: r.To.Format("2006-01-02 15:04"),
		Generated: r.GeneratedAt.Format("2006-01-02 15:04:05"), BucketLabel: r.Bucket.String(),
	}
	for _, s := range Severities() {
		v.Severities = append(v.Severities, sevCount{string(s), r.Totals.BySeverity[s]})
	}
	v.Timeline = timelineSVG(r)
	v.Types = typesSVG(r)
	for _, tc := range r.TypesByCount() {
		row := typeRow{Type: tc.Type, Total: tc.Count}
		for _, s := range Severities() {
			row.Counts = append(row.Counts, r.Totals.ByTypeSeverity[tc.Type][s])
		}
		v.TypeRows = append(v.TypeRows, row)
	}
	v.AuthReasons = keyCounts(r.AuthFailures.By)
	v.RateScopes = keyCounts(r.RateLimited.By)
	if ir := r.Incidents; ir != nil {
		v.IncidentSeverities = fmt.Sprintf("%d / %d / %d / %d", ir.BySeverity[secevent.Critical], ir.BySeverity[secevent.High],
			ir.BySeverity[secevent.Medium], ir.BySeverity[secevent.Low])
	}
	return tmpl.Execute(w, v)
}

func keyCounts(m map[string]int) []keyCount {
	var out []keyCount
	for _, k := range sortedKeys(m) {
		out = append(out, keyCount{k, m[k]})
	}
	return out
}

// timelineSVG lays out the stacked bar chart of events per bucket.
func timelineSVG(r *Report) timelineChart {
	const width, height, left, top, bottom = 800.0, 220.0, 40.0, 6.0, 24.0
	base := height - bottom
	c := timelineChart{Width: f(width), Height: f(height), Left: f(left), Base: f(base), LabelX: "0"}
	maxTotal := 1
	for _, b := range r.Timeline {
		maxTotal = max(maxTotal, b.Total)
	}
	c.Max = maxTotal
	n := len(r.Timeline)
	if n == 0 {
		return c
	}
	slot := (width - left) / float64(n)
	barW := max(slot*0.8, 1)
	scale := (base - top) / float64(maxTotal)
	layout := "Jan 2 15:04"
	if r.Bucket >= 24*time.Hour {
		layout = "Jan 2"
	}
	every := max((n+5)/6, 1)
	for i, b := range r.Timeline {
		x := left + float64(i)*slot + (slot-barW)/2
		y := base
		for _, s := range Severities() {
			cnt := b.BySeverity[s]
			if cnt == 0 {
				continue
			}
			h := float64(cnt) * scale
			y -= h
			c.Bars = append(c.Bars, rect{X: f(x), Y: f(y), W: f(barW), H: f(h), Fill: severityColor(s),
				Title: fmt.Sprintf("%s: %d %s", b.Start.Format("2006-01-02 15:04"), cnt, s)})
		}
		if i%every == 0 {
			c.Labels = append(c.Labels, label{X: f(x), Y: f(height - 6), Text: b.Start.Format(layout)})
		}
	}
	return c
}

// typesSVG lays out the horizontal bar chart of events per type.
func typesSVG(r *Report) typeChart {
	const width, labelW, rowH = 800.0, 190.0, 22.0
	types := r.TypesByCount()
	c := typeChart{Width: f(width), Height: f(float64(len(types))*rowH + 4)}
	if len(types) == 0 {
		return c
	}
	maxN := types[0].Count
	span := width - labelW - 60
	for i, tc := range types {
		y := float64(i)*rowH + 4
		w := max(span*float64(tc.Count)/float64(maxN), 1)
		c.Bars = append(c.Bars, typeBar{
			X: f(labelW), Y: f(y), W: f(w), H: f(rowH - 6), TextY: f(y + rowH - 10), CountX: f(labelW + w + 6),
			Label: string(tc.Type), Title: fmt.Sprintf("%s: %d", tc.Type, tc.Count), Count: tc.Count,
		})
	}
	return c
}

// humanSeconds renders a duration in seconds as "1h2m3s"-style text.
func humanSeconds(s float64) string {
	if s <= 0 {
		return "–"
	}
	return time.Duration(s * float64(time.Second)).Round(time.Second).String()
}
